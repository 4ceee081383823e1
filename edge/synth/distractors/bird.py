"""Birds: fly level, climb, glide at constant speed or swoop down and pull up.

A bird moves at 5-15 m/s, 2-20 m in front of the facade; flapping makes its image
grow and shrink and its brightness flicker a few times a second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np

from edge.synth.canvas import FrameCanvas, RenderContext, Stage, draw_sprite
from edge.synth.distractors.base import Distractor, DistractorUnavailable, SceneFacts
from edge.synth.splat import exposure_times

MODES = ("level", "climb", "glide", "swoop")


@dataclass(frozen=True)
class Bird(Distractor):
    start_m: tuple[float, float, float]
    vel_mps: tuple[float, float, float]
    t0_s: float  # when it is at start_m
    mode: str
    swoop_m: float
    swoop_s: float
    wingspan_m: float
    flap_hz: float
    colour_bgr: tuple[float, float, float]

    cls: ClassVar[str] = "bird"
    stage: ClassVar[Stage] = Stage.SPRITE

    def position_at(self, t_s: np.ndarray) -> np.ndarray:
        tau = np.asarray(t_s, np.float64).reshape(-1) - self.t0_s
        p = np.asarray(self.start_m) + tau[:, None] * np.asarray(self.vel_mps)
        if self.mode == "swoop":
            # Down and back up again: a dip of swoop_m metres, deepest at t0_s.
            s = np.clip(tau / self.swoop_s + 0.5, 0.0, 1.0)
            p[:, 1] -= self.swoop_m * np.sin(np.pi * s) ** 2
        return p

    def draw(self, canvas: FrameCanvas, ctx: RenderContext) -> None:
        if not self.active(canvas.t_s, ctx.lighting.exposure_s):
            return
        speed_px = ctx.camera.focal_px * float(np.linalg.norm(self.vel_mps)) / 5.0
        ts = exposure_times(canvas.t_s, ctx.lighting.exposure_s, speed_px)
        px, depth = ctx.camera.project(self.position_at(ts))
        if np.any(depth <= 0.5):
            return
        phase = 2 * math.pi * self.flap_hz * ts
        flap = 0.55 + 0.45 * np.abs(np.sin(phase)) if self.mode != "glide" else np.ones_like(ts)
        major = ctx.camera.focal_px * self.wingspan_m / depth / 2 * flap
        minor = np.maximum(major * 0.3, 0.5)
        gain = 1.0 + 0.25 * float(np.sin(phase).mean())
        colour = ctx.lighting.shade(np.asarray(self.colour_bgr) * gain, float(depth.mean()))
        angle = np.full(len(ts), math.atan2(self.vel_mps[1], self.vel_mps[0]) * 0.2)
        draw_sprite(canvas, px, np.stack([major, minor], 1), angle, colour, behind_trees=False)

    def details(self) -> dict[str, object]:
        return {
            "mode": self.mode,
            "speed_mps": round(float(np.linalg.norm(self.vel_mps)), 2),
            "z_m": round(self.start_m[2], 2),
        }


def sample(rng: np.random.Generator, scene: SceneFacts) -> Bird:
    cam = scene.camera
    z_hi = min(20.0, cam.distance_m - 6.0)
    mode = MODES[int(rng.integers(len(MODES)))]
    for _ in range(30):
        z = float(rng.uniform(2.0, z_hi))
        speed = float(rng.uniform(5.0, 15.0))
        heading = float(rng.uniform(-0.4, 0.4)) + (0.0 if rng.random() < 0.5 else math.pi)
        vy = {"level": 0.0, "climb": rng.uniform(1.0, 4.0), "glide": -rng.uniform(0.2, 1.2), "swoop": 0.0}[mode]
        vh = math.sqrt(max(speed**2 - vy**2, 1.0))
        vel = np.array([vh * math.cos(heading), vy, vh * math.sin(heading) * 0.3])
        mid_px = np.array([rng.uniform(0.1, 0.9) * cam.width_px, rng.uniform(0.05, 0.7) * cam.height_px])
        mid = cam.ray_to_plane_z(mid_px, z)[0]
        if mid[1] < 4.0:
            continue
        t_mid = float(rng.uniform(0.5, scene.duration_s - 0.5))
        flight = float(rng.uniform(1.5, 5.0))
        bird = Bird(
            t_start_s=0.0,
            t_end_s=0.0,
            start_m=tuple(float(v) for v in mid),
            vel_mps=tuple(float(v) for v in vel),
            t0_s=t_mid,
            mode=mode,
            swoop_m=float(rng.uniform(2.0, 6.0)),
            swoop_s=float(rng.uniform(0.8, 1.6)),
            wingspan_m=float(rng.uniform(0.25, 0.7)),
            flap_hz=float(rng.uniform(3.0, 8.0)),
            colour_bgr=tuple(
                float(v)
                for v in (np.full(3, rng.uniform(25, 70)) if rng.random() < 0.75 else np.full(3, rng.uniform(190, 235)))
            ),
        )
        ts = np.arange(max(0.0, t_mid - flight / 2), min(scene.duration_s, t_mid + flight / 2), 1 / scene.fps)
        seen = scene.visible_interval(ts, bird.position_at(ts))
        if seen is None or seen[1] - seen[0] < 0.5:
            continue
        return replace(bird, t_start_s=seen[0], t_end_s=seen[1])
    raise DistractorUnavailable("no visible bird path found in this view")
