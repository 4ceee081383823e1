"""The fall search: a fall in dense clutter is followed whole, and clutter seeds nothing."""

from __future__ import annotations

import numpy as np

from edge.motion.candidate import Candidate
from edge.motion.signal import FrameSignal
from edge.pipeline import hypothesis_max_gap
from edge.tracking.fall_search import PROBE_MAX_RUN, FallSearch
from edge.tracking.track import Track
from edge.tracking.tracker import Tracker

FPS = 25.0
DT = 1.0 / FPS
ACCEL_PX = 600.0  # px/s²: a fall seen from afar, 1.5 px/frame after 0.06 s... 24 px/frame after 1 s


def _cand(x: float, y: float, strong: bool = True, contrast: float = -40.0) -> Candidate:
    return Candidate(x_px=x, y_px=y, area_px=6, width_px=4, height_px=4, contrast=contrast, strong=strong)


def _fall_xy(t_s: float, t_release_s: float) -> tuple[float, float]:
    tau = t_s - t_release_s
    return 300.0 + 8.0 * tau, 60.0 + 0.5 * ACCEL_PX * tau * tau


def _run(
    frames: list[list[Candidate]],
    search: FallSearch | None = None,
    blind: frozenset[int] = frozenset(),
    signals: list[FrameSignal] | None = None,
) -> tuple[Tracker, FallSearch, list]:
    """Tracker and fall search over the frames (one list of candidates per frame); the
    frames in ``blind`` are ones motion could not look at; ``signals``: each frame's
    motion signal, where hypotheses may look below the threshold."""
    tracker, search = Tracker(), search or FallSearch()
    hypotheses = []
    for i, cands in enumerate(frames):
        moved, _ = tracker.update(i * DT, cands, DT)
        signal = signals[i] if signals is not None else None
        grown, _ = search.update(i * DT, cands, moved, blind=i in blind, signal=signal)
        hypotheses.extend(h for h in grown if h not in hypotheses)
    return tracker, search, hypotheses


def _near_fall(track, t_release_s: float, tol_px: float = 2.0) -> int:
    hits = 0
    for t, x, y in zip(track.t_s, track.x_px, track.y_px, strict=True):
        if t >= t_release_s:
            fx, fy = _fall_xy(t, t_release_s)
            hits += bool(np.hypot(x - fx, y - fy) <= tol_px)
    return hits


def test_a_fall_whose_sightings_a_noise_track_took_is_followed_whole() -> None:
    """Clutter as dense as on a textured facade in daylight (80 blobs in 640 x 480), and a
    long-lived chain of noise sits where the object is released and takes its
    first sightings; the object is missed in a third of the frames. The tracker alone
    ends up with pieces; the hypothesis follows the fall from release to the end."""
    rng = np.random.default_rng(3)
    t_release, n_frames = 0.8, 50
    frames: list[list[Candidate]] = []
    seen_fall = 0
    for i in range(n_frames):
        t = i * DT
        cands = [_cand(*rng.uniform([0, 0], [640, 480]), strong=bool(rng.random() < 0.3)) for _ in range(80)]
        # A flickering noise blob that jitters around the release point all along.
        cands.append(_cand(300 + rng.normal(0, 2), 60 + rng.normal(0, 2), strong=False, contrast=5.0))
        if t >= t_release and rng.random() > 0.33:
            cands.append(_cand(*_fall_xy(t, t_release)))
            seen_fall += 1
        frames.append(cands)
    tracker, search, hypotheses = _run(frames)
    assert search.started >= 1
    # Hypotheses count down from -1 and tracks up from 1: their ids never meet.
    assert all(h.track_id < 0 for h in hypotheses) and all(t.track_id > 0 for t in tracker.tracks)
    assert len({h.track_id for h in hypotheses}) == len(hypotheses)
    best = max(hypotheses, key=lambda h: _near_fall(h, t_release))
    covered = _near_fall(best, t_release)
    assert covered >= 0.85 * seen_fall
    first_fall = next(t for t in best.t_s if t >= t_release - 1e-9)
    assert first_fall - t_release <= 0.25  # reached back to the release, not just the fast end
    # Few of its sightings belong to something else.
    in_flight = [t for t in best.t_s if t >= t_release - 1e-9]
    assert covered >= 0.85 * len(in_flight)


def test_clutter_and_rising_things_start_no_lasting_hypothesis() -> None:
    """Jittering blobs may look like a fall for a few frames; nothing here is followed
    for long, and neither bird becomes part of a hypothesis."""
    rng = np.random.default_rng(4)
    frames = []
    climbing, level = [], []
    for i in range(60):
        t = i * DT
        cands = [_cand(x + rng.normal(0, 1.5), y + rng.normal(0, 1.5)) for x, y in [(100, 100), (400, 300)]]
        climbing.append((500 + 5 * t, 400 - 0.5 * ACCEL_PX * t * t))  # a bird climbing away
        level.append((200 + 200 * t, 200))  # a bird flying level
        cands += [_cand(*climbing[-1]), _cand(*level[-1])]
        frames.append(cands)
    _, _, hypotheses = _run(frames)
    birds = {(round(x, 3), round(y, 3)) for x, y in climbing + level}
    for hyp in hypotheses:
        assert len(hyp) <= 20
        assert not birds & {(round(x, 3), round(y, 3)) for x, y in zip(hyp.x_px, hyp.y_px, strict=True)}


def test_hypotheses_share_candidates_with_tracks() -> None:
    """The search does not take candidates away from the tracker: a clean fall ends up
    in one track and one hypothesis, point for point."""
    frames = [[_cand(*_fall_xy(i * DT, 0.0))] for i in range(30)]
    tracker, _search, hypotheses = _run(frames)
    longest = max(tracker.tracks, key=len)
    assert len(longest) == 30
    assert len(hypotheses) == 1
    hyp = hypotheses[0]
    assert len(hyp) == 30
    np.testing.assert_allclose(hyp.y_px, longest.y_px)


def test_a_backward_growth_stopped_by_a_stale_blob_gets_going_without_it() -> None:
    """A hypothesis' first point is a stale blob a few px below the path, taken while
    the object was hidden: the earliest points then tilt the backward prediction away
    from the object and the growth stops at once. Left out, the growth reaches the release."""
    t_release, first = 0.2, 14  # the hypothesis starts at frame ``first``
    search = FallSearch()
    for i in range(first):
        t = i * DT
        cands = [_cand(500.0, 400.0, strong=False)]  # something else in view, far away
        if t >= t_release and i != first - 1:  # hidden in the frame before the stale blob
            cands.append(_cand(*_fall_xy(t, t_release)))
        search.update(t, cands, [])
    fx, fy = _fall_xy(first * DT, t_release)
    stale = _cand(fx + 1.0, fy + 12.0, strong=False)
    later = [(i * DT, _cand(*_fall_xy(i * DT, t_release))) for i in range(first + 1, first + 10)]
    points = [(first * DT, stale), *later]

    plain = search._extend_back(list(points), before_t_s=points[0][0])
    assert len(plain) == len(points)  # the premise: stuck at the stale blob

    dropped, earlier = search._extend_back_robust(points)
    assert dropped == 1
    assert earlier[0][0] - t_release <= 0.05
    for t, c in earlier:
        assert np.hypot(c.x_px - _fall_xy(t, t_release)[0], c.y_px - _fall_xy(t, t_release)[1]) < 1e-6


def test_a_backward_growth_does_not_end_on_faint_blobs() -> None:
    """Noise blobs that happen to lie in the widening gate before the object's first
    clear sighting would set the release; the growth gives them back."""
    t_first, first = 0.6, 15  # the object is seen clearly from frame ``first`` on
    search = FallSearch()
    for i in range(first):
        t = i * DT
        cands = [_cand(500.0, 400.0, strong=False)]
        if i >= first - 3:  # faint blobs along the path's backward extension
            x, y = _fall_xy(t, 0.2)
            cands.append(_cand(x + 2.0, y - 3.0, strong=False, contrast=6.0))
        search.update(t, cands, [])
    points = [(i * DT, _cand(*_fall_xy(i * DT, 0.2))) for i in range(first, first + 10)]
    grown = search._extend_back(list(points), before_t_s=points[0][0])
    assert grown[0][0] >= t_first - 1e-9
    assert all(c.strong for _, c in grown)


def test_growing_back_stops_at_an_object_at_rest() -> None:
    """An object that sat still for two seconds before it fell: the hypothesis reaches
    back to the release and a few sightings at rest, however often it grows back."""
    t_release = 2.0
    search = FallSearch()
    seed = Track(track_id=1)
    for i in range(80):
        t = i * DT
        fall = _cand(*_fall_xy(max(t, t_release), t_release))
        moved = []
        if 53 <= i <= 56:
            seed.add(t, fall)
            moved = [seed] if i == 56 else []
        search.update(t, [fall], moved)
    (hyp,) = search.hypotheses
    at_rest = sum(t < t_release for t in hyp.t_s)
    assert 1 <= at_rest <= 8


def test_a_fall_is_followed_back_across_frames_that_motion_could_not_look_at() -> None:
    """The camera shakes for 0.6 s (15 frames) while the object falls: motion suppresses
    those frames and finds nothing. The object seen again afterwards is followed back
    across them to its release, since going unseen there says nothing."""
    t_release, shake = 0.2, range(12, 27)
    blind_frames = frozenset(shake)
    frames = [[] if i in blind_frames or i * DT < t_release else [_cand(*_fall_xy(i * DT, t_release))]
              for i in range(45)]
    _tracker, _search, hypotheses = _run(frames, FallSearch(max_gap=6), blind=blind_frames)
    best = max(hypotheses, key=lambda h: _near_fall(h, t_release))
    assert min(best.t_s) - t_release <= 0.05  # reached back across the shake to the release
    assert _near_fall(best, t_release) == len(best)
    assert max(best.t_s) >= 44 * DT  # and on to the end
    # Without the blind flag the same gap splits the fall: the premise of the test.
    _tracker, _search, pieces = _run(frames, FallSearch(max_gap=6))
    assert not any(min(h.t_s) < shake[0] * DT and max(h.t_s) > shake[-1] * DT for h in pieces)


def test_a_hypothesis_that_took_stray_blobs_takes_the_object_again_once_its_path_is_known() -> None:
    """Frame by frame, a hypothesis widened its gate while the object went unseen, took a
    faint stray blob there and, bent by it, three more, while the object was in view
    again (the tracker's track had those sightings). Its clear sightings before and after
    pin the path; the object's own candidates are taken again in those frames."""
    t_release, n_frames, stray_from = 0.0, 24, 12
    search = FallSearch()
    hyp = Track(track_id=1)
    rng = np.random.default_rng(5)
    for i in range(n_frames):
        t = i * DT
        fx, fy = _fall_xy(t, t_release)
        cands = [_cand(*rng.uniform([0, 0], [640, 480]), strong=False) for _ in range(20)]
        cands.append(_cand(fx, fy))
        if stray_from <= i < stray_from + 4:
            stray = _cand(fx - 9.0, fy - 20.0, strong=False, contrast=4.0)
            cands.append(stray)
            hyp.add(t, stray)
        elif i < n_frames - 1:
            hyp.add(t, _cand(fx, fy))
        if i < n_frames - 1:
            search.update(t, cands, [])
    search.hypotheses.append(hyp)
    t = (n_frames - 1) * DT
    updated, _ = search.update(t, [_cand(*_fall_xy(t, t_release))], [])
    assert updated == [hyp]
    off_path = [
        (round(ti, 2), round(float(np.hypot(x - _fall_xy(ti, t_release)[0], y - _fall_xy(ti, t_release)[1])), 1))
        for ti, x, y in zip(hyp.t_s, hyp.x_px, hyp.y_px, strict=True)
    ]
    assert all(d < 1e-6 for _, d in off_path), off_path
    assert len(hyp) == n_frames  # the object in every frame, and nothing else


def test_a_blob_left_behind_is_not_taken_again_along_the_path() -> None:
    """A slow start (2 px a frame): in a frame where the object went unseen, a blob it
    left behind sits where it was a frame before, closer to the path than the gate. It
    is no sighting of the object; the frames around it are taken again as usual."""
    search = FallSearch()
    hyp = Track(track_id=1)

    def xy(i: int) -> tuple[float, float]:
        return 300.0 + 0.2 * i, 100.0 + 1.8 * i + 0.02 * i * i

    n_frames, left_behind_at = 20, 10
    for i in range(n_frames):
        t = i * DT
        cands = [_cand(500.0, 400.0, strong=False)]
        if i == left_behind_at:
            cands.append(_cand(*xy(i - 1), strong=False, contrast=6.0))
        else:
            cands.append(_cand(*xy(i)))
        if i in (11, 12):
            stray = _cand(xy(i)[0] + 8.0, xy(i)[1] - 6.0, strong=False, contrast=4.0)
            cands.append(stray)
            hyp.add(t, stray)
        elif i not in (5, left_behind_at) and i < n_frames - 1:
            hyp.add(t, _cand(*xy(i)))
        if i < n_frames - 1:
            search.update(t, cands, [])
    search.hypotheses.append(hyp)
    t = (n_frames - 1) * DT
    search.update(t, [_cand(*xy(n_frames - 1))], [])
    frames = [round(ti / DT) for ti in hyp.t_s]
    assert frames == [i for i in range(n_frames) if i != left_behind_at]
    for i, x, y in zip(frames, hyp.x_px, hyp.y_px, strict=True):
        assert np.hypot(x - xy(i)[0], y - xy(i)[1]) < 1e-6


def test_a_hypothesis_bridges_a_cup_turning_edge_on_for_longer_than_a_track_waits() -> None:
    """The object goes unseen for 8 frames (0.32 s) mid-fall: longer than a track waits
    (6 frames by default), not longer than a hypothesis does. One hypothesis follows the
    fall across the spell; with a track's patience it comes in pieces."""
    t_release, hidden = 0.1, range(14, 22)
    frames = [[] if i in hidden or i * DT < t_release else [_cand(*_fall_xy(i * DT, t_release))] for i in range(36)]

    def spans(h: Track) -> bool:
        return min(h.t_s) < hidden[0] * DT and max(h.t_s) > hidden[-1] * DT

    assert hypothesis_max_gap(6, FPS) == 9
    whole = [h for h in _run(frames, FallSearch(max_gap=hypothesis_max_gap(6, FPS)))[2] if spans(h)]
    assert whole and all(_near_fall(h, t_release) == len(h) for h in whole)
    assert not any(spans(h) for h in _run(frames, FallSearch(max_gap=6))[2])


def test_the_hypothesis_gap_follows_the_track_gap_and_is_bounded_in_time() -> None:
    assert hypothesis_max_gap(2, 25.0) == 3  # an installer's shorter track gap shortens it too
    assert hypothesis_max_gap(6, 10.0) == 4  # 0.36 s at 10 fps
    assert hypothesis_max_gap(20, 25.0) == 9


def _signal(spots_xy: list[tuple[float, float]], level: int, threshold: int = 20) -> FrameSignal:
    """A 640 x 480 motion signal: zero, but ``level`` on 2 x 2 px at each spot."""
    signal = np.zeros((480, 640), np.uint8)
    for x, y in spots_xy:
        signal[int(y) : int(y) + 2, int(x) : int(x) + 2] = level
    frame = np.full((480, 640), 120, np.uint8)
    return FrameSignal(signal, np.full_like(signal, threshold), np.full_like(signal, 255), frame, frame + 10, (0, 0))


def test_a_fall_gone_faint_for_a_while_is_followed_below_the_threshold() -> None:
    """The object crosses the threshold except for 10 frames mid-fall, where it only
    reaches 0.6 of it (a cup over a facade of its own grey): longer than the search
    waits (6 frames). Looking where the fall must be, one hypothesis follows it across;
    without the signal it comes in pieces."""
    t_release, faint = 0.0, range(16, 26)
    falls = [_fall_xy(i * DT, t_release) for i in range(40)]
    frames = [[] if i in faint else [_cand(*falls[i])] for i in range(40)]
    signals = [_signal([falls[i]], level=12) for i in range(40)]

    def spans(h: Track) -> bool:
        return min(h.t_s) < faint[0] * DT and max(h.t_s) > faint[-1] * DT

    whole = [h for h in _run(frames, signals=signals)[2] if spans(h)]
    assert whole
    followed = max(whole, key=len)
    assert _near_fall(followed, t_release) == len(followed)
    probed = [t for t, p in zip(followed.t_s, followed.probed, strict=True) if p]
    assert len(probed) == PROBE_MAX_RUN
    assert all(faint[0] * DT - 1e-9 <= t <= faint[-1] * DT + 1e-9 for t in probed)
    assert not any(spans(h) for h in _run(frames)[2])


def test_probed_sightings_alone_carry_a_hypothesis_only_so_far() -> None:
    """The object is gone after 16 frames, but the signal reaches 0.6 of the threshold
    right where the fall would be in every frame (the worst case for noise). A
    hypothesis takes PROBE_MAX_RUN such sightings in a row, then waits for a clear one
    and ends. Below half the threshold it takes none."""
    falls = [_fall_xy(i * DT, 0.0) for i in range(40)]
    frames = [[_cand(*falls[i])] if i < 16 else [] for i in range(40)]
    search = FallSearch()
    hyp = max(_run(frames, search, signals=[_signal([f], level=12) for f in falls])[2], key=len)
    assert len(hyp) == 16 + PROBE_MAX_RUN
    assert not search.hypotheses  # it ended
    assert max(len(h) for h in _run(frames, signals=[_signal([f], level=9) for f in falls])[2]) == 16
