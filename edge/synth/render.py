"""Turn a scene spec into frames: the backdrop once, then per frame only what moves.

Frames come out as I420 (yuv420p) arrays, (H * 3 / 2) x W uint8: the luma plane on
top, then the quarter-size U and V planes, ready for the H.264 encoder.
"""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np

from edge.synth.backdrop import Backdrop, render_backdrop
from edge.synth.canvas import FrameCanvas, RenderContext, Stage
from edge.synth.noise import NoiseBank
from edge.synth.scene import SceneSpec
from edge.synth.seen import SpriteTrace


class SceneRenderer:
    """Renders one scene. Building it draws the backdrop; ``frames()`` yields every frame."""

    def __init__(self, spec: SceneSpec) -> None:
        self.spec = spec
        self.backdrop: Backdrop = render_backdrop(
            spec.backdrop_rng, spec.layout, spec.camera, spec.lighting, spec.trees
        )
        self.context = RenderContext(spec.camera, spec.lighting, self.backdrop, spec.fps, spec.duration_s)
        drawables = [*spec.distractors, *spec.throws]
        self._by_stage = {
            stage: [d for d in drawables if getattr(d, "stage", Stage.SPRITE) == stage] for stage in Stage
        }

    def frames(self, trace: SpriteTrace | None = None) -> Iterator[np.ndarray]:
        """Every frame; with ``trace``, each throw's sprite is traced under its index in
        ``spec.throws`` (see edge.synth.seen)."""
        spec, bd = self.spec, self.backdrop
        throw_index = {id(t): k for k, t in enumerate(spec.throws)}
        noise = NoiseBank(spec.noise_rng, spec.lighting.noise_sigma, spec.width, spec.height)
        p = bd.pad_px
        for i in range(spec.n_frames):
            dx, dy = spec.shift_px(i)
            canvas = FrameCanvas(
                index=i,
                t_s=i / spec.fps,
                shift_px=(dx, dy),
                bgr=bd.canvas_bgr[p - dy : p - dy + spec.height, p - dx : p - dx + spec.width].copy(),
                trees=bd.trees.shifted(dx - p, dy - p) if bd.trees is not None else None,
                trace=trace,
            )
            for stage in (Stage.SCENERY, Stage.SPRITE, Stage.NEAR):
                for d in self._by_stage[stage]:
                    canvas.trace_key = throw_index.get(id(d))
                    d.draw(canvas, self.context)
            canvas.trace_key = None
            canvas.yuv = cv2.cvtColor(canvas.bgr, cv2.COLOR_BGR2YUV_I420)
            canvas.bgr = None
            for stage in (Stage.LUMA, Stage.GLOBAL):
                for d in self._by_stage[stage]:
                    d.draw(canvas, self.context)
            noise.apply(canvas.luma)
            if trace is not None:
                trace.close_frame(canvas.luma)
            yield canvas.yuv


def render_frames(spec: SceneSpec) -> Iterator[np.ndarray]:
    """Every frame of a scene as I420 arrays (see the module docstring)."""
    return SceneRenderer(spec).frames()
