"""Training side of the verifier without torch: mining, labelling, augmentation,
offline set-up, the train command's guard, held-out metrics and the ablation verdict."""

from __future__ import annotations

import argparse
import importlib.util
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scenes import FPS, falling, flat_config, frames, metres_to_px

from edge.evaluation.ablation import compare
from edge.evaluation.matching import Match
from edge.evaluation.report import SceneResult
from edge.training.augment import augment_tube
from edge.training.labels import OTHER, THROW, label_tube
from edge.training.metrics import roc_auc
from edge.training.mining import MINE_SIDE_PX, TubeMiner, centre_crop
from edge.training.offline import FONT_NAMES, OfflineSetupError, prepare_offline
from edge.verifier.tube import CROP_PX, TUBE_FRAMES

G = 9.81


def _throw_truth(x0_m: float, y0_m: float, t_release: float, vx: float = 0.5) -> dict[str, Any]:
    traj = []
    for i in range(int(3 * FPS)):
        t = i / FPS
        if t < t_release:
            continue
        tau = t - t_release
        y = y0_m - 0.5 * G * tau * tau
        if y < 0:
            break
        traj.append([t, *metres_to_px(x0_m + vx * tau, y)])
    return {"class": "can", "kind": "compact", "size_px": 3.0, "t_release": t_release, "t_end": traj[-1][0],
            "trajectory": traj}


def test_tubes_on_a_throw_are_labelled_throw_and_far_ones_other() -> None:
    truth = _throw_truth(5.0, 22.5, 0.6)
    gt = np.asarray(truth["trajectory"])
    times = gt[10:19, 0]
    on = gt[10:19, 1:] + 1.0
    assert label_tube(times, on, [truth])[0] == THROW
    assert label_tube(times, on + np.array([200.0, 0.0]), [truth])[0] == OTHER
    assert label_tube(times, on + np.array([20.0, 0.0]), [truth]) == (None, truth)  # near but not on it: left out
    assert label_tube(times - 5.0, on, [truth])[0] == OTHER  # right place, long before the throw


def test_mining_a_scene_yields_throw_tubes_centred_on_the_object() -> None:
    truth = _throw_truth(5.0, 22.5, 0.6)
    miner = TubeMiner(flat_config(), FPS, "unit")
    video = frames(int(3 * FPS), falling(5.0, 22.5, t_release=0.6, diameter_px=4.0))
    mined = [m for f in video for m in miner.process(f)]
    labels = [label_tube(m.frame_times_s, m.positions_px, [truth])[0] for m in mined]
    throws = [m for m, lab in zip(mined, labels, strict=True) if lab == THROW]
    assert len(throws) >= 3
    assert any(m.passed_physics for m in throws)  # the relaxed gate fires on the throw
    for m in throws:
        assert m.tube.shape == (TUBE_FRAMES, MINE_SIDE_PX, MINE_SIDE_PX)
        crop = centre_crop(m.tube)
        assert crop.shape == (TUBE_FRAMES, CROP_PX, CROP_PX)
        c = CROP_PX // 2
        assert np.median(crop[-3:, c - 2 : c + 2, c - 2 : c + 2]) < np.median(crop) - 15


def test_augmentation_is_seeded_and_keeps_the_tube_format() -> None:
    rng = np.random.default_rng(3)
    tube = rng.integers(60, 200, (TUBE_FRAMES, MINE_SIDE_PX, MINE_SIDE_PX), dtype=np.uint8)
    a = augment_tube(tube, np.random.default_rng(7))
    b = augment_tube(tube, np.random.default_rng(7))
    c = augment_tube(tube, np.random.default_rng(8))
    assert a.shape == (TUBE_FRAMES, CROP_PX, CROP_PX) and a.dtype == np.uint8
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_offline_setup_puts_a_local_font_where_ultralytics_looks(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("YOLO_CONFIG_DIR", "YOLO_OFFLINE", "YOLO_AUTOINSTALL"):
        monkeypatch.delenv(var, raising=False)
    try:
        prepare_offline(tmp_path / "cfg")
    except OfflineSetupError as exc:
        assert "fonts-dejavu-core" in str(exc)
        return
    assert os.environ["YOLO_CONFIG_DIR"] == str(tmp_path / "cfg")
    assert os.environ["YOLO_OFFLINE"] == "1" and os.environ["YOLO_AUTOINSTALL"] == "0"
    for name in FONT_NAMES:
        assert (tmp_path / "cfg" / name).read_bytes()[:4] in (b"\x00\x01\x00\x00", b"true", b"OTTO")


@pytest.mark.skipif(importlib.util.find_spec("torch") is not None and importlib.util.find_spec("ultralytics")
                    is not None, reason="the [train] extra is installed here")
def test_train_without_the_train_extra_says_what_to_install(capsys: pytest.CaptureFixture[str]) -> None:
    from edge.commands import train

    parser = argparse.ArgumentParser()
    train.register(parser.add_subparsers())
    args = parser.parse_args(["train", "verifier", "--out", "unused.onnx"])
    assert args.func(args) == 2
    err = capsys.readouterr().err
    assert "[train]" in err and "torch==2.14.1" in err


def test_roc_auc() -> None:
    assert roc_auc(np.array([0.9, 0.8]), np.array([0.1, 0.2])) == 1.0
    assert roc_auc(np.array([0.1]), np.array([0.9])) == 0.0
    assert roc_auc(np.array([0.5, 0.5]), np.array([0.5])) == 0.5
    assert roc_auc(np.array([]), np.array([0.5])) is None


def _scene(fa: int, hits: list[bool], sizes: list[float], kind: str = "compact") -> SceneResult:
    event = {"origin": {"floor": 5, "column": 1}, "detected_at": 2.0}
    throw = {"class": "can", "kind": kind, "floor": 5, "column": 1, "t_release": 1.0}
    matches = [Match({**throw, "size_px": s}, event if h else None) for h, s in zip(hits, sizes, strict=True)]
    events = [{"t_start": 1.0, "origin": {"floor": 3}}] * fa
    return SceneResult("scene_0000", 640, 360, 3600.0, 1.0, False, matches, events)


def test_the_ablation_verdict_needs_half_the_false_alarms_and_every_big_compact_throw() -> None:
    off = [_scene(10, [True, True, False], [5.0, 2.0, 1.0])]
    good = compare(off, [_scene(4, [True, True, False], [5.0, 2.0, 1.0])])
    assert good["meets_bar"] and good["false_alarm_ratio"] == 0.4
    not_halved = compare(off, [_scene(6, [True, True, False], [5.0, 2.0, 1.0])])
    assert not not_halved["meets_bar"] and "not halved" in not_halved["reasons"][0]
    lost_big = compare(off, [_scene(0, [False, True, True], [5.0, 2.0, 1.0])])
    assert not lost_big["meets_bar"] and lost_big["compact_4px_lost"] == 1
    assert len(lost_big["throws_lost"]) == 1 and len(lost_big["throws_gained"]) == 1
    lower_recall = compare(off, [_scene(0, [True, False, False], [5.0, 2.0, 1.0])])
    assert not lower_recall["meets_bar"] and lower_recall["compact_4px_lost"] == 0
    nothing_to_cut = compare([_scene(0, [True], [5.0])], [_scene(0, [True], [5.0])])
    assert not nothing_to_cut["meets_bar"] and "nothing to halve" in nothing_to_cut["reasons"][0]


def test_eval_ablation_runs_both_variants_on_the_same_synth_scene(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from edge.commands import eval as eval_command
    from edge.synth.scene import make_scene_spec
    from edge.synth.writer import write_scene

    spec = make_scene_spec(77, 0, 640, 360, 4.0, 25.0, n_throws=1, throw_kind="compact", throw_size_px=6.0,
                           lighting="day")
    write_scene(spec, tmp_path, threads=1)
    parser = argparse.ArgumentParser()
    eval_command.register(parser.add_subparsers())
    args = parser.parse_args(["eval", str(tmp_path), "--ablation", "--json", str(tmp_path / "r.json")])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "== physics only ==" in out and "== physics + verifier ==" in out and "verdict:" in out
    report = json.loads((tmp_path / "r.json").read_text())
    off, on = report["physics"], report["physics+verifier"]
    assert off["scenes"] == on["scenes"] == 1 and off["throws"] == on["throws"] == 1
    c = report["comparison"]
    assert c["recall"] == {"physics": off["recall"], "physics+verifier": on["recall"]}
    assert c["meets_bar"] is False  # one clean scene: no false alarm to halve
