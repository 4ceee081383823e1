"""Camera config loading: every kind of bad input is an error that names its key path."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from edge.config.camera import ConfigError, load_camera_config
from edge.config.frame_fit import check_frame_fit, polygon_covers_frame

REPO = Path(__file__).resolve().parents[1]
CONFIG_DIRS = [REPO / "configs", REPO / "tests" / "data" / "negatives"]

GOOD: dict[str, Any] = {
    "camera_id": "cam-07",
    "source": "rtsp://user:pass@10.0.0.7/stream1",
    "facades": [
        {
            "name": "building-7-east",
            "corners": [[541, 116], [732, 122], [763, 677], [506, 677]],
            "floors": 19,
            "columns": 5,
        }
    ],
    "masks": [[[0, 600], [300, 600], [300, 720], [0, 720]]],
}


def write(tmp_path: Path, data: object, name: str = "cam.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return path


def error_of(tmp_path: Path, data: object) -> str:
    with pytest.raises(ConfigError) as err:
        load_camera_config(write(tmp_path, data))
    return str(err.value)


def changed(**edits: Any) -> dict[str, Any]:
    """GOOD with dotted-path edits applied; a value of ... deletes the key."""
    data = copy.deepcopy(GOOD)
    for dotted, value in edits.items():
        *parents, last = dotted.split("__")
        node: Any = data
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if value is ...:
            del node[last]
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return data


def test_good_config_loads(tmp_path: Path) -> None:
    cfg = load_camera_config(write(tmp_path, GOOD))
    assert cfg.camera_id == "cam-07"
    assert cfg.facades[0].floors == 19
    assert cfg.source == GOOD["source"]  # URLs are kept as they are
    assert len(cfg.masks) == 1


@pytest.mark.parametrize(
    ("edits", "key_path", "says"),
    [
        ({"colour": "red"}, "colour", "unknown key"),
        ({"facades__0__floor": 19}, "facades.0.floor", "unknown key"),
        ({"facades__0__floors": ...}, "facades.0.floors", "required key is missing"),
        ({"camera_id": ...}, "camera_id", "required key is missing"),
        ({"facades__0__floors": "many"}, "facades.0.floors", "valid integer"),
        ({"facades__0__columns": [5]}, "facades.0.columns", "valid integer"),
        ({"facades__0__floors": 0}, "facades.0.floors", "greater than or equal to 1"),
        ({"facades__0__floor_height_m": 0.2}, "facades.0.floor_height_m", "greater than 1.5"),
        ({"facades": []}, "facades", "at least 1"),
        ({"camera_id": "cam 07!"}, "camera_id", "pattern"),
        (
            {"facades__0__corners": [[732, 122], [541, 116], [506, 677], [763, 677]]},
            "facades.0.corners",
            "anticlockwise",
        ),
        (
            {"facades__0__corners": [[541, 116], [732, 122], [506, 677], [763, 677]]},
            "facades.0.corners",
            "self-intersecting",
        ),
        (
            {"facades__0__corners": [[0, 0], [100, 0], [200, 0], [300, 0]]},
            "facades.0.corners",
            "almost no area",
        ),
        (
            {"facades__0__corners": [[506, 677], [763, 677], [732, 122], [541, 116]]},
            "facades.0.corners",
            "top",
        ),
        ({"facades__0__corners": [[541, 116], [732, 122], [763, 677]]}, "facades.0.corners", "exactly 4"),
        ({"masks": [[[0, 0], [10, 0]]]}, "masks.0", "at least 3"),
        ({"masks__1": [[0, 0], [10, 0], [20, 0]]}, "masks.1", "no area"),
        ({"privacy": {"polygons": [[[0, 0], [9, 9], [9, 0], [0, 9], [4, -5]]]}}, "privacy.polygons.0", "itself"),
        ({"privacy": {"blur_everything": True}}, "privacy.blur_everything", "unknown key"),
        ({"masks": [[[0, 0], [10, 10], [10, 0], [0, 10]]]}, "masks.0", "mask polygon intersects itself"),  # a bow-tie
        # A typo is told the key it most resembles, at any depth.
        (
            {"facades__0__flors_height_m": 3.0},
            "facades.0.flors_height_m",
            "unknown key (did you mean 'floor_height_m'?)",
        ),
        ({"mask": []}, "mask", "unknown key (did you mean 'masks'?)"),
        ({"motion": {"treshold": 3}}, "motion.treshold", "unknown key (did you mean 'threshold'?)"),
        ({"motion": {"threshold": 0.1}}, "motion.threshold", "greater than or equal"),
    ],
)
def test_bad_value_names_key_path(tmp_path: Path, edits: dict[str, Any], key_path: str, says: str) -> None:
    if "masks__1" in edits:
        edits = {"masks": [*GOOD["masks"], edits["masks__1"]]}
    message = error_of(tmp_path, changed(**edits))
    assert message.startswith(f"{tmp_path / 'cam.yaml'}: invalid camera config")
    assert re.search(rf"^  {re.escape(key_path)}: .*{re.escape(says)}", message, re.MULTILINE), message


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    message = error_of(tmp_path, changed(colour="red", facades__0__floors=0, camera_id=...))
    for key in ("colour", "facades.0.floors", "camera_id"):
        assert f"\n  {key}: " in message


def test_duplicate_facade_names(tmp_path: Path) -> None:
    data = copy.deepcopy(GOOD)
    data["facades"].append(copy.deepcopy(data["facades"][0]))
    message = error_of(tmp_path, data)
    assert "\n  facades: facade names must be unique, repeated: building-7-east" in message


def test_bad_yaml_names_line_and_column(tmp_path: Path) -> None:
    text = "camera_id: cam-07\nsource: x.mp4\nfacades:\n  - name: a\n    corners: [[1, 2], [3, 4]\n"
    message = error_of(tmp_path, text)
    assert "not valid YAML at line " in message
    line = int(re.search(r"at line (\d+)", message).group(1))  # type: ignore[union-attr]
    assert 5 <= line <= 6  # the unclosed bracket, not somewhere else


def test_not_a_mapping(tmp_path: Path) -> None:
    assert "must be a mapping of keys, got list" in error_of(tmp_path, "- a\n- b\n")
    assert error_of(tmp_path, "# nothing yet\n").endswith("cam.yaml: the camera config is empty")


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"missing\.yaml: cannot read config"):
        load_camera_config(tmp_path / "missing.yaml")
    with pytest.raises(ConfigError, match="cannot read config"):
        load_camera_config(tmp_path)  # a folder
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00camera")
    with pytest.raises(ConfigError, match=r"bin\.yaml: cannot read config: not UTF-8 text"):
        load_camera_config(binary)


def test_relative_source_resolved_against_config_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sub = tmp_path / "site" / "cams"
    sub.mkdir(parents=True)
    path = write(sub, changed(source="../videos/cam-07.mp4"))
    monkeypatch.chdir(tmp_path)  # the working directory must not matter
    assert load_camera_config(path).source == str((tmp_path / "site" / "videos" / "cam-07.mp4").resolve())
    assert load_camera_config(write(sub, changed(source="/abs/cam.mp4"), "abs.yaml")).source == "/abs/cam.mp4"
    assert load_camera_config(write(sub, changed(source=0), "dev.yaml")).source == 0
    assert load_camera_config(write(sub, changed(source="2"), "dev2.yaml")).source == 2


def example_configs() -> list[Path]:
    return sorted(p for d in CONFIG_DIRS for p in d.glob("*.yaml"))


def test_there_are_example_configs() -> None:
    names = {p.name for p in example_configs()}
    assert "cam-example.yaml" in names
    assert {"car-detection.yaml", "opencv-vtest-walking.yaml"} <= names


@pytest.mark.parametrize("path", example_configs(), ids=lambda p: p.name)
def test_example_config_loads(path: Path) -> None:
    cfg = load_camera_config(path)
    assert cfg.facades
    if path.parent.name == "negatives":
        assert Path(str(cfg.source)).is_file(), "a negative clip's config must point at its clip"


def test_example_optional_sections_are_valid_when_uncommented(tmp_path: Path) -> None:
    text = (REPO / "configs" / "cam-example.yaml").read_text(encoding="utf-8")
    head, optional = text.split("# Optional sections", 1)
    lines = optional.splitlines()[1:]
    uncommented = "\n".join(line[2:] if line.startswith("# ") else line for line in lines)
    cfg = load_camera_config(write(tmp_path, head + uncommented))
    assert cfg.motion.backend == "opencv"
    assert cfg.detection.min_descent_floors == 2.0
    assert len(cfg.privacy.polygons) == 1


def test_frame_fit_names_polygons_outside_the_frame(tmp_path: Path) -> None:
    data = changed(
        masks=[
            [[0, 600], [300, 600], [300, 720], [0, 720]],
            [[2000, 10], [2100, 10], [2100, 90]],  # right of a 1280 px frame
        ]
    )
    data["privacy"] = {"polygons": [[[10, -50], [90, -50], [90, -5]]]}  # above the frame
    fit = check_frame_fit(load_camera_config(write(tmp_path, data)), 1280, 720)
    assert fit.errors == [
        "masks.1: polygon lies entirely outside the 1280x720 frame",
        "privacy.polygons.0: polygon lies entirely outside the 1280x720 frame",
    ]
    assert fit.warnings == []


def test_frame_fit_warns_about_facades_with_all_corners_outside(tmp_path: Path) -> None:
    data = changed(facades__0__corners=[[-100, -100], [800, -100], [900, 900], [-200, 900]], masks=[])
    fit = check_frame_fit(load_camera_config(write(tmp_path, data)), 640, 480)
    assert fit.errors == []
    assert len(fit.warnings) == 1
    assert fit.warnings[0].startswith("facades.0 (building-7-east): all four corners lie outside")
    away = changed(facades__0__corners=[[1000, 100], [1200, 100], [1200, 400], [1000, 400]], masks=[])
    fit = check_frame_fit(load_camera_config(write(tmp_path, away)), 640, 480)
    assert "not in the 640x480 frame at all" in fit.warnings[0]
    # With no facade in view the camera watches nothing: detection refuses it, so must the check.
    assert fit.errors == ["facades: no part of any facade lies inside the 640x480 frame once the masks are cut out; "
                          "the camera would watch nothing, and detection refuses to run on it"]


def test_polygon_covers_frame_edge_cases() -> None:
    assert polygon_covers_frame([(-10, -10), (1000, -10), (1000, 1000), (-10, 1000)], 64, 48)  # encloses it
    assert polygon_covers_frame([(60, 40), (200, 40), (200, 200)], 64, 48)  # one corner inside
    assert not polygon_covers_frame([(70, 0), (90, 0), (90, 40)], 64, 48)
    # Concave polygon whose notch holds the whole frame: no vertex is inside, nor is the frame.
    u_shape = [(-50, -50), (150, -50), (150, 100), (100, 100), (100, -20), (-20, -20), (-20, 100), (-50, 100)]
    assert not polygon_covers_frame(u_shape, 64, 48)
