"""The synthetic camera's geometry agrees with the calibrated facade homography."""

from __future__ import annotations

import math

import numpy as np
import pytest
from synth_helpers import spec_facade

from edge.synth.camera import PinholeCamera
from edge.synth.scene import make_scene_spec
from edge.synth.truth import facade_corners_px


def test_pinhole_basics() -> None:
    cam = PinholeCamera(
        x_m=10.0,
        height_m=1.5,
        distance_m=30.0,
        yaw_deg=0.0,
        pitch_deg=20.0,
        roll_deg=0.0,
        focal_px=1000.0,
        width_px=1920,
        height_px=1080,
    )
    # A point straight along the optical axis lands on the principal point.
    axis = cam.centre_m + 25.0 * np.array([0.0, math.sin(math.radians(20)), -math.cos(math.radians(20))])
    px, depth = cam.project([axis])
    np.testing.assert_allclose(px[0], [959.5, 539.5], atol=1e-9)
    assert depth[0] == pytest.approx(25.0)
    # Higher world points appear higher in the image (smaller y); +X to the right.
    (lo, hi, right), _ = cam.project([[10, 5, 0], [10, 20, 0], [14, 5, 0]])
    assert hi[1] < lo[1] and right[0] > lo[0]
    # The image ray of a pixel returns to the pixel.
    p = cam.ray_to_plane_z([[300.0, 200.0]], 4.0)
    assert p[0, 2] == pytest.approx(4.0)
    np.testing.assert_allclose(cam.project(p)[0][0], [300.0, 200.0], atol=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_config_corners_map_facade_points_to_their_floor_and_column(seed: int) -> None:
    spec = make_scene_spec(seed, 3, 1280, 720, 6.0, 25.0)
    facade = spec_facade(spec)
    lay = spec.layout
    checked = 0
    for floor in range(1, lay.floors + 1):
        for col in range(1, lay.columns + 1):
            x0, y0, x1, y1 = lay.window_rect_m(floor, col)
            point = [(x0 + x1) / 2, (y0 + y1) / 2, 0.0]
            px, _ = spec.camera.project([point])
            cell = facade.cell_of_pixel(*px[0])
            assert (cell.floor, cell.column) == (floor, col)
            np.testing.assert_allclose(facade.to_metres(px)[0], point[:2], atol=0.05)
            checked += 1
    assert checked == lay.floors * lay.columns
    for throw in spec.throws:  # the release point's foot on the facade gives the true cell
        x, y, _ = throw.release_m
        px, _ = spec.camera.project([[x, y, 0.0]])
        cell = facade.cell_of_pixel(*px[0])
        assert (cell.floor, cell.column) == (throw.floor, throw.column)
        assert throw.floor >= 3


@pytest.mark.parametrize("seed", range(8))
def test_camera_frames_the_facade_from_the_foot(seed: int) -> None:
    spec = make_scene_spec(seed, 0, 1920, 1080, 6.0, 25.0)
    cam = spec.camera
    assert 15.0 <= cam.distance_m <= 60.0 and 1.0 <= cam.height_m <= 2.0
    assert 0.0 < cam.pitch_deg < 45.0 and abs(cam.roll_deg) <= 2.5
    corners = np.asarray(facade_corners_px(spec))
    # The ground line is in view; the facade covers a good part of the image height.
    assert corners[2:, 1].max() < cam.height_px and corners[2:, 1].min() > 0.5 * cam.height_px
    assert corners[2:, 1].mean() - max(corners[:2, 1].mean(), 0.0) > 0.6 * cam.height_px
    assert 6 <= spec.layout.floors <= 30 and 3 <= spec.layout.columns <= 8
    assert 2.8 <= spec.layout.floor_height_m <= 3.3
    assert 3.0 <= spec.layout.column_width_m <= 4.5
