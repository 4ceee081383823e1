"""Leaves: from the trees or blown down from above, terminal speed 1-2 m/s, swaying."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np

from edge.synth.ballistics import FallPath, simulate_fall
from edge.synth.canvas import FrameCanvas, RenderContext, Stage, draw_sprite
from edge.synth.distractors.base import Distractor, DistractorUnavailable, SceneFacts
from edge.synth.splat import exposure_times

_COLOURS_BGR = ((40, 120, 60), (30, 90, 110), (40, 160, 190), (30, 60, 90))


@dataclass(frozen=True)
class Leaf(Distractor):
    t_drop_s: float
    path: FallPath
    sway_m: float
    sway_hz: float
    drift_mps: float
    phase: float
    size_m: float
    source: str
    colour_bgr: tuple[float, float, float]

    cls: ClassVar[str] = "leaf"
    stage: ClassVar[Stage] = Stage.SPRITE

    def position_at(self, t_s: np.ndarray) -> np.ndarray:
        tau = np.clip(np.asarray(t_s, np.float64).reshape(-1) - self.t_drop_s, 0.0, None)
        p = self.path.position_at(tau)
        p[:, 0] += self.sway_m * np.sin(2 * math.pi * self.sway_hz * tau + self.phase) + self.drift_mps * tau
        return p

    def draw(self, canvas: FrameCanvas, ctx: RenderContext) -> None:
        if not self.active(canvas.t_s, ctx.lighting.exposure_s):
            return
        ts = exposure_times(canvas.t_s, ctx.lighting.exposure_s, ctx.camera.focal_px * 3.0 / 20.0)
        px, depth = ctx.camera.project(self.position_at(ts))
        if np.any(depth <= 0.5):
            return
        tau = ts - self.t_drop_s
        major = ctx.camera.focal_px * self.size_m / depth / 2
        minor = major * (0.25 + 0.75 * np.abs(np.cos(2.5 * math.pi * self.sway_hz * tau + self.phase)))
        colour = ctx.lighting.shade(np.asarray(self.colour_bgr), float(depth.mean()))
        draw_sprite(
            canvas, px, np.stack([major, minor], 1), self.phase + 3.0 * tau, colour, behind_trees=self.source == "above"
        )

    def details(self) -> dict[str, object]:
        return {"source": self.source}


def sample(rng: np.random.Generator, scene: SceneFacts) -> Leaf:
    for _ in range(30):
        if scene.trees and rng.random() < 0.6:
            tree = scene.trees[int(rng.integers(len(scene.trees)))]
            start = np.array(
                [
                    tree.x_m + rng.uniform(-1, 1) * tree.crown_radius_m,
                    tree.height_m - rng.uniform(0.2, 1.0) * tree.crown_radius_m,
                    tree.z_m + rng.uniform(0.0, 0.5),
                ]
            )
            source = "tree"
        else:
            top = min(40.0, scene.layout.height_m)
            start = np.array(
                [rng.uniform(0, scene.layout.width_m), rng.uniform(min(8.0, top - 1), top), rng.uniform(1.0, 6.0)]
            )
            source = "above"
        path = simulate_fall(
            start, [rng.uniform(-0.5, 0.5), 0.0, rng.uniform(-0.3, 0.3)], float(rng.uniform(1.0, 2.0)), dt_s=1 / 50
        )
        t_drop = float(rng.uniform(0.0, max(0.1, scene.duration_s - 2.0)))
        leaf = Leaf(
            t_start_s=0.0,
            t_end_s=0.0,
            t_drop_s=t_drop,
            path=path,
            sway_m=float(rng.uniform(0.3, 1.0)),
            sway_hz=float(rng.uniform(0.3, 1.0)),
            drift_mps=float(rng.uniform(-1.0, 1.0)),
            phase=float(rng.uniform(0, 2 * math.pi)),
            size_m=float(rng.uniform(0.04, 0.10)),
            source=source,
            colour_bgr=tuple(float(v) for v in _COLOURS_BGR[int(rng.integers(len(_COLOURS_BGR)))]),
        )
        ts = np.arange(t_drop, min(scene.duration_s, t_drop + path.duration_s), 1 / scene.fps)
        seen = scene.visible_interval(ts, leaf.position_at(ts)) if len(ts) else None
        if seen is not None and seen[1] - seen[0] >= 0.5:
            return replace(leaf, t_start_s=seen[0], t_end_s=seen[1])
    raise DistractorUnavailable("no visible leaf path found in this view")
