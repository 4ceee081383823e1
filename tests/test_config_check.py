"""``fallwatch config check`` run as a real process on real frames."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml

from edge.config.camera import load_camera_config
from edge.geometry.facade import Facade

REPO = Path(__file__).resolve().parents[1]
WALKING = REPO / "tests" / "data" / "negatives" / "opencv-vtest-walking.mp4"  # 768x576 real footage


def fallwatch(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fallwatch.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )


@pytest.fixture(scope="module")
def frame_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first frame of a real clip, saved as the installer's snapshot would be."""
    import av

    with av.open(str(WALKING)) as container:
        bgr = next(container.decode(video=0)).to_ndarray(format="bgr24")
    path = tmp_path_factory.mktemp("frame") / "snapshot.png"
    assert cv2.imwrite(str(path), bgr)
    return path


def write_config(tmp_path: Path, **overrides: object) -> Path:
    data: dict[str, object] = {
        "camera_id": "cam-07",
        "source": "rtsp://user:pass@10.0.0.7/stream1",
        "facades": [
            {"name": "tower", "corners": [[300, 20], [560, 30], [600, 500], [260, 500]], "floors": 19, "columns": 5}
        ],
        "masks": [
            [[0, 480], [300, 480], [300, 576], [0, 576]],
            [[620, 0], [768, 0], [768, 120]],
        ],
        "privacy": {"polygons": [[[640, 200], [760, 200], [760, 330], [640, 330]]]},
    }
    data.update(overrides)
    path = tmp_path / "cam.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_ok_line_for_the_example_config() -> None:
    result = fallwatch("config", "check", "configs/cam-example.yaml")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "OK: cam-07, 1 facade (19 floors x 5 columns), 1 mask"


def test_bad_config_exits_2_naming_the_key(tmp_path: Path) -> None:
    path = write_config(tmp_path, facades=[{"name": "t", "corners": [[0, 0], [9, 0], [9, 9], [0, 9]], "floor": 3}])
    result = fallwatch("config", "check", path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "facades.0.floor: unknown key" in result.stderr
    assert "facades.0.floors: required key is missing" in result.stderr


def test_preview_draws_the_grid_on_the_frame(tmp_path: Path, frame_png: Path) -> None:
    config_path = write_config(tmp_path, motion={"facade_margin_m": 3.0})
    preview = tmp_path / "out" / "preview.png"
    result = fallwatch("config", "check", config_path, "--frame", frame_png, "--preview", preview)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: cam-07, 1 facade (19 floors x 5 columns), 2 masks, 1 privacy polygon")
    assert "768x576" in result.stdout
    assert f"wrote the preview to {preview}" in result.stderr

    original = cv2.imread(str(frame_png))
    drawn = cv2.imread(str(preview))
    assert drawn is not None and drawn.shape == original.shape == (576, 768, 3)
    change = np.abs(drawn.astype(np.int16) - original.astype(np.int16)).max(axis=2)
    # Largest change within 1 px of each point, so anti-aliasing cannot hide a line.
    near = cv2.dilate(change.astype(np.uint8), np.ones((3, 3), np.uint8))

    facade = Facade(load_camera_config(config_path).facades[0])
    xs_m = np.linspace(0.1, 0.9, 25) * facade.width_m
    for floor in range(1, facade.floors):
        line_px = facade.to_pixels(np.stack([xs_m, np.full_like(xs_m, floor * facade.floor_height_m)], axis=1))
        cols, rows = np.round(line_px).astype(int).T
        hit = near[rows, cols] > 40
        assert hit.mean() > 0.9, f"floor line {floor} not drawn: {hit.mean():.0%} of its points changed"
    # Thinner, the outline of what motion watches too: 3 m beside the facade.
    ys_m = np.linspace(0.05, 0.3, 15) * facade.height_m
    beside_px = facade.to_pixels(np.stack([np.full_like(ys_m, facade.width_m + 3.0), ys_m], axis=1))
    cols, rows = np.round(beside_px).astype(int).T
    assert (near[rows, cols] > 40).mean() > 0.9, "the watched margin's outline is not drawn"
    # Between the lines the picture is untouched: the grid is where the homography says.
    for floor in range(facade.floors):
        centre = facade.to_pixels([[facade.width_m * 0.3, (floor + 0.5) * facade.floor_height_m]])[0]
        c, r = np.round(centre).astype(int)
        assert change[r, c] == 0, f"pixel inside floor {floor + 1} was changed"

    # Masks are tinted red, the privacy polygon magenta (BGR).
    mask_diff = drawn[500:570, 20:280].astype(float).mean(axis=(0, 1)) - original[500:570, 20:280].mean(axis=(0, 1))
    assert mask_diff[2] > 30 and mask_diff[1] < -10
    privacy_diff = drawn[220:320, 660:750].astype(float).mean(axis=(0, 1)) - original[220:320, 660:750].mean(
        axis=(0, 1)
    )
    assert privacy_diff[0] > 20 and privacy_diff[2] > 20 and privacy_diff[1] < -10


def test_frame_from_a_video_and_default_source(tmp_path: Path) -> None:
    config_path = write_config(tmp_path, source=str(WALKING))
    preview = tmp_path / "first.png"
    result = fallwatch("config", "check", config_path, "--frame", WALKING, "--preview", preview)
    assert result.returncode == 0, result.stderr
    assert cv2.imread(str(preview)).shape == (576, 768, 3)
    # Without --frame the config's own source file gives the frame.
    default_preview = tmp_path / "default.png"
    result = fallwatch("config", "check", config_path, "--preview", default_preview)
    assert result.returncode == 0, result.stderr
    assert np.array_equal(cv2.imread(str(default_preview)), cv2.imread(str(preview)))


def test_polygon_outside_the_frame_is_an_error(tmp_path: Path, frame_png: Path) -> None:
    masks = [[[0, 480], [300, 480], [300, 576], [0, 576]], [[900, 0], [1000, 0], [1000, 100]]]
    config_path = write_config(tmp_path, masks=masks)
    preview = tmp_path / "p.png"
    result = fallwatch("config", "check", config_path, "--frame", frame_png, "--preview", preview)
    assert result.returncode == 2
    assert "masks.1: polygon lies entirely outside the 768x576 frame" in result.stderr
    assert "masks.0" not in result.stderr
    assert not preview.exists()


def test_facade_outside_the_frame_is_a_warning(tmp_path: Path, frame_png: Path) -> None:
    facades = [{"name": "big", "corners": [[-50, -40], [900, -40], [950, 700], [-90, 700]], "floors": 30, "columns": 8}]
    result = fallwatch("config", "check", write_config(tmp_path, facades=facades), "--frame", frame_png)
    assert result.returncode == 0, result.stderr
    assert "warning: facades.0 (big): all four corners lie outside the 768x576 frame" in result.stderr
    assert result.stdout.startswith("OK: cam-07")


def test_a_camera_that_watches_no_facade_in_the_frame_is_an_error(tmp_path: Path, frame_png: Path) -> None:
    # Detection refuses such a camera, so the check must not call it OK.
    facades = [{"name": "off", "corners": [[900, 20], [1100, 30], [1120, 500], [880, 500]], "floors": 9, "columns": 3}]
    result = fallwatch("config", "check", write_config(tmp_path, facades=facades), "--frame", frame_png)
    assert result.returncode == 2
    assert "warning: facades.0 (off): the facade is not in the 768x576 frame at all" in result.stderr
    assert "facades: no part of any facade lies inside the 768x576 frame once the masks are cut out" in result.stderr
    assert result.stdout == ""


def test_a_missing_source_file_is_named(tmp_path: Path) -> None:
    result = fallwatch("config", "check", write_config(tmp_path, source="nothere.mp4"))
    assert result.returncode == 0, result.stderr
    assert f"warning: source {tmp_path / 'nothere.mp4'}: no such file" in result.stderr
    # A stream or a device is not a file to look for.
    assert "warning" not in fallwatch("config", "check", write_config(tmp_path)).stderr


def test_unusable_frame_or_preview_arguments(tmp_path: Path, frame_png: Path) -> None:
    config_path = write_config(tmp_path)
    missing = fallwatch("config", "check", config_path, "--frame", tmp_path / "nope.png")
    assert missing.returncode == 2 and "nope.png: no such file" in missing.stderr
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"\x00" * 4096)
    bad_video = fallwatch("config", "check", config_path, "--frame", garbage)
    assert bad_video.returncode == 2 and "garbage.mp4" in bad_video.stderr
    jpg = fallwatch("config", "check", config_path, "--frame", frame_png, "--preview", tmp_path / "x.jpg")
    assert jpg.returncode == 2 and "name it *.png" in jpg.stderr
    # The source is a stream: a preview needs a frame given explicitly, and the
    # stream's password must not be printed.
    stream = fallwatch("config", "check", config_path, "--preview", tmp_path / "x.png")
    assert stream.returncode == 2 and "--frame" in stream.stderr
    assert "pass@" not in stream.stderr


def test_overlay_is_pure_and_checks_its_input(frame_png: Path) -> None:
    from edge.geometry.overlay import draw_facade_overlay

    config = load_camera_config(REPO / "tests" / "data" / "negatives" / "opencv-vtest-walking.yaml")
    frame = cv2.imread(str(frame_png))
    before = frame.copy()
    drawn = draw_facade_overlay(frame, config)
    assert np.array_equal(frame, before)  # the input is not touched
    assert drawn.shape == frame.shape and drawn.dtype == np.uint8
    assert not np.array_equal(drawn, frame)
    with pytest.raises(ValueError, match="H x W x 3 uint8"):
        draw_facade_overlay(frame[:, :, 0], config)


def test_labels_beyond_the_frame_edge_do_not_pile_up(frame_png: Path) -> None:
    # A tall facade whose top floors lie above the view: their numbers would all be
    # pulled in to the top edge, on top of each other and of the column numbers.
    from edge.config.camera import FacadeConfig
    from edge.geometry.overlay import _label_columns, _label_floors

    facade = Facade(FacadeConfig(name="tall", corners=[[300, -120], [560, -110], [600, 500], [260, 500]],
                                 floors=24, columns=5))
    img = cv2.imread(str(frame_png))
    taken: list[tuple[float, float, float, float]] = []
    _label_floors(img, facade, taken)
    _label_columns(img, facade, taken)
    assert 10 <= len(taken) < 24 + 5  # some labels left out, most drawn
    for i, a in enumerate(taken):
        for b in taken[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
