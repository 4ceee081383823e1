"""Homography and floor/column mapping, property-based."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.config.camera import FacadeConfig
from edge.geometry.facade import Facade


def _perspective_facade(tilt: float, floors: int, columns: int, floor_h: float) -> Facade:
    """A facade seen from below: narrower at the top by ``tilt`` (0..0.45 of the width)."""
    w_bottom = 600.0
    w_top = w_bottom * (1 - tilt)
    cx = 640.0
    corners = [
        [cx - w_top / 2, 40.0],
        [cx + w_top / 2, 46.0],
        [cx + w_bottom / 2, 700.0],
        [cx - w_bottom / 2, 690.0],
    ]
    return Facade(
        FacadeConfig(name="f", corners=corners, floors=floors, columns=columns, floor_height_m=floor_h)
    )


facades = st.builds(
    _perspective_facade,
    tilt=st.floats(0.0, 0.45),
    floors=st.integers(1, 40),
    columns=st.integers(1, 12),
    floor_h=st.floats(2.6, 4.5),
)


@settings(max_examples=60, deadline=None)
@given(facade=facades, u=st.floats(0.0, 1.0), v=st.floats(0.0, 1.0))
def test_pixels_and_metres_round_trip(facade: Facade, u: float, v: float) -> None:
    point_m = np.array([[u * facade.width_m, v * facade.height_m]])
    back = facade.to_metres(facade.to_pixels(point_m))
    assert np.allclose(back, point_m, atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(facade=facades)
def test_corners_map_to_the_facade_rectangle(facade: Facade) -> None:
    m = facade.to_metres(facade.corners_px)
    expected = [[0, facade.height_m], [facade.width_m, facade.height_m], [facade.width_m, 0], [0, 0]]
    assert np.allclose(m, expected, atol=1e-6)


@settings(max_examples=80, deadline=None)
@given(
    facade=facades,
    floor_frac=st.floats(0.05, 0.95),
    col_frac=st.floats(0.05, 0.95),
    data=st.data(),
)
def test_cell_centres_map_to_their_floor_and_column(
    facade: Facade, floor_frac: float, col_frac: float, data: st.DataObject
) -> None:
    floor = data.draw(st.integers(1, facade.floors))
    column = data.draw(st.integers(1, facade.columns))
    x_m = (column - 1 + col_frac) * facade.width_m / facade.columns
    y_m = (floor - 1 + floor_frac) * facade.floor_height_m
    px = facade.to_pixels([[x_m, y_m]])[0]
    cell = facade.cell_of_pixel(float(px[0]), float(px[1]))
    assert (cell.floor, cell.column) == (floor, column)


@settings(max_examples=40, deadline=None)
@given(facade=facades, y_frac=st.floats(0.0, 1.0))
def test_higher_in_the_image_is_higher_on_the_facade(facade: Facade, y_frac: float) -> None:
    y_m = y_frac * facade.height_m
    lower, higher = facade.to_pixels([[facade.width_m / 2, y_m], [facade.width_m / 2, min(y_m + 1.0, 1e9)]])
    assert higher[1] < lower[1]


def test_points_outside_clamp_to_the_nearest_cell() -> None:
    facade = _perspective_facade(0.2, floors=10, columns=4, floor_h=3.0)
    assert facade.cell_of_metres(-5.0, 100.0).floor == 10
    assert facade.cell_of_metres(-5.0, 100.0).column == 1
    assert facade.cell_of_metres(1e3, -3.0).floor == 1
    assert facade.cell_of_metres(1e3, -3.0).column == 4


def test_grid_has_a_line_per_floor_and_column_boundary() -> None:
    facade = _perspective_facade(0.3, floors=7, columns=3, floor_h=3.0)
    lines = facade.grid_lines_px()
    assert len(lines) == (7 + 1) + (3 + 1)
    assert np.allclose(lines[0][0], facade.corners_px[3], atol=1e-6)  # ground line starts at BL
    assert np.allclose(lines[7][-1], facade.corners_px[1], atol=1e-6)  # roof line ends at TR


def test_metres_per_pixel_grows_with_height_when_looking_up() -> None:
    facade = _perspective_facade(0.3, floors=20, columns=5, floor_h=3.0)
    assert facade.metres_per_pixel(640, 100) > facade.metres_per_pixel(640, 650)


@settings(max_examples=60, deadline=None)
@given(facade=facades, margin_m=st.floats(0.0, 6.0))
def test_the_watched_outline_is_the_facade_widened_by_the_margin(facade: Facade, margin_m: float) -> None:
    outline_m = facade.to_metres(facade.outline_px(margin_m))
    w, h = facade.width_m, facade.height_m
    expected = [[-margin_m, h], [w + margin_m, h], [w + margin_m, 0.0], [-margin_m, 0.0]]
    assert np.allclose(outline_m, expected, atol=1e-6)
    assert np.allclose(facade.outline_px(0.0), facade.corners_px)


def test_an_outline_that_would_cross_the_horizon_keeps_a_smaller_margin() -> None:
    """A facade whose plane meets the camera's horizon 5 m beyond its right edge (the
    facade-to-image homography's w = 0 there): 10 m of margin would wrap past the
    horizon onto the wrong side of the image, so less is watched beside it."""
    to_image = np.array([[20.0, 0.0, 100.0], [0.0, -22.0, 700.0], [-1 / 19.0, 0.0, 1.0]])  # metres -> px
    corners_m = np.array([[0.0, 30.0, 1.0], [14.0, 30.0, 1.0], [14.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    hom = corners_m @ to_image.T
    corners_px = (hom[:, :2] / hom[:, 2:]).tolist()
    facade = Facade(FacadeConfig(name="f", corners=corners_px, floors=10, columns=4, width_m=14.0))
    grown_m = facade.to_metres(facade.outline_px(10.0))
    assert np.all(np.isfinite(grown_m))
    margin_m = grown_m[1, 0] - 14.0
    assert 0.0 < margin_m < 5.0  # some margin beside the facade, short of the horizon
    assert np.allclose(grown_m, [[-margin_m, 30.0], [14.0 + margin_m, 30.0], [14.0 + margin_m, 0.0], [-margin_m, 0.0]])
