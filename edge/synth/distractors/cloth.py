"""Laundry and curtains: cloth that oscillates in place on a balcony or in a window.

Both are quads in world metres (their free edge swings) projected every frame and
filled anti-aliased; they never travel, which is what tells them apart from throws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import cv2
import numpy as np

from edge.synth.canvas import FrameCanvas, RenderContext, Stage
from edge.synth.distractors.base import Distractor, DistractorUnavailable, SceneFacts

_CLOTH_BGR = ((230, 230, 230), (60, 60, 200), (200, 120, 40), (40, 170, 220), (150, 60, 150), (50, 50, 50))


def _fill_quad(canvas: FrameCanvas, ctx: RenderContext, corners_m: np.ndarray, colour_bgr: np.ndarray) -> None:
    assert canvas.bgr is not None
    px, depth = ctx.camera.project(corners_m)
    if np.any(depth <= 0.1):
        return
    px = px + np.asarray(canvas.shift_px, np.float64)
    cv2.fillPoly(canvas.bgr, [np.round(px * 16).astype(np.int32)], colour_bgr.tolist(), cv2.LINE_AA, shift=4)


@dataclass(frozen=True)
class Laundry(Distractor):
    """A garment hanging from a balcony railing; its lower edge swings in the wind."""

    floor: int
    column: int
    top_left_m: tuple[float, float, float]
    width_m: float
    length_m: float
    swing_m: float
    swing_hz: float
    phase: float
    colour_bgr: tuple[float, float, float]

    cls: ClassVar[str] = "laundry"
    stage: ClassVar[Stage] = Stage.SCENERY

    def draw(self, canvas: FrameCanvas, ctx: RenderContext) -> None:
        x, y, z = self.top_left_m
        w = 2 * math.pi * self.swing_hz * canvas.t_s + self.phase
        dx = self.swing_m * math.sin(w) + 0.3 * self.swing_m * math.sin(2.7 * w)
        dz = 0.5 * self.swing_m * math.cos(w)
        quad = np.array(
            [
                [x, y, z],
                [x + self.width_m, y, z],
                [x + self.width_m + dx, y - self.length_m, z + dz],
                [x + dx, y - self.length_m, z + dz],
            ]
        )
        dist = float(np.linalg.norm(quad.mean(0) - ctx.camera.centre_m))
        _fill_quad(canvas, ctx, quad, ctx.lighting.shade(np.asarray(self.colour_bgr), dist))

    def details(self) -> dict[str, object]:
        return {"floor": self.floor, "column": self.column}


@dataclass(frozen=True)
class Curtain(Distractor):
    """A curtain in an open window whose free edge billows in and out."""

    floor: int
    column: int
    rect_m: tuple[float, float, float, float]
    swing_hz: float
    phase: float
    colour_bgr: tuple[float, float, float]

    cls: ClassVar[str] = "curtain"
    stage: ClassVar[Stage] = Stage.SCENERY

    def draw(self, canvas: FrameCanvas, ctx: RenderContext) -> None:
        x0, y0, x1, y1 = self.rect_m
        w = 2 * math.pi * self.swing_hz * canvas.t_s + self.phase
        top = x0 + (x1 - x0) * (0.35 + 0.15 * math.sin(w))
        bottom = x0 + (x1 - x0) * (0.45 + 0.3 * math.sin(w + 0.8) + 0.1 * math.sin(2.3 * w))
        quad = np.array([[x0, y1, 0.05], [top, y1, 0.05], [bottom, y0, 0.15], [x0, y0, 0.15]])
        dist = float(np.linalg.norm(quad.mean(0) - ctx.camera.centre_m))
        _fill_quad(canvas, ctx, quad, ctx.lighting.shade(np.asarray(self.colour_bgr), dist))

    def details(self) -> dict[str, object]:
        return {"floor": self.floor, "column": self.column}


def _colour(rng: np.random.Generator) -> tuple[float, float, float]:
    return tuple(float(v) for v in _CLOTH_BGR[int(rng.integers(len(_CLOTH_BGR)))])


def sample_laundry(rng: np.random.Generator, scene: SceneFacts) -> Laundry:
    windows = scene.visible_windows(min_floor=2)
    if not windows:
        raise DistractorUnavailable("no balcony or window in view to hang laundry from")
    floor, column = windows[int(rng.integers(len(windows)))]
    x0, _, x1, _ = scene.layout.window_rect_m(floor, column)
    width = float(rng.uniform(0.4, 0.9))
    y_rail = (floor - 1) * scene.layout.floor_height_m + 1.05
    return Laundry(
        t_start_s=0.0,
        t_end_s=scene.duration_s,
        floor=floor,
        column=column,
        top_left_m=(float(rng.uniform(x0 - 0.3, x1 + 0.3 - width)), y_rail, float(rng.uniform(0.3, 0.9))),
        width_m=width,
        length_m=float(rng.uniform(0.5, 1.0)),
        swing_m=float(rng.uniform(0.05, 0.25)),
        swing_hz=float(rng.uniform(0.5, 2.0)),
        phase=float(rng.uniform(0, 2 * math.pi)),
        colour_bgr=_colour(rng),
    )


def sample_curtain(rng: np.random.Generator, scene: SceneFacts) -> Curtain:
    windows = scene.visible_windows(min_floor=2)
    if not windows:
        raise DistractorUnavailable("no window in view for a curtain")
    floor, column = windows[int(rng.integers(len(windows)))]
    return Curtain(
        t_start_s=0.0,
        t_end_s=scene.duration_s,
        floor=floor,
        column=column,
        rect_m=scene.layout.window_rect_m(floor, column),
        swing_hz=float(rng.uniform(0.2, 1.0)),
        phase=float(rng.uniform(0, 2 * math.pi)),
        colour_bgr=_colour(rng),
    )
