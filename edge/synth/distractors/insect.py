"""Insects near the lens: large (10-40 px at 1080p), defocused and erratic.

At night the infrared illuminator next to the lens makes them bright, by day they
are dark silhouettes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from edge.synth.canvas import FrameCanvas, RenderContext, Stage, draw_sprite
from edge.synth.distractors.base import Distractor, SceneFacts
from edge.synth.splat import exposure_times

_STEPS_PER_S = 100


@dataclass(frozen=True)
class Insect(Distractor):
    path_px: np.ndarray  # (K, 2) frame px, one row per 1/_STEPS_PER_S s from t_start
    size_px: float
    luma: float
    opacity: float
    wing_hz: float

    cls: ClassVar[str] = "insect"
    stage: ClassVar[Stage] = Stage.NEAR

    def position_at(self, t_s: np.ndarray) -> np.ndarray:
        k = (np.asarray(t_s, np.float64).reshape(-1) - self.t_start_s) * _STEPS_PER_S
        grid = np.arange(len(self.path_px))
        return np.stack([np.interp(k, grid, self.path_px[:, 0]), np.interp(k, grid, self.path_px[:, 1])], 1)

    def draw(self, canvas: FrameCanvas, ctx: RenderContext) -> None:
        if not self.active(canvas.t_s):
            return
        ts = exposure_times(canvas.t_s, ctx.lighting.exposure_s, 1500.0)
        px = self.position_at(ts)
        wings = 1.0 + 0.3 * np.abs(np.sin(2 * np.pi * self.wing_hz * ts))
        semi = np.stack([self.size_px / 2 * wings, self.size_px / 3 * np.ones_like(ts)], 1)
        colour = np.full(3, self.luma)
        draw_sprite(
            canvas,
            px,
            semi,
            np.zeros(len(ts)),
            colour,
            self.opacity,
            edge_px=max(1.0, self.size_px * 0.35),
            behind_trees=False,
        )

    def details(self) -> dict[str, object]:
        return {"size_px": round(self.size_px, 1)}


def sample(rng: np.random.Generator, scene: SceneFacts) -> Insect:
    w, h = scene.camera.width_px, scene.camera.height_px
    scale = w / 1920
    span = float(rng.uniform(0.5, min(3.0, scene.duration_s)))
    t0 = float(rng.uniform(0.0, scene.duration_s - span))
    n = int(span * _STEPS_PER_S) + 2
    # Erratic: a velocity that is kicked hard and damped fast.
    v = np.zeros(2)
    p = np.array([rng.uniform(0.1, 0.9) * w, rng.uniform(0.1, 0.9) * h])
    path = np.empty((n, 2))
    kicks = rng.normal(0.0, 900.0 * scale, (n, 2))
    for i in range(n):
        v = 0.9 * v + kicks[i] / _STEPS_PER_S * 10
        p = p + v / _STEPS_PER_S
        path[i] = p
    luma = float(rng.uniform(170, 240)) if scene.lighting.mode == "night_ir" else float(rng.uniform(15, 60))
    return Insect(
        t_start_s=t0,
        t_end_s=t0 + span,
        path_px=path,
        size_px=float(rng.uniform(10, 40)) * max(scale, 0.5),
        luma=luma,
        opacity=float(rng.uniform(0.5, 0.85)),
        wing_hz=float(rng.uniform(20, 60)),
    )
