"""The tracker at high speed, through occlusion, and with clutter."""

from __future__ import annotations

import numpy as np

from edge.motion.candidate import Candidate
from edge.tracking.track import Track
from edge.tracking.tracker import Tracker

FPS = 25.0


def _cand(x: float, y: float) -> Candidate:
    return Candidate(x_px=x, y_px=y, area_px=4, width_px=2, height_px=2, contrast=-40.0)


def test_follows_an_object_accelerating_past_30_px_per_frame() -> None:
    tracker = Tracker()
    accel_px = 6000.0  # px/s²: 240 px/s after 1 s is ~10 px/frame, 60 px/frame by 1.0 s
    n = 30
    for i in range(n):
        t = i / FPS
        tracker.update(t, [_cand(500 + 20 * t, 50 + 0.5 * accel_px * t * t)], 1 / FPS)
    longest = max(tracker.tracks, key=len)
    assert len(longest) == n
    steps = np.diff(longest.y_px)
    assert steps.max() > 30.0


def test_bridges_missed_frames_behind_a_balcony() -> None:
    tracker = Tracker(max_gap=6)
    hidden = set(range(12, 17))  # five frames unseen
    for i in range(30):
        t = i / FPS
        cands = [] if i in hidden else [_cand(300 + 10 * t, 40 + 0.5 * 2500 * t * t)]
        tracker.update(t, cands, 1 / FPS)
    assert len(tracker.tracks) == 1
    assert len(tracker.tracks[0]) == 30 - len(hidden)


def test_frames_motion_could_not_look_at_are_not_counted_as_missed() -> None:
    """A shake blinds motion for five frames, then the object goes unseen behind a
    balcony for four more: nine frames in all, more than ``max_gap``, yet only four
    of them are misses. The gate still widens with the time unseen, so the track
    picks the fall up again where it has got to."""
    tracker = Tracker(max_gap=6)
    blind, hidden = set(range(10, 15)), set(range(15, 19))
    for i in range(30):
        t = i / FPS
        cands = [] if i in blind | hidden else [_cand(300 + 10 * t, 40 + 0.5 * 2500 * t * t)]
        tracker.update(t, cands, 1 / FPS, blind=i in blind)
    assert len(tracker.tracks) == 1
    assert len(tracker.tracks[0]) == 30 - len(blind) - len(hidden)


def test_keeps_two_crossing_falls_apart() -> None:
    tracker = Tracker()
    for i in range(25):
        t = i / FPS
        a = _cand(200 + 60 * t, 40 + 0.5 * 2000 * t * t)
        b = _cand(320 - 60 * t, 40 + 0.5 * 2000 * t * t)
        tracker.update(t, [a, b], 1 / FPS)
    long_tracks = [tr for tr in tracker.tracks if len(tr) >= 20]
    assert len(long_tracks) == 2
    for tr in long_tracks:
        dx = np.diff(tr.x_px)
        assert np.all(dx > 0) or np.all(dx < 0)  # each stays on one object


def test_a_fall_survives_random_clutter() -> None:
    rng = np.random.default_rng(5)
    tracker = Tracker()
    for i in range(30):
        t = i / FPS
        clutter = [_cand(*rng.uniform([0, 0], [640, 360])) for _ in range(15)]
        tracker.update(t, [_cand(320, 30 + 0.5 * 900 * t * t), *clutter], 1 / FPS)
    best = max(tracker.tracks, key=len)
    assert len(best) >= 28
    assert np.allclose(best.x_px, 320)


def test_single_frame_noise_dies_quickly() -> None:
    tracker = Tracker(tentative_gap=2)
    tracker.update(0.0, [_cand(100, 100)], 1 / FPS)
    for i in range(1, 5):
        tracker.update(i / FPS, [], 1 / FPS)
    assert tracker.tracks == []


def test_follows_a_tissue_that_swings_back_and_forth_as_it_falls() -> None:
    """A tissue at its terminal speed, 3 px per frame down, turning sideways every 0.4 s
    40 px either side (scene 0033 of seed 20261214, a 9-px tissue at 1440p): a sideways
    velocity fitted over half a second lags each turn by more than the gate."""
    tracker = Tracker()
    n = 75
    for i in range(n):
        t = i / FPS
        tracker.update(t, [_cand(1480 + 40 * np.sin(2 * np.pi * 1.25 * t), 335 + 75 * t)], 1 / FPS)
    assert max(len(track) for track in tracker.tracks) == n


def test_a_straight_fall_keeps_to_its_path_past_a_stale_blob_behind_it() -> None:
    """A shoe falling straight, its blob 6 px ahead of the prediction (the fit lags an
    accelerating fall), passes a stale blob 6 px behind it and 2 px to the side, where
    its latest few sightings drift: the track stays on the shoe (the end-to-end scene's
    shoe at 2.60 s)."""
    tracker = Tracker()
    n = 30
    xs = 380 - 8 * np.arange(n) / FPS + np.where(np.arange(n) % 4 == 0, 0.6, -0.2)  # jitter
    for i in range(n):
        t = i / FPS
        shoe = _cand(float(xs[i]), 130 + 0.5 * 300 * t * t)
        stale = [_cand(float(xs[i - 1]) + 4, 130 + 0.5 * 300 * ((i - 4) / FPS) ** 2)] if 10 <= i < 20 else []
        tracker.update(t, [shoe, *stale], 1 / FPS)
    longest = max(tracker.tracks, key=len)
    assert len(longest) == n
    assert np.all(np.diff(longest.y_px) > 0)


def test_a_climbing_track_is_not_stitched_to_a_fall_it_points_at() -> None:
    """Clutter moving up the image is lost; a while later a fall starts right where its
    extrapolation leads. A fall goes on down, so the two are not one object (scene 0033
    of seed 20261214: a tissue given a release four floors low)."""
    tracker = Tracker()
    frames = 60
    for i in range(frames):
        t = i / FPS
        cands = []
        if i < 10:
            cands.append(_cand(1570 + 10 * t, 520 - 190 * t))  # climbing at 190 px/s
        if i >= 33:  # lost 0.9 s; the fall begins where the climb would have got to
            tf = t - 33 / FPS
            cands.append(_cand(1570 + 10 * t, 520 - 190 * t + 0.5 * 600 * tf * tf + 10))
        tracker.update(t, cands, 1 / FPS)
    fall = [track for track in tracker.tracks if len(track) >= 20]
    assert len(fall) == 1  # the fall is followed...
    assert min(fall[0].t_s) > 1.3  # ...on its own
    assert all(not (min(track.t_s) < 0.5 and max(track.t_s) > 1.3) for track in tracker.lost)


def test_a_track_wandering_in_clutter_does_not_take_a_fall_from_the_track_that_fits_it() -> None:
    """A bottle at night is followed, goes unseen for three frames, and reappears 16 px
    below where its track expects it (it sped up meanwhile). A track strung through
    clutter nearby misfits its own path by tens of px; were that misfit to widen its gate
    without bound, it would reach the bottle 50 px away and, judged against that wide
    gate, look nearer than the bottle's own track (scene 0027 of seed 20261210)."""
    tracker = Tracker()
    bottle = Track(track_id=1)
    for i in range(6):
        bottle.add(i / FPS, _cand(973, 182 + 5 * i))
    bottle.missed = 3
    wandering = Track(track_id=2)
    for i in range(14):
        wandering.add(i / FPS * 8 / 13, _cand(923 + 60 * (-1) ** i, 243 + 60 * (-1) ** (i // 2)))
    tracker.tracks = [bottle, wandering]
    updated, _ = tracker.update(9 / FPS, [_cand(973, 182 + 5 * 9 + 16)], 1 / FPS)
    assert updated == [bottle]
    assert bottle.y_px[-1] == 182 + 5 * 9 + 16


def test_a_thing_followed_for_minutes_keeps_only_its_latest_stretch() -> None:
    """A flag waving for half a minute: its track keeps the last HISTORY_S of sightings, so
    neither memory nor the per-frame work on its history grows without bound."""
    from edge.tracking.tracker import HISTORY_S

    tracker = Tracker()
    n = int(30 * FPS)
    for i in range(n):
        t = i / FPS
        tracker.update(t, [_cand(400 + 3 * np.sin(2 * t), 300 + 2 * np.cos(3 * t))], 1 / FPS)
        if i == int(5 * FPS):
            tracker.tracks[0].event_start = 10  # as if an alarm were raised from its 11th sighting
            first_alarmed = tracker.tracks[0].t_s[10]
    (track,) = tracker.tracks
    assert len(track) == int(HISTORY_S * FPS) + 1
    assert track.t_s[-1] - track.t_s[0] <= HISTORY_S
    assert track.event_start == 0 and track.t_s[0] > first_alarmed  # the alarmed part has been forgotten too


def test_forget_before_moves_the_event_start_with_the_sightings() -> None:
    track = Track(1)
    for i in range(10):
        track.add(i / FPS, _cand(100.0, 100.0 + i))
    track.event_start = 6
    track.forget_before(4 / FPS)  # drops sightings 0-3
    assert track.t_s[0] == 4 / FPS and len(track) == 6
    assert track.event_start == 2 and track.y_px[track.event_start] == 106.0
