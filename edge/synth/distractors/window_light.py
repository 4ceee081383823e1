"""A window light switching on (and maybe off again): one window rectangle changes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import cv2
import numpy as np

from edge.synth.canvas import FrameCanvas, RenderContext, Stage
from edge.synth.distractors.base import Distractor, DistractorUnavailable, SceneFacts


@dataclass(frozen=True)
class WindowLight(Distractor):
    floor: int
    column: int
    rect_m: tuple[float, float, float, float]
    colour_bgr: tuple[float, float, float]

    cls: ClassVar[str] = "window_light"
    stage: ClassVar[Stage] = Stage.SCENERY

    def draw(self, canvas: FrameCanvas, ctx: RenderContext) -> None:
        if not self.active(canvas.t_s):
            return
        assert canvas.bgr is not None
        x0, y0, x1, y1 = self.rect_m
        px, _ = ctx.camera.project([[x0, y1, 0], [x1, y1, 0], [x1, y0, 0], [x0, y0, 0]])
        px = px + np.asarray(canvas.shift_px, np.float64)
        colour = np.asarray(self.colour_bgr)
        if ctx.lighting.grey:
            colour = np.full(3, float(colour.mean()))
        cv2.fillPoly(canvas.bgr, [np.round(px * 16).astype(np.int32)], colour.tolist(), cv2.LINE_AA, shift=4)

    def details(self) -> dict[str, object]:
        return {"floor": self.floor, "column": self.column}


def sample(rng: np.random.Generator, scene: SceneFacts) -> WindowLight:
    windows = scene.visible_windows(min_floor=1)
    if not windows:
        raise DistractorUnavailable("no window in view to light")
    floor, column = windows[int(rng.integers(len(windows)))]
    t_on = float(rng.uniform(0.5, scene.duration_s - 0.5))
    t_off = float(rng.uniform(t_on + 0.5, scene.duration_s)) if rng.random() < 0.4 else scene.duration_s
    gain = float(rng.uniform(0.7, 1.0))
    return WindowLight(
        t_start_s=t_on,
        t_end_s=t_off,
        floor=floor,
        column=column,
        rect_m=scene.layout.window_rect_m(floor, column),
        colour_bgr=(150 * gain, 215 * gain, 255 * gain),
    )
