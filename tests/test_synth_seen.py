"""Visibility measured in the encoded video (edge.synth.seen): what H.264 keeps of a throw."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from edge.sources.video_file import VideoFileSource
from edge.synth.encode import H264Writer
from edge.synth.render import SceneRenderer, render_frames
from edge.synth.scene import SceneSpec, make_scene_spec
from edge.synth.seen import SpriteTrace, seen_descent
from edge.synth.truth import ground_truth
from edge.synth.writer import rewrite_truth, write_scene

W, H, FPS = 320, 180, 25.0


def _one_throw(size_px: float, contrast: float, crf: int, seed: int = 3) -> SceneSpec:
    spec = make_scene_spec(seed, 0, W, H, 4.0, FPS, lighting="day", n_throws=1, distractors=[], trees=False,
                           throw_size_px=size_px, crf=crf)
    # No glints (tumble 0): the object keeps the contrast it left with.
    return replace(spec, throws=(replace(spec.throws[0], contrast=contrast, tumble_hz=0.0),))


def _encode(spec: SceneSpec, path: Path) -> tuple[list[np.ndarray], list[np.ndarray], SpriteTrace]:
    """Rendered and decoded luma planes of the scene, and the trace of its throws."""
    trace = SpriteTrace()
    rendered = []
    with H264Writer(path, W, H, FPS, spec.crf) as writer:
        for frame in SceneRenderer(spec).frames(trace):
            writer.write(frame)
            rendered.append(frame[:H].astype(np.float32))
    source = VideoFileSource(path)
    decoded = [f.gray.astype(np.float32) for f in source]
    source.close()
    return rendered, decoded, trace


def test_the_signal_is_the_object_kept_in_the_video_against_the_frames_without_it(tmp_path: Path) -> None:
    """The trace's estimate (decoded frame minus rendered frame minus the drawn change)
    must agree with the same matched filter on frames rendered without the throw."""
    spec = _one_throw(3.0, 40.0, 26)
    rendered, decoded, trace = _encode(spec, tmp_path / "a.mp4")
    signal = trace.signals(decoded)[0]
    empty = [f[:H].astype(np.float32) for f in render_frames(spec.without_throws())]
    assert len(signal) > 40
    untraced = [f[:H].astype(np.float32) for f in render_frames(spec)]
    assert all(np.array_equal(a, b) for a, b in zip(rendered, untraced, strict=True)), "tracing changed a frame"
    errors = []
    for i, estimate in signal.items():
        drawn = rendered[i] - empty[i]
        kept = decoded[i] - empty[i]
        near = np.abs(drawn) > 0
        share = np.clip(np.sum(kept[near] * drawn[near]) / np.sum(drawn[near] ** 2), 0, 1)
        errors.append(abs(estimate - share * np.abs(drawn).max()))
    assert np.percentile(errors, 90) <= 2.0, errors


def _truths(spec: SceneSpec, path: Path) -> tuple[dict, dict]:
    """The throw's truth judged from its drawn colour and from the encoded video."""
    _, decoded, trace = _encode(spec, path)
    return ground_truth(spec)["throws"][0], ground_truth(spec, trace.signals(decoded))["throws"][0]


def test_h264_erases_a_faint_small_throw_that_its_colour_calls_visible(tmp_path: Path) -> None:
    """A 1.5-px throw whose colour stands out by 20 grey levels: at high quality (crf 18)
    the video keeps enough of it over two floors; at crf 35 it is gone, whatever its colour."""
    by_colour, fine = _truths(_one_throw(1.5, 20.0, 18), tmp_path / "fine.mp4")
    assert by_colour["contrast_median"] > 15 and by_colour["observable"]
    assert fine["observable"] and fine["signal_median"] >= 10
    _, coarse = _truths(_one_throw(1.5, 20.0, 35), tmp_path / "coarse.mp4")
    assert coarse["contrast_median"] == by_colour["contrast_median"]
    assert coarse["signal_median"] < 5 and np.mean(coarse["visible"]) < 0.3 and not coarse["observable"]


def test_a_clear_throw_stands_out_in_the_video_by_its_colour(tmp_path: Path) -> None:
    by_colour, by_video = _truths(_one_throw(8.0, 80.0, 26), tmp_path / "clear.mp4")
    assert by_video["visible"] == by_colour["visible"] and by_video["observable"]
    assert by_video["signal_median"] == pytest.approx(by_colour["contrast_median"], rel=0.2)


@pytest.mark.parametrize(("hidden", "max_gap", "expected_m"), [
    (range(10, 13), 5, 19.5),  # a balcony: bridged, the whole fall counts
    (range(10, 21), 5, 9.0),  # hidden longer than the gap: the longer stretch counts
    (range(10, 21), 20, 19.5),
    (range(0, 40), 5, 0.0),  # never seen
    (range(1, 40), 5, 0.0),  # seen once
])
def test_seen_descent_counts_one_stretch_of_sightings(hidden: range, max_gap: int, expected_m: float) -> None:
    heights_m = 30.0 - 0.5 * np.arange(40)
    seen = np.ones(40, bool)
    seen[list(hidden)] = False
    assert seen_descent(heights_m, seen, max_gap) == pytest.approx(expected_m)


def test_a_fall_seen_only_at_both_ends_is_not_observable() -> None:
    """Released behind a tree, seen again near the ground: nothing a tracker could follow.
    Truths written before the gap rule (no ``max_gap_s``) keep their old meaning."""
    from edge.config.camera import CameraConfig
    from edge.evaluation.observable import mark_observable

    facade = {"name": "f", "corners": [[0, 0], [640, 0], [640, 360], [0, 360]], "floors": 12, "columns": 4,
              "floor_height_m": 3.0, "width_m": 20.0}
    cfg = CameraConfig.model_validate({"camera_id": "c", "source": "x.mp4", "facades": [facade]})
    traj = [[i / 25, 320.0, 40.0 + 10.0 * i] for i in range(30)]  # 290 px = 9.7 floors of 30 px
    ends = [1] * 5 + [0] * 20 + [1] * 5  # 40 px = 1.3 floors at either end
    throws = [{"trajectory": traj, "visible": ends, "facade": "f"} for _ in range(2)]
    rule = {"min_descent_floors": 2.0, "max_gap_s": 0.2}
    mark_observable(throws[:1], cfg, 640, 360, rule, 25.0)
    mark_observable(throws[1:], cfg, 640, 360, {"min_descent_floors": 2.0}, 25.0)
    assert not throws[0]["observable"] and 1.0 < throws[0]["watched_descent_floors"] < 2.0
    assert throws[1]["observable"] and throws[1]["watched_descent_floors"] > 9


def test_an_old_truth_is_derived_again_from_its_video(tmp_path: Path) -> None:
    spec = make_scene_spec(11, 2, W, H, 6.0, FPS, distractor_only=False)
    assert spec.throws, "this seed throws something"
    paths = write_scene(spec, tmp_path)
    written = paths.truth.read_text()
    old = json.loads(written)
    del old["visibility_rule"]["max_gap_s"], old["visibility_rule"]["contrast_in"]
    for throw in old["throws"]:
        del throw["signal_median"]
    paths.truth.write_text(json.dumps(old))
    rewrite_truth(paths.truth)
    assert paths.truth.read_text() == written
    old["seed"] = 12
    paths.truth.write_text(json.dumps(old))
    with pytest.raises(ValueError, match="does not match"):
        rewrite_truth(paths.truth)
