"""Trees swaying at the foot of the facade: the crowns lean to and fro, the trunks stay."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import cv2
import numpy as np

from edge.synth.canvas import FrameCanvas, RenderContext, Stage
from edge.synth.distractors.base import Distractor, DistractorUnavailable, SceneFacts
from edge.synth.trees import TreeLayer


@dataclass(frozen=True)
class TreeSway(Distractor):
    amplitude_frac: float  # crown-top displacement as a share of the trees' image height
    sway_hz: float
    gust_hz: float
    phase: float

    cls: ClassVar[str] = "tree_sway"
    stage: ClassVar[Stage] = Stage.SCENERY

    def draw(self, canvas: FrameCanvas, ctx: RenderContext) -> None:
        layer, under = ctx.backdrop.trees, ctx.backdrop.under_trees
        if layer is None or under is None or not self.active(canvas.t_s) or canvas.trees is None:
            return
        assert canvas.bgr is not None
        h, w = layer.alpha.shape
        bgr, alpha = self.swayed(layer, canvas.t_s)
        x0, y0 = canvas.trees.x0, canvas.trees.y0
        fh, fw = canvas.bgr.shape[:2]
        fx0, fy0, fx1, fy1 = max(x0, 0), max(y0, 0), min(x0 + w, fw), min(y0 + h, fh)
        if fx0 < fx1 and fy0 < fy1:
            canvas.bgr[fy0:fy1, fx0:fx1] = under[fy0 - y0 : fy1 - y0, fx0 - x0 : fx1 - x0]
        swayed = TreeLayer(bgr, alpha, x0, y0, layer.z_min_m)
        swayed.paint(canvas.bgr, (fx0, fy0, fx1, fy1))
        canvas.trees = swayed

    def swayed(self, layer: TreeLayer, t_s: float) -> tuple[np.ndarray, np.ndarray]:
        """The layer's colour and coverage at t_s, leaning in its own (unmoved) box."""
        h, w = layer.alpha.shape
        gust = 0.6 + 0.4 * math.sin(2 * math.pi * self.gust_hz * t_s + 1.3 * self.phase)
        top_px = self.amplitude_frac * h * gust * math.sin(2 * math.pi * self.sway_hz * t_s + self.phase)
        # Shear about the bottom row: the top moves by top_px, the ground line not at all.
        k = -top_px / max(h - 1, 1)
        m = np.float32([[1, k, -k * (h - 1)], [0, 1, 0]])
        bgr = cv2.warpAffine(layer.bgr, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        alpha = cv2.warpAffine(layer.alpha, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
        return bgr, alpha

    def details(self) -> dict[str, object]:
        return {"sway_hz": round(self.sway_hz, 3)}


def sample(rng: np.random.Generator, scene: SceneFacts) -> TreeSway:
    if not scene.trees:
        raise DistractorUnavailable("no trees in this scene to sway")
    return TreeSway(
        t_start_s=0.0,
        t_end_s=scene.duration_s,
        amplitude_frac=float(rng.uniform(0.01, 0.04)),
        sway_hz=float(rng.uniform(0.2, 0.8)),
        gust_hz=float(rng.uniform(0.05, 0.2)),
        phase=float(rng.uniform(0, 2 * math.pi)),
    )
