"""What every distractor is: a timed thing that changes the frame but is not a throw.

Each class lives in its own module with a ``sample(rng, scene)`` function. Times are
seconds from the start of the video; ``t_start``/``t_end`` in the ground truth say
when the distractor is in view (or, for global changes, when it acts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from edge.synth.camera import PinholeCamera
from edge.synth.canvas import FrameCanvas, RenderContext, Stage
from edge.synth.facade_layout import FacadeLayout
from edge.synth.lighting import Lighting
from edge.synth.trees import TreeSpec


@dataclass(frozen=True)
class SceneFacts:
    """What a distractor sampler may know about its scene."""

    camera: PinholeCamera
    layout: FacadeLayout
    lighting: Lighting
    trees: tuple[TreeSpec, ...]
    duration_s: float
    fps: float

    def visible_windows(self, min_floor: int = 2, margin_frac: float = 0.03) -> list[tuple[int, int]]:
        """(floor, column) of windows wholly inside the frame."""
        out = []
        m = margin_frac * self.camera.width_px
        for f in range(min_floor, self.layout.floors + 1):
            for c in range(1, self.layout.columns + 1):
                x0, y0, x1, y1 = self.layout.window_rect_m(f, c)
                px, depth = self.camera.project([[x0, y0, 0], [x1, y1, 0]])
                if np.all(depth > 0) and np.all(self.camera.inside(px, m)):
                    out.append((f, c))
        return out

    def visible_interval(
        self, times_s: np.ndarray, points_m: np.ndarray, margin_px: float = 0.0
    ) -> tuple[float, float] | None:
        """First and last of the times at which the points project inside the frame."""
        px, depth = self.camera.project(points_m)
        ok = self.camera.inside(px, -margin_px) & (depth > 0.1)
        if not ok.any():
            return None
        idx = np.nonzero(ok)[0]
        return float(times_s[idx[0]]), float(times_s[idx[-1]])


@dataclass(frozen=True)
class Distractor:
    t_start_s: float
    t_end_s: float

    cls: ClassVar[str] = ""
    stage: ClassVar[Stage] = Stage.SPRITE

    def active(self, t_s: float, slack_s: float = 0.0) -> bool:
        return self.t_start_s - slack_s <= t_s <= self.t_end_s + slack_s

    def shift_px(self, index: int) -> tuple[int, int]:
        """Camera shake of frame ``index``; only camera shake moves the image."""
        return (0, 0)

    def draw(self, canvas: FrameCanvas, ctx: RenderContext) -> None:
        """Change the frame at canvas.t_s (BGR stages: canvas.bgr; YUV stages: canvas.yuv)."""

    def details(self) -> dict[str, object]:
        """Class-specific ground truth beyond the times."""
        return {}

    def truth(self) -> dict[str, object]:
        return {
            "class": self.cls,
            "t_start": round(self.t_start_s, 4),
            "t_end": round(self.t_end_s, 4),
            **self.details(),
        }


class DistractorUnavailable(ValueError):
    """This distractor class cannot appear in this scene (for example no trees to sway)."""
