"""A cloud shadow: a large soft band of darker light sweeping across the facade."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import cv2
import numpy as np

from edge.synth.canvas import FrameCanvas, RenderContext, Stage
from edge.synth.distractors.base import Distractor, SceneFacts

_LOW_RES = 8  # the gain is computed on a grid this many times coarser, then upscaled


@dataclass(frozen=True)
class CloudShadow(Distractor):
    angle_rad: float  # sweep direction in the image
    width_frac: float  # band width as a share of the frame diagonal
    depth: float  # darkest gain = 1 - depth

    cls: ClassVar[str] = "cloud_shadow"
    stage: ClassVar[Stage] = Stage.LUMA

    def draw(self, canvas: FrameCanvas, ctx: RenderContext) -> None:
        if not self.active(canvas.t_s):
            return
        luma = canvas.luma
        h, w = luma.shape
        sh, sw = max(2, h // _LOW_RES), max(2, w // _LOW_RES)
        diag = math.hypot(w, h)
        ys, xs = np.mgrid[0:sh, 0:sw].astype(np.float32)
        along = (xs * math.cos(self.angle_rad) + ys * math.sin(self.angle_rad)) * (_LOW_RES / diag)
        progress = (canvas.t_s - self.t_start_s) / max(self.t_end_s - self.t_start_s, 1e-6)
        # From wholly off one side of the frame to wholly off the other.
        lo, hi = float(along.min()) - 3 * self.width_frac, float(along.max()) + 3 * self.width_frac
        centre = lo + progress * (hi - lo)
        band = np.exp(-0.5 * ((along - centre) / self.width_frac) ** 2)
        p = ctx.backdrop.pad_px
        solid = ctx.backdrop.solid[p : p + h, p : p + w]
        solid_small = cv2.resize(solid, (sw, sh), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
        gain = 1.0 - self.depth * band * solid_small
        gain_u8 = cv2.resize(np.rint(gain * 255).astype(np.uint8), (w, h), interpolation=cv2.INTER_LINEAR)
        cv2.multiply(luma, gain_u8, dst=luma, scale=1 / 255)

    def details(self) -> dict[str, object]:
        return {"depth": round(self.depth, 3)}


def sample(rng: np.random.Generator, scene: SceneFacts) -> CloudShadow:
    span = float(rng.uniform(3.0, min(8.0, scene.duration_s)))
    t0 = float(rng.uniform(0.0, scene.duration_s - span))
    width = float(rng.uniform(0.15, 0.3))
    return CloudShadow(
        t_start_s=t0,
        t_end_s=t0 + span,
        angle_rad=float(rng.uniform(0, 2 * math.pi)),
        width_frac=width,
        depth=float(rng.uniform(0.15, 0.35)),
    )
