"""Visibility ground truth (which throw frames a camera could see) and observable recall in the eval."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from edge.config.camera import DetectionConfig
from edge.evaluation.matching import Match
from edge.evaluation.report import SceneResult, build_report, format_table
from edge.synth.backdrop import render_backdrop
from edge.synth.canvas import RenderContext
from edge.synth.distractors import tree_sway
from edge.synth.distractors.camera_shake import CameraShake
from edge.synth.render import SceneRenderer, render_frames
from edge.synth.scene import SceneSpec, make_scene_spec
from edge.synth.throws import OBSERVABLE_MIN_DESCENT_FLOORS
from edge.synth.trees import TreeSpec
from edge.synth.truth import ground_truth, tree_cover

W, H, FPS = 320, 180, 25.0
SHAKE = (3, -2)


def _luma(frames: list[np.ndarray]) -> np.ndarray:
    return np.stack([f[:H].astype(np.int16) for f in frames])


def _plain_scene() -> SceneSpec:
    """One 4-px throw, no trees, no noise (frames with and without it differ only by it),
    the whole video shaken by SHAKE px."""
    spec = make_scene_spec(0, 0, W, H, 4.0, FPS, lighting="day", n_throws=1, distractors=[], trees=False,
                           throw_size_px=4.0, noise_sigma=0.0)
    shake = CameraShake(t_start_s=0.0, t_end_s=4.0, first_frame=0, offsets_px=(SHAKE,) * spec.n_frames)
    return replace(spec, distractors=(shake,))


def _tree_scene(plain: SceneSpec) -> SceneSpec:
    """The same scene with a swaying tree whose crown stands in front of the release point."""
    release = plain.throws[0].release_m
    tree = TreeSpec(x_m=release[0], z_m=3.0, height_m=release[1] + 1.0, crown_radius_m=2.5, seed=7)
    treed = replace(plain, trees=(tree,))
    sway = tree_sway.sample(np.random.default_rng(0), treed.facts())
    return replace(treed, distractors=(sway, *plain.distractors))


def _object_diff(spec: SceneSpec, truth: dict) -> np.ndarray:
    """Per trajectory frame, the largest grey-level change the throw makes near its true point."""
    diff = np.abs(_luma(list(render_frames(spec))) - _luma(list(render_frames(spec.without_throws()))))
    yy, xx = np.mgrid[:H, :W]
    reach = truth["size_px"] / 2 + 1.5
    return np.array([diff[round(t * FPS)][np.hypot(xx - x, yy - y) <= reach].max() for t, x, y in truth["trajectory"]])


def test_tree_cover_is_where_the_renderer_paints_the_trees() -> None:
    """tree_cover() must follow the shake and the sway: compare it with rendered frames
    with and without the tree (nothing thrown), pixel by pixel."""
    plain = _plain_scene()
    treed = _tree_scene(plain)
    bare = _luma(list(render_frames(plain.without_throws())))
    with_tree = _luma(list(render_frames(treed.without_throws())))
    backdrop = render_backdrop(treed.backdrop_rng, treed.layout, treed.camera, treed.lighting, treed.trees)
    cover_at = tree_cover(treed, backdrop)
    for i in (5, 40, 80):
        cover = np.array([[cover_at(i, x, y) for x in range(W)] for y in range(H)])
        changed = with_tree[i] != bare[i]
        assert (cover >= 0.5).sum() > 200, "the tree must be in view"
        assert not changed[cover == 0].any(), f"frame {i}: a pixel changed where no tree is said to be"
        assert changed[cover >= 0.5].mean() > 0.95, f"frame {i}: trees said to be where nothing changed"


def test_a_throw_behind_a_tree_is_not_visible_there() -> None:
    plain = _plain_scene()
    treed = _tree_scene(plain)
    t_plain, t_tree = ground_truth(plain)["throws"][0], ground_truth(treed)["throws"][0]
    assert all(t_plain["visible"]), "without the tree the whole fall is in view"
    vis = np.array(t_tree["visible"], bool)
    assert len(vis) == len(t_tree["trajectory"])
    assert not vis[:5].any(), "released inside the crown: hidden at first"
    assert vis[-5:].all(), "seen again below the crown"
    assert t_tree["visible_descent_floors"] < t_plain["visible_descent_floors"]
    # The pixels agree: where the truth says hidden, the throw barely changes the frame.
    ratio = _object_diff(treed, t_tree) / np.maximum(_object_diff(plain, t_plain), 1)
    assert np.median(ratio[~vis]) < 0.3 and np.median(ratio[vis]) > 0.7, ratio


def _uniform_context(spec: SceneSpec, grey: int) -> RenderContext:
    """The spec's context with the static scene replaced by one flat grey level."""
    bd = render_backdrop(spec.backdrop_rng, spec.layout, spec.camera, spec.lighting, spec.trees)
    flat = replace(bd, canvas_bgr=np.full_like(bd.canvas_bgr, grey), luma=np.full_like(bd.luma, grey))
    return RenderContext(spec.camera, spec.lighting, flat, spec.fps, spec.duration_s)


@pytest.mark.parametrize(("contrast", "visible"), [(4.0, False), (-6.0, False), (40.0, True)])
def test_an_object_as_grey_as_its_background_is_not_visible(contrast: float, visible: bool) -> None:
    spec = make_scene_spec(1, 0, W, H, 4.0, FPS, lighting="day", n_throws=1, distractors=[], trees=False,
                           throw_size_px=6.0, noise_sigma=0.0)
    # No glints (tumble 0, phase 0): the object keeps the grey level it left with.
    throw = replace(spec.throws[0], contrast=contrast, tumble_hz=0.0, phase=0.0)
    spec = replace(spec, throws=(throw,))
    ctx = _uniform_context(spec, 120)
    vis = throw.visibility(ctx, spec.n_frames, spec.shift_px, lambda i, x, y: 0.0, spec.layout.floor_height_m)
    n = len(throw.truth(spec.camera, FPS, spec.n_frames, spec.shift_px, "f")["trajectory"])
    assert vis["visible"] == [int(visible)] * n
    assert vis["contrast_median"] == pytest.approx(abs(contrast), abs=0.5)
    assert vis["observable"] is (visible and vis["visible_descent_floors"] >= OBSERVABLE_MIN_DESCENT_FLOORS)
    if not visible:
        assert vis["visible_descent_floors"] == 0.0
    # Render the frames over the same flat scene: the object changes the frame by its contrast at most.
    renderer = SceneRenderer(spec)
    renderer.backdrop, renderer.context = ctx.backdrop, ctx
    empty = SceneRenderer(spec.without_throws())
    empty.backdrop, empty.context = ctx.backdrop, ctx
    peak = np.abs(_luma(list(renderer.frames())) - _luma(list(empty.frames()))).max()
    assert bool(peak >= 10) is visible and peak <= abs(contrast) + 1


def test_the_observable_rule_is_the_detectors_default_alarm_rule() -> None:
    assert DetectionConfig().min_descent_floors == OBSERVABLE_MIN_DESCENT_FLOORS


def _match(kind: str, size_px: float, observable: bool | None, hit: bool, tid: str) -> Match:
    throw = {"id": tid, "kind": kind, "class": "bottle" if kind == "compact" else "bag", "size_px": size_px,
             "floor": 5, "column": 2, "t_release": 2.0, "t_end": 3.0}
    if observable is not None:
        throw["observable"] = observable
    event = {"origin": {"floor": 5, "column": 2}, "detected_at": 2.5, "t_start": 2.0} if hit else None
    return Match(throw, event)


def _result(scene: str, matches: list[Match], rule: dict | None) -> SceneResult:
    return SceneResult(scene, W, H, 4.0, 1.0, False, matches, [], visibility_rule=rule)


RULE = {"min_contrast_grey": 10.0, "contrast_in": "encoded video", "max_tree_cover": 0.5, "min_descent_floors": 2.0,
        "max_gap_s": 0.2}


def test_report_gives_recall_on_the_observable_throws() -> None:
    a = [_match("compact", 5.0, True, True, "a0"), _match("compact", 1.5, True, False, "a1"),
         _match("light", 3.0, False, False, "a2")]
    b = [_match("light", 3.0, True, True, "b0"), _match("compact", 5.0, False, True, "b1"),
         _match("compact", 5.0, True, True, "b2")]
    report = build_report([_result("s0", a, RULE), _result("s1", b, RULE)])
    assert report["recall"] == round(4 / 6, 4)
    assert report["throws_observable"] == 4
    assert report["recall_observable"] == 0.75
    assert report["recall_observable_by_kind"] == {"compact": {"recall": round(2 / 3, 4), "n": 3},
                                                   "light": {"recall": 1.0, "n": 1}}
    assert report["recall_observable_by_size"] == {"2-4px": {"recall": 1.0, "n": 1}, "<2px": {"recall": 0.0, "n": 1},
                                                   ">=4px": {"recall": 1.0, "n": 2}}
    assert report["recall_observable_by_kind_and_size"]["compact <2px"] == {"recall": 0.0, "n": 1}
    assert report["recall_observable_by_kind_and_size"]["compact >=4px"] == {"recall": 1.0, "n": 2}
    assert [(m["scene"], m["observable"]) for m in report["missed"]] == [("s0", True), ("s0", False)]
    table = format_table(report)
    heading = ("observable throws (seen over >= 2 floors with no gap over 0.2 s, contrast >= 10 in the encoded video, "
               "not behind trees, in the watched region)")
    assert f"{heading}: 4 of 6" in table
    assert "recall (observable)             75.0%" in table
    # The lines other tools parse are those of the same report without visibility truth.
    old = format_table(build_report([_result("s0", a, None), _result("s1", b, None)]))
    assert table.splitlines()[: len(old.splitlines()) - 1] == old.splitlines()[:-1]


def test_a_set_without_visibility_truth_says_so() -> None:
    a = [_match("compact", 5.0, None, True, "a0"), _match("light", 3.0, None, False, "a1")]
    mixed = build_report([_result("s0", a, None), _result("s1", [_match("compact", 5.0, True, True, "b0")], RULE)])
    report = build_report([_result("s0", a, None)])
    for r in (report, mixed):
        assert not any(k.startswith(("recall_observable", "throws_observable")) for k in r)
    assert "observable" not in report["missed"][0]
    lines = format_table(report).splitlines()
    assert [ln for ln in lines if "observable" in ln] == [
        "observable throws: n/a (this set's ground truth predates visibility truth; re-synthesize it)"
    ]


def test_written_truth_carries_visibility(tmp_path: Path) -> None:
    from edge.synth.writer import write_scene

    paths = write_scene(_tree_scene(_plain_scene()), tmp_path)
    truth = json.loads(paths.truth.read_text())
    assert truth["visibility_rule"] == RULE
    throw = truth["throws"][0]
    assert {"trajectory", "size_px", "landed_in_view"} <= set(throw)  # the old fields stay
    assert len(throw["visible"]) == len(throw["trajectory"]) and 0 < sum(throw["visible"]) < len(throw["visible"])
    assert isinstance(throw["observable"], bool) and throw["contrast_median"] > 10


def test_eval_reads_the_rule_from_the_truth_and_old_truth_gets_none(tmp_path: Path) -> None:
    from edge.evaluation.runner import evaluate_scene
    from edge.synth.writer import write_scene

    paths = write_scene(_plain_scene(), tmp_path)
    assert evaluate_scene(paths.truth).visibility_rule == RULE
    old = json.loads(paths.truth.read_text())
    del old["visibility_rule"]
    paths.truth.write_text(json.dumps(old))
    result = evaluate_scene(paths.truth)
    assert result.visibility_rule is None
    assert "predates visibility truth" in format_table(build_report([result]))


def test_a_visible_throw_inside_a_mask_is_not_observable() -> None:
    """The installer masked the tree crowns: a fall seen only there cannot be detected."""
    from edge.config.camera import CameraConfig
    from edge.evaluation.observable import mark_observable

    facade = {"name": "f", "corners": [[0, 0], [640, 0], [640, 360], [0, 360]], "floors": 12, "columns": 4,
              "floor_height_m": 3.0, "width_m": 20.0}
    traj = [[i / 25, 320.0, 40.0 + 10.0 * i] for i in range(30)]  # 290 px = 9.7 floors of 30 px
    throws = [{"trajectory": traj, "visible": [1] * 30, "facade": "f"} for _ in range(2)]
    open_cfg = CameraConfig.model_validate({"camera_id": "c", "source": "x.mp4", "facades": [facade]})
    masked_cfg = CameraConfig.model_validate({"camera_id": "c", "source": "x.mp4", "facades": [facade],
                                              "masks": [[[300, 100], [340, 100], [340, 360], [300, 360]]]})
    mark_observable(throws[:1], open_cfg, 640, 360, RULE, 25.0)
    mark_observable(throws[1:], masked_cfg, 640, 360, RULE, 25.0)
    assert throws[0]["observable"] and throws[0]["watched_descent_floors"] > 9
    # Only the part above the mask (y < 100, two floors) is watched.
    assert not throws[1]["observable"] and throws[1]["watched_descent_floors"] < 2.0


def test_report_lists_every_throw_found_or_missed_and_the_detections_with_a_wrong_origin() -> None:
    right = _match("compact", 5.0, True, True, "a0")
    wrong = _match("compact", 3.0, True, True, "a1")
    wrong.event["origin"] = {"floor": 6, "column": 2}
    report = build_report([_result("s0", [right, wrong, _match("light", 3.0, True, False, "a2")], RULE)])
    assert report["floor_exact"] == 0.5
    assert report["origin_errors"] == [
        {"scene": "s0", "throw": "a1", "class": "bottle", "size_px": 3.0, "floor": 5, "column": 2, "detected_floor": 6,
         "detected_column": 2, "latency_s": 0.5}
    ]
    assert [(f["throw"], f["detected_floor"]) for f in report["found"]] == [("a0", 5), ("a1", 6)]
    assert [(m["throw"], m["floor"], m["column"]) for m in report["missed"]] == [("a2", 5, 2)]
