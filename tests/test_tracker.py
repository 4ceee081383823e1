"""The tracker at high speed, through occlusion, and with clutter."""

from __future__ import annotations

import numpy as np

from edge.motion.candidate import Candidate
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
