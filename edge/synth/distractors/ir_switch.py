"""The day/night switch of an IR camera: colour turns grey and the gain jumps, at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import cv2
import numpy as np

from edge.synth.canvas import FrameCanvas, RenderContext, Stage
from edge.synth.distractors.base import Distractor, SceneFacts


@dataclass(frozen=True)
class IrSwitch(Distractor):
    gain: float

    cls: ClassVar[str] = "ir_switch"
    stage: ClassVar[Stage] = Stage.GLOBAL

    def draw(self, canvas: FrameCanvas, ctx: RenderContext) -> None:
        if canvas.t_s < self.t_start_s:
            return
        assert canvas.yuv is not None
        luma = canvas.luma
        cv2.convertScaleAbs(luma, dst=luma, alpha=self.gain)
        canvas.yuv[luma.shape[0] :] = 128  # no colour

    def details(self) -> dict[str, object]:
        return {"gain": round(self.gain, 3)}


def sample(rng: np.random.Generator, scene: SceneFacts) -> IrSwitch:
    t = float(rng.uniform(1.0, scene.duration_s - 0.5))
    gain = float(rng.uniform(1.25, 1.7)) if rng.random() < 0.5 else float(rng.uniform(0.6, 0.8))
    return IrSwitch(t_start_s=t, t_end_s=t, gain=gain)
