"""The whole detection pipeline on in-memory frames: throws found, distractors ignored."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from scenes import FPS, H, W, falling, flat_config, frames, metres_to_px, spot

from edge.events.event import Event
from edge.motion.candidate import Candidate
from edge.pipeline import DetectionPipeline
from edge.tracking.track import Track


def run(draw: Callable[[np.ndarray, float], None], seconds: float = 3.0, **kw: object) -> list[Event]:
    pipeline = DetectionPipeline(flat_config(), FPS)
    events: list[Event] = []
    for frame in frames(int(seconds * FPS), draw, **kw):
        events.extend(pipeline.process(frame))
    return events


def both(*draws: Callable[[np.ndarray, float], None]) -> Callable[[np.ndarray, float], None]:
    def draw(img: np.ndarray, t: float) -> None:
        for d in draws:
            d(img, t)

    return draw


@pytest.mark.parametrize(("x_m", "y_m", "floor", "column"), [(5.0, 22.5, 8, 2), (12.0, 28.0, 10, 4), (1.0, 17.0, 6, 1)])
def test_a_dropped_object_gives_one_event_with_its_floor_and_column(
    x_m: float, y_m: float, floor: int, column: int
) -> None:
    events = run(falling(x_m, y_m, t_release=0.6))
    assert len(events) == 1
    e = events[0]
    assert (e.origin.floor, e.origin.column) == (floor, column)
    assert e.t_start == pytest.approx(0.6, abs=0.09)
    rx, ry = metres_to_px(x_m, y_m)
    assert abs(e.origin.x - rx) < 4 and abs(e.origin.y - ry) < 4
    # Emitted while it is still falling, as soon as it fell two floors (6 m: ~1.1 s).
    assert e.detected_at - 0.6 < 1.4
    assert 0.5 < e.score <= 1.0
    d = e.to_dict()
    assert set(d) >= {"event_id", "camera_id", "t_start", "t_end", "detected_at", "origin", "trajectory", "score"}


def test_a_two_pixel_object_is_found() -> None:
    events = run(falling(6.0, 25.0, t_release=0.4, diameter_px=2.0, contrast=-45.0))
    assert len(events) == 1
    assert events[0].origin.floor == 9


def test_a_bright_object_on_a_dark_window_is_found() -> None:
    events = run(falling(8.8, 26.0, t_release=0.4, contrast=70.0))
    assert len(events) == 1


def test_an_object_hidden_behind_a_canopy_for_a_few_frames_is_one_event() -> None:
    events = run(falling(5.0, 28.0, t_release=0.4, hidden=lambda t: 1.0 <= t < 1.17))
    assert len(events) == 1
    assert events[0].origin.floor == 10


def test_an_object_hidden_for_half_a_second_early_in_its_fall_is_found() -> None:
    """Hidden from 0.5 s after its release for 0.6 s (a canopy): longer than a track
    or a fall-search hypothesis waits. The track that finds it again sees it already
    falling at 11 m/s, too fast for a release; with the piece seen before the canopy
    in front, it is a fall from its window. The piece's own short-term prediction (a
    straight line through its slow start) falls 3 m short of where it is found."""
    events = run(falling(5.0, 28.0, t_release=0.4, hidden=lambda t: 0.9 <= t < 1.5))
    assert len(events) == 1
    assert events[0].origin.floor == 10
    assert events[0].t_start == pytest.approx(0.4, abs=0.1)


def test_two_throws_at_once_give_two_events() -> None:
    events = run(both(falling(2.0, 25.0, 0.5), falling(11.0, 19.0, 0.7, vx_mps=-0.5)))
    assert sorted((e.origin.floor, e.origin.column) for e in events) == [(7, 4), (9, 1)]


def test_thrown_upward_first_still_reports_the_window() -> None:
    events = run(falling(5.0, 22.5, t_release=0.4, vy_mps=2.0))
    assert len(events) == 1
    assert events[0].origin.floor == 8


# --- distractors: each alone must produce no event -------------------------------


def bird_level(img: np.ndarray, t: float) -> None:
    x = -1.0 + 9.0 * t
    size = 4 + 2 * np.sin(2 * np.pi * 6 * t)  # flapping
    spot(img, *metres_to_px(x, 20.0 + 0.2 * np.sin(3 * t)), size, -70)


def bird_glide_down(img: np.ndarray, t: float) -> None:
    spot(img, *metres_to_px(1.0 + 6.0 * t, 28.0 - 4.0 * t), 4, -70)


def bird_swoop(img: np.ndarray, t: float) -> None:
    spot(img, *metres_to_px(1.0 + 5.0 * t, 28.0 - 12 * t + 5 * t * t), 4, -70)


def leaf(img: np.ndarray, t: float) -> None:
    spot(img, *metres_to_px(6.0 + 0.8 * np.sin(4 * t), 28.0 - 1.5 * t), 3, -50)


def laundry(img: np.ndarray, t: float) -> None:
    x, y = metres_to_px(4.0 + 0.3 * np.sin(5 * t), 15.0 + 0.2 * np.sin(7 * t))
    img[int(y) : int(y) + 12, int(x) : int(x) + 6] -= 50


def window_light(img: np.ndarray, t: float) -> None:
    if t > 1.0:
        x0, y1 = metres_to_px(4.5, 13.0)
        x1, y0 = metres_to_px(6.0, 14.4)
        img[int(y0) : int(y1), int(x0) : int(x1)] += 90


def global_change(img: np.ndarray, t: float) -> None:
    if t > 1.0:  # IR switch / exposure jump
        img *= 0.6
        img += 20


def cloud_shadow(img: np.ndarray, t: float) -> None:
    xx = np.arange(W, dtype=np.float32)[None, :]
    edge = -200 + 400 * t
    img -= 35 / (1 + np.exp(-(xx - edge) / 60.0))


def rain(img: np.ndarray, t: float) -> None:
    rng = np.random.default_rng(int(t * FPS))
    for _ in range(40):
        x, y = rng.uniform([0, 0], [W, H])
        img[int(y) : int(y) + 10, int(x)] += 25


@pytest.mark.parametrize(
    "draw",
    [bird_level, bird_glide_down, bird_swoop, leaf, laundry, window_light, global_change, cloud_shadow, rain],
    ids=lambda f: f.__name__,
)
def test_distractor_alone_gives_no_event(draw: Callable[[np.ndarray, float], None]) -> None:
    assert run(draw, seconds=4.0) == []


def test_camera_shake_gives_no_event_and_a_throw_during_shake_is_still_found() -> None:
    pipeline = DetectionPipeline(flat_config(), FPS)
    events: list[Event] = []
    throw = falling(5.0, 25.0, t_release=0.5)
    for f in frames(int(3.0 * FPS), throw):
        if 30 <= f.index < 34:  # the pole sways: the whole image shifts a few px
            f.gray = np.roll(f.gray, (3, -2), axis=(0, 1))
        events.extend(pipeline.process(f))
    assert len(events) == 1
    assert events[0].origin.floor == 9
    assert pipeline.stats.frames_disturbed >= 3


def _track(track_id: int, points: list[tuple[float, float, float]]) -> Track:
    track = Track(track_id=track_id)
    for t, x, y in points:
        track.add(t, Candidate(x_px=x, y_px=y, area_px=6, width_px=4, height_px=4, contrast=-30.0))
    return track


def test_a_track_that_comes_upon_an_alarmed_object_late_raises_no_second_alarm() -> None:
    """A track that wandered in clutter and then took over an alarmed object is that
    object now, even after the alarmed track itself ended."""
    pipeline = DetectionPipeline(flat_config(), FPS)
    times = [i / FPS for i in range(25)]
    fall = [(t, 300.0 + 10 * t, 60.0 + 250 * t * t) for t in times]
    alarmed = _track(1, fall[:20])
    wanderer = _track(2, [(t, 150.0 + 3 * i, 300.0) for i, (t, _, _) in enumerate(fall[:12])] + fall[12:])
    elsewhere = _track(3, [(t, x + 120.0, y) for t, x, y in fall])
    pipeline._events["alarm"] = alarmed
    assert pipeline._duplicates_live_event(wanderer)
    assert not pipeline._duplicates_live_event(elsewhere)
    # The alarmed track ends; for a few seconds it still counts.
    pipeline._events.clear()
    pipeline._followed.append(alarmed)
    assert pipeline._duplicates_live_event(wanderer)


def test_a_second_track_on_an_alarmed_object_that_its_track_left_raises_no_second_alarm() -> None:
    """The alarmed track stuck to a stale blob after a few frames, while a hypothesis
    follows the other half of the object's motion-blurred blob, 18 px away, to the end."""
    pipeline = DetectionPipeline(flat_config(), FPS)
    times = [i / FPS for i in range(25)]
    fall = [(t, 300.0 + 10 * t, 60.0 + 250 * t * t) for t in times]
    stuck = _track(1, fall[:6] + [(t, fall[5][1], fall[5][2]) for t, _, _ in fall[6:]])
    split = _track(2, [(t, x, y + 18.0) for t, x, y in fall])
    pipeline._events["alarm"] = stuck
    assert pipeline._duplicates_live_event(split)
    # The same path one object-size further on is another object.
    other = _track(3, [(t, x + 60.0, y) for t, x, y in fall])
    assert not pipeline._duplicates_live_event(other)


def test_a_track_that_shares_blobs_with_an_alarmed_one_now_and_then_raises_no_second_alarm() -> None:
    """A track that swaps between the falling object and the stale blob it left behind
    is never beside the alarmed track three sightings in a row, yet it took the very same
    blobs: one object. Two things crossing make one blob in one frame, not in two."""
    pipeline = DetectionPipeline(flat_config(), FPS)
    times = [i / FPS for i in range(32)]
    fall = [(t, 300.0 + 10 * t, 60.0 + 250 * t * t) for t in times]
    pipeline._events["alarm"] = _track(1, fall)
    stale = fall[18]  # left behind: 47 px and more above the object from frame 21 on
    swapping = _track(2, [p if i in (23, 27) else (p[0], stale[1], stale[2]) for i, p in enumerate(fall) if i >= 21])
    assert pipeline._duplicates_live_event(swapping)
    crossing = _track(3, [p if i == 9 else (p[0], p[1] + 80.0, p[2]) for i, p in enumerate(fall)])
    assert not pipeline._duplicates_live_event(crossing)


def _fall_m(
    t0: float, x_m: float, y_m: float, speed_mps: float, times: list[float]
) -> list[tuple[float, float, float]]:
    """Sightings (t, x_px, y_px) of something falling at a steady ``speed_mps`` from (x_m, y_m) at t0."""
    return [(t, *metres_to_px(x_m, y_m - speed_mps * (t - t0))) for t in times]


def _continues(pipeline: DetectionPipeline, track: Track) -> bool:
    facade = pipeline.facades[0]
    start_m = facade.to_metres([[track.x_px[0], track.y_px[0]]])[0]
    return pipeline._continues_alarmed_fall(track, 0, start_m, facade)


def test_a_later_piece_of_an_alarmed_fall_raises_no_second_alarm_but_a_second_throw_does() -> None:
    """A light object at its terminal speed is lost in clutter after its alarm and
    found again further down: the same object. A second object thrown from the same
    window while the first is still falling starts above it: a new throw."""
    pipeline = DetectionPipeline(flat_config(), FPS)
    first = [i / FPS for i in range(25)]  # 0-1 s, seen falling at 4 m/s from floor 9
    alarmed = _track(1, _fall_m(0.0, 6.0, 27.0, 4.0, first))
    pipeline._events["alarm"] = alarmed
    later = [1.6 + i / FPS for i in range(10)]  # lost for 0.6 s, found 2.4 m lower
    piece = _track(2, _fall_m(1.6, 6.2, 27.0 - 4.0 * 1.6, 4.0, later))
    assert _continues(pipeline, piece)
    # The same piece after the alarmed track ended still counts, for a while.
    pipeline._events.clear()
    pipeline._followed.append(alarmed)
    assert _continues(pipeline, piece)
    # Released at the window (27 m) 1.6 s after the first: far above where the first fell to.
    second = _track(3, _fall_m(1.6, 6.0, 27.0, 0.5, later))
    assert not _continues(pipeline, second)
    # The same fall from the next column (3 m to the side) is another object.
    beside = _track(4, _fall_m(1.6, 9.2, 27.0 - 4.0 * 1.6, 4.0, later))
    assert not _continues(pipeline, beside)
    # Found again much later than a lost piece is looked for.
    late = _track(5, _fall_m(3.5, 6.0, 27.0 - 4.0 * 3.5, 4.0, [3.5 + i / FPS for i in range(10)]))
    assert not _continues(pipeline, late)


def _sheet_track(track_id: int, t_from: float, t_to: float, t_release: float = 0.3) -> Track:
    """Sightings of a sheet of paper falling from (5 m, 28 m) with quadratic drag (4 m/s
    terminal speed), swaying sideways, every frame from ``t_from`` to ``t_to``."""
    points = []
    for i in range(round((t_to - t_from) * FPS) + 1):
        t = t_from + i / FPS
        tau = t - t_release
        drop_m = 16.0 / 9.81 * np.log(np.cosh(9.81 * tau / 4.0))
        points.append((t, *metres_to_px(5.0 + 0.3 * np.sin(3 * tau), 28.0 - drop_m)))
    return _track(track_id, points)


def test_a_sheet_seen_in_pieces_is_judged_whole() -> None:
    """A tumbling sheet is edge-on, unseen, for 0.4 s: the track of its first 0.6 s is
    lost, a new one picks it up below. Neither piece has fallen the two floors an alarm
    needs; the new one with the lost piece in front is a light object's fall from its
    window."""
    pipeline = DetectionPipeline(flat_config(), FPS)
    piece, rest = _sheet_track(1, 0.3, 0.9), _sheet_track(2, 1.3, 2.3)
    assert pipeline._judge(piece.since(0), 0.9) is None
    assert pipeline._judge(rest.since(0), 2.3) is None
    event = pipeline._judge_with_piece(rest, [piece], 2.3)
    assert event is not None
    assert (event.origin.floor, event.origin.column) == (10, 2)
    assert event.t_start == pytest.approx(0.3, abs=0.1)
    assert rest.t_s[0] == pytest.approx(0.3) and len(rest) == len(piece) + 26


def test_a_slow_fall_followed_by_one_track_after_another_raises_one_alarm() -> None:
    """A sheet falls for seconds. The alarmed track sees its first second; a second
    track (a hypothesis) on it too follows it on and is a duplicate that raises nothing;
    long after the alarm is forgotten a third track takes the sheet over from the
    second: still the same sheet, known by the second track, not a new alarm."""
    pipeline = DetectionPipeline(flat_config(), FPS)
    pipeline._events["alarm"] = _sheet_track(1, 0.32, 1.52)
    second = _sheet_track(2, 0.32, 3.52)
    assert pipeline._judge(second, now_s=3.52) is None
    assert second.event_id == "duplicate"
    pipeline._events.clear()  # the alarm is forgotten (DUPLICATE_MEMORY_S after its track ended)
    third = _sheet_track(3, 3.2, 4.52)
    assert pipeline._duplicates_live_event(third)
    # Another sheet in the next column is another object.
    beside = _sheet_track(4, 3.2, 4.52)
    beside.x_px[:] = [x + 60 for x in beside.x_px]
    assert not pipeline._duplicates_live_event(beside)


def test_pieces_of_different_things_are_not_joined() -> None:
    """A lost piece and a track that starts two columns over, above where the piece
    was lost, or more than a second after it, do not make one fall."""
    pipeline = DetectionPipeline(flat_config(), FPS)
    piece = _sheet_track(1, 0.3, 0.9)
    elsewhere = _sheet_track(2, 1.3, 2.3)
    elsewhere.x_px[:] = [x + 120 for x in elsewhere.x_px]
    above = _sheet_track(3, 1.3, 2.3)
    above.y_px[:] = [y - 40 for y in above.y_px]
    late = _sheet_track(4, 2.1, 3.1)
    for track in (elsewhere, above, late):
        n = len(track)
        assert pipeline._judge_with_piece(track, [piece], track.t_s[-1]) is None
        assert len(track) == n  # nothing of the piece is left in front of it


def test_a_piece_that_does_not_make_a_throw_is_taken_off_again() -> None:
    """A track that starts where the sheet's piece leads but then drifts down at a
    leaf's pace: the gate lets it try the piece in front, physics says no, and the
    track is left as it was."""
    judged: list[int] = []
    pipeline = DetectionPipeline(flat_config(), FPS, on_verdict=lambda track, _: judged.append(len(track)))
    piece = _sheet_track(1, 0.3, 0.9)
    x0, y0 = piece.predict(1.3)[0]
    drift = _track(2, [(1.3 + i / FPS, x0, y0 + 0.5 * i) for i in range(26)])
    before = drift.points().copy()
    assert pipeline._judge_with_piece(drift, [piece], 2.3) is None
    assert judged == [len(piece) + 26]  # judged with the piece in front...
    assert drift.event_id is None
    np.testing.assert_array_equal(drift.points(), before)  # ...which is gone again


def test_a_throw_out_of_the_outline_is_found_in_the_margin() -> None:
    """Thrown outward from the last column, the object leaves the facade's outline
    after a fifth of a second and falls beside it."""
    throw = falling(13.5, 25.0, t_release=0.4, vx_mps=2.5)
    with_margin = DetectionPipeline(flat_config(motion={"facade_margin_m": 3.0}), FPS)
    events = [e for f in frames(int(3.0 * FPS), throw) for e in with_margin.process(f)]
    assert len(events) == 1
    assert (events[0].origin.floor, events[0].origin.column) == (9, 4)
    assert not run(throw)  # the outline only (the default) loses it
