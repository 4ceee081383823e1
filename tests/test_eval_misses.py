"""``fallwatch eval --explain-misses``: where a missed throw was lost."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from edge.evaluation.misses import TrackLog, explain_miss, reason_counts
from edge.evaluation.report import build_report, format_table
from edge.evaluation.runner import evaluate_scene
from edge.motion.candidate import Candidate
from edge.physics.trajectory import Verdict
from edge.synth.scene import make_scene_spec
from edge.synth.writer import write_scene
from edge.tracking.track import Track
from fallwatch.cli import main

FPS = 25.0


def _throw(n: int = 30) -> dict:
    t = np.arange(n) / FPS
    return {"id": "throw-0", "trajectory": [[ti, 300.0, 100.0 + 0.5 * 300 * ti * ti] for ti in t]}


def _track(track_id: int, points: list[tuple[float, float, float]]) -> Track:
    track = Track(track_id)
    for t, x, y in points:
        track.add(t, Candidate(x, y, 4, 4, 4, -20.0, True))
    return track


def test_the_track_that_followed_the_throw_best_gives_the_reason() -> None:
    throw = _throw()
    path = np.asarray(throw["trajectory"])
    log = TrackLog()
    on_path = _track(7, [(t, x + 1.0, y - 1.0) for t, x, y in path[:12]])
    elsewhere = _track(8, [(t, x + 60.0, y) for t, x, y in path])  # same times, another place
    log.on_tracks([on_path, elsewhere])
    log.on_verdict(on_path, Verdict(False, "has not fallen far enough"))
    log.on_verdict(elsewhere, Verdict(False, "falls at 1.0 m/s, like a leaf"))
    why = explain_miss(throw, log)
    assert why == {"throw_frames": 30, "track_id": 7, "track_points": 12, "near_points": 12,
                   "why": "has not fallen far enough"}


def test_no_track_and_an_unjudged_track_are_told_apart() -> None:
    throw = _throw()
    path = np.asarray(throw["trajectory"])
    log = TrackLog()
    assert explain_miss(throw, log)["why"].startswith("no track followed it")
    log.on_tracks([_track(3, [(t, x, y) for t, x, y in path[:5]])])  # never judged: no verdict
    assert explain_miss(throw, log)["why"].startswith("its track was never judged")


def test_reasons_are_counted_without_their_numbers() -> None:
    counts = reason_counts([{"why": "seen in only 41% of its frames"}, {"why": "seen in only 35% of its frames"},
                            {"why": "has not fallen far enough"}])
    assert counts == [("seen in only N of its frames", 2), ("has not fallen far enough", 1)]


def test_evaluating_a_scene_explains_its_missed_throw(tmp_path: Path) -> None:
    # A 1-px throw at 640x360 is below what the detector can see.
    spec = make_scene_spec(5, 0, 640, 360, 6.0, FPS, lighting="day", n_throws=1, throw_size_px=1.0,
                           min_size_px=1.0, distractors=[], trees=False)
    paths = write_scene(spec, tmp_path)
    result = evaluate_scene(paths.truth, explain_misses=True)
    throw_id = json.loads(paths.truth.read_text())["throws"][0]["id"]
    assert [m.event for m in result.matches] == [None]
    assert result.miss_reasons[throw_id]["why"]
    report = build_report([result])
    assert report["missed"][0]["why"] == result.miss_reasons[throw_id]["why"]
    table = format_table(report)
    assert "missed throws, why" in table
    # Nothing to count is said in words, not as Python's None or a dict.
    assert "None" not in table and "{" not in table
    assert "(n/a: no such video)" in table  # no distractor-only scene
    assert "n/a / n/a" in table  # no latency: nothing found
    assert "640x360: " in table


def test_eval_names_a_scene_whose_video_is_missing_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    spec = make_scene_spec(6, 0, 320, 180, 3.0, FPS, lighting="day", n_throws=0, distractors=[], trees=False)
    paths = write_scene(spec, tmp_path)
    paths.video.unlink()
    for jobs in ("1", "2"):
        assert main(["eval", str(tmp_path), "--jobs", jobs]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [f"fallwatch eval: {paths.video}: no such video file"]
