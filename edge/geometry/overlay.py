"""Draw a camera config onto a frame: the installer's check that calibration is right.

Everything is drawn in image pixels of the frame (x right, y down), the frame the
config's corners and polygons are given in. Facade outlines and floor/column lines
come from the facade homography, so a grid that does not sit on the real windows
shows at a glance that a corner was clicked in the wrong place.
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

from edge.config.camera import CameraConfig
from edge.geometry.facade import Facade

Anchor = Literal["right", "centre"]
Box = tuple[float, float, float, float]  # x0, y0, x1, y1 image px of a drawn label

# BGR colours chosen to stay readable on both sky and concrete.
OUTLINE_BGR = (0, 255, 0)
WATCHED_BGR = (0, 150, 0)  # the margin around a facade that motion also watches
FLOOR_LINE_BGR = (0, 255, 255)
COLUMN_LINE_BGR = (255, 255, 0)
LABEL_BGR = (255, 255, 255)
MASK_BGR = (0, 0, 255)
PRIVACY_BGR = (255, 0, 255)

_SHIFT = 4  # sub-pixel bits for cv2 drawing, so lines sit where the homography puts them
_ONE = 1 << _SHIFT
_FONT = cv2.FONT_HERSHEY_SIMPLEX


def draw_facade_overlay(bgr: np.ndarray, config: CameraConfig) -> np.ndarray:
    """A copy of ``bgr`` (H x W x 3 uint8) with the config drawn on it.

    Masks (ignored by motion detection) are hatched translucent red, privacy
    polygons (always blurred) hatched translucent magenta; each facade gets its
    outline, the thinner outline of what motion watches around it
    (``motion.facade_margin_m``), every floor and column boundary, floor numbers in
    its left margin (floor 1 at the bottom) and column numbers above its top edge
    (column 1 at the left). The input is not modified.
    """
    if bgr.ndim != 3 or bgr.shape[2] != 3 or bgr.dtype != np.uint8:
        raise ValueError(f"expected an H x W x 3 uint8 BGR image, got {bgr.dtype} {bgr.shape}")
    out = bgr.copy()
    for polygon in config.masks:
        _hatch_polygon(out, np.asarray(polygon, np.float64), MASK_BGR)
    for polygon in config.privacy.polygons:
        _hatch_polygon(out, np.asarray(polygon, np.float64), PRIVACY_BGR)
    # Labels pulled in from beyond the frame's edge would pile up there, those of two
    # facades too: one that would cover a label already drawn is left out.
    taken: list[Box] = []
    for facade_config in config.facades:
        _draw_facade(out, Facade(facade_config), config.motion.facade_margin_m, taken)
    return out


def _fixed(points_px: np.ndarray) -> np.ndarray:
    """Points as cv2's fixed-point int32 (``_SHIFT`` fractional bits), clipped to int range."""
    return np.clip(np.round(points_px * _ONE), -(2**30), 2**30).astype(np.int32).reshape(-1, 1, 2)


def _hatch_polygon(img: np.ndarray, polygon_px: np.ndarray, colour: tuple[int, int, int]) -> None:
    """Blend a translucent fill and diagonal hatching into ``img`` inside the polygon."""
    h, w = img.shape[:2]
    inside = np.zeros((h, w), np.uint8)
    cv2.fillPoly(inside, [_fixed(polygon_px)], 255, lineType=cv2.LINE_8, shift=_SHIFT)
    sel = inside > 0
    if not sel.any():
        return
    spacing_px = max(8, min(h, w) // 60)
    ys, xs = np.nonzero(sel)
    hatch = ((xs + ys) % spacing_px) < max(1, spacing_px // 5)
    tint = np.asarray(colour, np.float32)
    region = img[ys, xs].astype(np.float32)
    alpha = np.where(hatch, 0.75, 0.3)[:, None]
    img[ys, xs] = np.round(region * (1 - alpha) + tint * alpha).astype(np.uint8)
    thickness = max(1, min(h, w) // 400)
    cv2.polylines(img, [_fixed(polygon_px)], True, colour, thickness, cv2.LINE_AA, _SHIFT)


def _draw_facade(img: np.ndarray, facade: Facade, margin_m: float, taken: list[Box]) -> None:
    h, w = img.shape[:2]
    thin = max(1, min(h, w) // 500)
    if margin_m > 0:
        cv2.polylines(img, [_fixed(facade.outline_px(margin_m))], True, WATCHED_BGR, thin, cv2.LINE_AA, _SHIFT)
    lines = facade.grid_lines_px(samples=2)
    floor_lines, column_lines = lines[: facade.floors + 1], lines[facade.floors + 1 :]
    for line in floor_lines[1:-1]:
        cv2.polylines(img, [_fixed(line)], False, FLOOR_LINE_BGR, thin, cv2.LINE_AA, _SHIFT)
    for line in column_lines[1:-1]:
        cv2.polylines(img, [_fixed(line)], False, COLUMN_LINE_BGR, thin, cv2.LINE_AA, _SHIFT)
    cv2.polylines(img, [_fixed(facade.corners_px)], True, OUTLINE_BGR, 2 * thin, cv2.LINE_AA, _SHIFT)
    # The name goes inside, above the bottom edge: the top and left margins hold the numbers.
    bottom_mid = (facade.corners_px[2] + facade.corners_px[3]) / 2
    _put_label(img, facade.name, (bottom_mid[0], bottom_mid[1] - 1.2 * _text_height_px(img)), "centre", taken)
    _label_floors(img, facade, taken)
    _label_columns(img, facade, taken)


def _text_height_px(img: np.ndarray) -> float:
    return max(10.0, min(img.shape[:2]) / 45.0)


def _label_floors(img: np.ndarray, facade: Facade, taken: list[Box]) -> None:
    """Floor numbers just left of the facade's left edge, thinned out when floors are short."""
    text_px = _text_height_px(img)
    centres_m = np.array(
        [[0.0, (k + 0.5) * facade.floor_height_m] for k in range(facade.floors)], np.float64
    )
    centres_px = facade.to_pixels(centres_m)
    step = _label_step(centres_px, text_px * 1.3)
    for k in range(0, facade.floors, step):
        x, y = centres_px[k]
        _put_label(img, str(k + 1), (x - 0.4 * text_px, y), "right", taken)


def _label_columns(img: np.ndarray, facade: Facade, taken: list[Box]) -> None:
    """Column numbers just above the facade's top edge."""
    text_px = _text_height_px(img)
    bay_m = facade.width_m / facade.columns
    centres_m = np.array([[(k + 0.5) * bay_m, facade.height_m] for k in range(facade.columns)], np.float64)
    centres_px = facade.to_pixels(centres_m)
    step = _label_step(centres_px, text_px * 1.6)
    for k in range(0, facade.columns, step):
        x, y = centres_px[k]
        _put_label(img, str(k + 1), (x, y - 0.5 * text_px), "centre", taken)


def _label_step(centres_px: np.ndarray, min_gap_px: float) -> int:
    """Label every n-th cell so that labels do not overlap."""
    if len(centres_px) < 2:
        return 1
    gap_px = float(np.median(np.hypot(*np.diff(centres_px, axis=0).T)))
    return max(1, int(np.ceil(min_gap_px / max(gap_px, 1e-6))))


def _put_label(img: np.ndarray, text: str, at_px: tuple[float, float], anchor: Anchor, taken: list[Box]) -> None:
    """White text with a dark outline, vertically centred on ``at_px``.

    A label just off the frame (a facade edge near the border) is pulled inside; one
    far outside (a corner beyond the view), or one that would cover a label in
    ``taken``, is skipped. A label drawn is added to ``taken``.
    """
    text_px = _text_height_px(img)
    scale = text_px / 22.0  # Hershey simplex glyphs are about 22 px tall at scale 1
    thickness = max(1, round(text_px / 12))
    (tw, th), baseline = cv2.getTextSize(text, _FONT, scale, thickness)
    x, y = at_px
    if anchor == "right":
        x -= tw
    elif anchor == "centre":
        x -= tw / 2
    h, w = img.shape[:2]
    if not (-3 * text_px < at_px[0] < w + 3 * text_px and -3 * text_px < at_px[1] < h + 3 * text_px):
        return
    x = min(max(x, 2.0), w - tw - 2.0)
    y = min(max(y + th / 2, th + 2.0), h - 2.0)
    pad = thickness + 2  # the dark outline around the glyphs
    box = (x - pad, y - th - pad, x + tw + pad, y + baseline + pad)  # y is the text's baseline
    if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in taken):
        return
    taken.append(box)
    org = (round(x), round(y))
    cv2.putText(img, text, org, _FONT, scale, (0, 0, 0), thickness + 2, cv2.LINE_AA)
    cv2.putText(img, text, org, _FONT, scale, LABEL_BGR, thickness, cv2.LINE_AA)
