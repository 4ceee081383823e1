"""``fallwatch anonymize`` on real images and videos, through the console entry point."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from edge.config.camera import PrivacyConfig
from edge.privacy import Anonymizer
from edge.privacy.audit import faces_left
from edge.privacy.centerface import FaceDetector
from edge.privacy.faceset import packaged_file, video_frames
from fallwatch.cli import main

GIF = Path(__file__).parent / "data" / "faces" / "head-pose-face-detection-female-and-male.gif"


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    return Anonymizer.from_config(PrivacyConfig()).scanner.detector


def test_image(tmp_path: Path, detector: FaceDetector) -> None:
    src = packaged_file("scikit-image", "data/astronaut.png")
    out = tmp_path / "astronaut.jpg"
    assert main(["anonymize", str(src), str(out)]) == 0
    truth = detector.detect(cv2.imread(str(src)), 1.0, 0.5)
    assert len(truth) == 1
    assert len(faces_left(detector, cv2.imread(str(out)), truth)) == 0


def test_video_to_h264(tmp_path: Path, detector: FaceDetector) -> None:
    out = tmp_path / "clip.mp4"
    assert main(["anonymize", str(GIF), str(out)]) == 0
    frames_in = video_frames(GIF)
    with av.open(str(out)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        frames_out = [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]
    assert len(frames_out) == len(frames_in)
    for i in range(0, len(frames_in), 4):
        truth = detector.detect(frames_in[i], 2.0, 0.5)
        assert len(truth) >= 1
        assert len(faces_left(detector, frames_out[i], truth)) == 0, f"frame {i}"


def test_model_missing_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "clip.mp4"
    assert main(["anonymize", str(GIF), str(out), "--models-dir", str(tmp_path)]) == 3
    assert "privacy unavailable, nothing written" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["anonymize", str(tmp_path / "nope.mp4"), str(tmp_path / "o.mp4")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["anonymize", str(GIF), str(tmp_path / "o.png")]) == 2
    assert "output must have" in capsys.readouterr().err
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video")
    assert main(["anonymize", str(broken), str(tmp_path / "o.mp4")]) == 2
    assert not (tmp_path / "o.mp4").exists()


def test_config_polygons_apply(tmp_path: Path) -> None:
    img = np.random.default_rng(0).integers(0, 255, (120, 160, 3), dtype=np.uint8)
    src, out = tmp_path / "in.png", tmp_path / "out.png"
    cv2.imwrite(str(src), img)
    cfg = tmp_path / "cam.yaml"
    cfg.write_text(
        "camera_id: c\nsource: x.mp4\nfacades:\n  - {name: f, corners: [[0, 0], [100, 0], [100, 100], [0, 100]],"
        " floors: 3, columns: 2}\nprivacy:\n  polygons: [[[10, 10], [60, 10], [60, 60], [10, 60]]]\n"
    )
    assert main(["anonymize", str(src), str(out), "--config", str(cfg)]) == 0
    changed = np.any(cv2.imread(str(out)) != img, axis=2)
    assert changed[30, 30] and not changed[100, 140]
