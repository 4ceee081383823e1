"""Real footage of traffic, trees in wind and walking people must raise no event.

The clips and their licences are in tests/data/negatives (see tests/data/README.md);
each has a facade config covering most of the frame, as if the camera looked at a
facade with these things in front of it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.config.camera import load_camera_config
from edge.detect_video import detect_video

NEGATIVES = Path(__file__).parent / "data" / "negatives"
CONFIGS = sorted(NEGATIVES.glob("*.yaml"))


def test_there_is_real_footage_to_check() -> None:
    assert len(CONFIGS) >= 4


@pytest.mark.parametrize("config_path", CONFIGS, ids=lambda p: p.stem)
def test_real_negative_footage_raises_no_event(config_path: Path) -> None:
    config = load_camera_config(config_path)
    summary = detect_video(Path(str(config.source)), config)
    assert summary.frames > 40
    assert summary.events == 0, [e.to_dict()["origin"] for e in summary.event_list]


@pytest.mark.parametrize("gif", sorted((Path(__file__).parent / "data" / "faces").glob("*.gif")), ids=lambda p: p.stem)
def test_people_walking_and_turning_raise_no_event(gif: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "cam.yaml"
    cfg.write_text(
        f"camera_id: faces\nsource: {gif}\nfacades:\n  - name: f\n"
        "    corners: [[5, 5], [470, 5], [470, 265], [5, 265]]\n    floors: 12\n    columns: 6\n"
    )
    config = load_camera_config(cfg)
    summary = detect_video(gif, config)
    assert summary.frames > 20
    assert summary.events == 0
