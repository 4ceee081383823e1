"""Rain: many short, straight, semi-transparent streaks close to the lens.

Each drop keeps its speed and direction (constant across frames) and wraps around
the frame; the streak's length is its travel while the shutter is open.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import cv2
import numpy as np

from edge.synth.canvas import FrameCanvas, RenderContext, Stage
from edge.synth.distractors.base import Distractor, SceneFacts


@dataclass(frozen=True)
class Rain(Distractor):
    x0_px: np.ndarray  # (N,) drop positions at t_start, frame px
    y0_px: np.ndarray
    speed_px_s: np.ndarray  # (N,) along the common direction
    angle_rad: float  # from straight down, positive to the right
    brightness: np.ndarray  # (N,) grey levels added at the streak's core

    cls: ClassVar[str] = "rain"
    stage: ClassVar[Stage] = Stage.LUMA

    def draw(self, canvas: FrameCanvas, ctx: RenderContext) -> None:
        if not self.active(canvas.t_s):
            return
        luma = canvas.luma
        h, w = luma.shape
        exposure = max(ctx.lighting.exposure_s, 1 / 250)
        tau = canvas.t_s - self.t_start_s
        dx, dy = math.sin(self.angle_rad), math.cos(self.angle_rad)
        travel = self.speed_px_s * tau
        length = np.maximum(self.speed_px_s * exposure, 4.0)
        ys = np.mod(self.y0_px + dy * travel, h + length) - length
        xs = np.mod(self.x0_px + dx * travel, w)
        layer = np.zeros_like(luma)
        for x, y, ln, b in zip(xs, ys, length, self.brightness, strict=True):
            p0 = (round(x * 16), round(y * 16))
            p1 = (round((x + dx * ln) * 16), round((y + dy * ln) * 16))
            cv2.line(layer, p0, p1, int(b), 1, cv2.LINE_AA, shift=4)
        cv2.add(luma, layer, dst=luma)

    def details(self) -> dict[str, object]:
        return {"drops": len(self.x0_px)}


def sample(rng: np.random.Generator, scene: SceneFacts) -> Rain:
    w, h = scene.camera.width_px, scene.camera.height_px
    n = int(rng.integers(60, 220) * max(0.4, w * h / (1920 * 1080)))
    span = float(rng.uniform(2.0, scene.duration_s))
    t0 = float(rng.uniform(0.0, scene.duration_s - span))
    return Rain(
        t_start_s=t0,
        t_end_s=t0 + span,
        x0_px=rng.uniform(0, w, n),
        y0_px=rng.uniform(0, h, n),
        speed_px_s=rng.uniform(3.0, 7.0, n) * h,
        angle_rad=float(rng.uniform(-0.25, 0.25)),
        brightness=rng.uniform(12, 40, n),
    )
