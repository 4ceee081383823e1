"""Free fall with quadratic air drag, integrated with fixed-step RK4.

World frame (metres, seconds): Y up, gravity along -Y. The equation of motion is
``dv/dt = g * y_down - (g / v_t^2) |v| v``; with no terminal speed it is a drag-free
parabola, which RK4 integrates exactly (its solution is a polynomial of degree 2).
Between steps the state is interpolated with cubic Hermite polynomials from
positions and velocities, so any (sub-frame) time can be asked for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

G_MPS2 = 9.81


@dataclass(frozen=True)
class FallPath:
    """Sampled flight from release (t = 0 s) until the ground (or t_max)."""

    t_s: np.ndarray  # (N,) seconds since release, strictly increasing
    pos_m: np.ndarray  # (N, 3) world metres
    vel_mps: np.ndarray  # (N, 3) metres per second
    landed: bool  # True when the path ends at the ground

    @property
    def duration_s(self) -> float:
        return float(self.t_s[-1])

    def state_at(self, t_s: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """((K, 3) position m, (K, 3) velocity m/s) at times since release, clamped to the path."""
        t = np.clip(np.asarray(t_s, dtype=np.float64).reshape(-1), 0.0, self.duration_s)
        i = np.clip(np.searchsorted(self.t_s, t, side="right") - 1, 0, len(self.t_s) - 2)
        t0, t1 = self.t_s[i], self.t_s[i + 1]
        h = (t1 - t0)[:, None]
        s = ((t - t0) / (t1 - t0))[:, None]
        p0, p1 = self.pos_m[i], self.pos_m[i + 1]
        v0, v1 = self.vel_mps[i], self.vel_mps[i + 1]
        s2, s3 = s * s, s * s * s
        pos = (2 * s3 - 3 * s2 + 1) * p0 + (s3 - 2 * s2 + s) * h * v0 + (-2 * s3 + 3 * s2) * p1 + (s3 - s2) * h * v1
        vel = (6 * s2 - 6 * s) / h * p0 + (3 * s2 - 4 * s + 1) * v0 + (-6 * s2 + 6 * s) / h * p1 + (3 * s2 - 2 * s) * v1
        return pos, vel

    def position_at(self, t_s: ArrayLike) -> np.ndarray:
        return self.state_at(t_s)[0]


def _acceleration(vx: float, vy: float, vz: float, drag_per_m: float, g_mps2: float) -> tuple[float, float, float]:
    # Plain floats: a numpy call per RK4 stage would cost more than the arithmetic.
    k = drag_per_m * math.sqrt(vx * vx + vy * vy + vz * vz)
    return -k * vx, -g_mps2 - k * vy, -k * vz


def simulate_fall(
    pos0_m: ArrayLike,
    vel0_mps: ArrayLike,
    v_terminal_mps: float | None,
    dt_s: float = 1.0 / 200.0,
    g_mps2: float = G_MPS2,
    ground_y_m: float = 0.0,
    t_max_s: float = 120.0,
) -> FallPath:
    """Integrate from release until Y reaches ground_y_m; the last sample lies on the ground.

    ``v_terminal_mps=None`` means no drag. The landing time is found to 1e-9 s by
    bisection on the Hermite interpolant of the last step, not rounded to a step.
    """
    if v_terminal_mps is not None and v_terminal_mps <= 0:
        raise ValueError(f"terminal speed must be positive, got {v_terminal_mps}")
    if dt_s <= 0:
        raise ValueError(f"time step must be positive, got {dt_s}")
    drag = 0.0 if v_terminal_mps is None else g_mps2 / (v_terminal_mps * v_terminal_mps)
    px, py, pz = (float(v) for v in np.asarray(pos0_m, dtype=np.float64).reshape(3))
    vx, vy, vz = (float(v) for v in np.asarray(vel0_mps, dtype=np.float64).reshape(3))
    if py <= ground_y_m:
        raise ValueError(f"release height {py:.3f} m is not above the ground at {ground_y_m} m")
    h = dt_s
    states = [(px, py, pz, vx, vy, vz)]
    steps = int(np.ceil(t_max_s / dt_s))
    landed = False
    for _ in range(steps):
        a1 = _acceleration(vx, vy, vz, drag, g_mps2)
        v2 = (vx + 0.5 * h * a1[0], vy + 0.5 * h * a1[1], vz + 0.5 * h * a1[2])
        a2 = _acceleration(*v2, drag, g_mps2)
        v3 = (vx + 0.5 * h * a2[0], vy + 0.5 * h * a2[1], vz + 0.5 * h * a2[2])
        a3 = _acceleration(*v3, drag, g_mps2)
        v4 = (vx + h * a3[0], vy + h * a3[1], vz + h * a3[2])
        a4 = _acceleration(*v4, drag, g_mps2)
        px += h / 6.0 * (vx + 2 * v2[0] + 2 * v3[0] + v4[0])
        py += h / 6.0 * (vy + 2 * v2[1] + 2 * v3[1] + v4[1])
        pz += h / 6.0 * (vz + 2 * v2[2] + 2 * v3[2] + v4[2])
        vx += h / 6.0 * (a1[0] + 2 * a2[0] + 2 * a3[0] + a4[0])
        vy += h / 6.0 * (a1[1] + 2 * a2[1] + 2 * a3[1] + a4[1])
        vz += h / 6.0 * (a1[2] + 2 * a2[2] + 2 * a3[2] + a4[2])
        states.append((px, py, pz, vx, vy, vz))
        if py <= ground_y_m:
            landed = True
            break
    arr = np.array(states)
    path = FallPath(np.arange(len(arr)) * dt_s, arr[:, :3].copy(), arr[:, 3:].copy(), landed=landed)
    return _truncate_at_ground(path, ground_y_m) if landed else path


def _truncate_at_ground(path: FallPath, ground_y_m: float) -> FallPath:
    lo, hi = float(path.t_s[-2]), float(path.t_s[-1])
    while hi - lo > 1e-9:
        mid = 0.5 * (lo + hi)
        if path.position_at(mid)[0, 1] > ground_y_m:
            lo = mid
        else:
            hi = mid
    pos, vel = path.state_at(hi)
    pos[0, 1] = ground_y_m
    return FallPath(
        t_s=np.append(path.t_s[:-1], hi),
        pos_m=np.vstack([path.pos_m[:-1], pos]),
        vel_mps=np.vstack([path.vel_mps[:-1], vel]),
        landed=True,
    )
