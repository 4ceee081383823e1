"""Pinhole camera in the world frame and its placement at the foot of a facade.

World frame: X metres right along the facade, Y metres up, Z metres out of the facade
(plane Z = 0) towards the camera. Camera frame (OpenCV): x right, y down, z forward
(depth). Image px: x right, y down, principal point at the image centre.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class PinholeCamera:
    """A distortion-free camera: position ``(x_m, height_m, distance_m)``, yaw/pitch/roll."""

    x_m: float
    height_m: float
    distance_m: float
    yaw_deg: float
    pitch_deg: float
    roll_deg: float
    focal_px: float
    width_px: int
    height_px: int

    @property
    def centre_m(self) -> np.ndarray:
        return np.array([self.x_m, self.height_m, self.distance_m])

    @cached_property
    def rotation(self) -> np.ndarray:
        """3x3 world -> camera rotation; rows are the camera's x (right), y (down), z axes."""
        yaw, pitch, roll = (math.radians(a) for a in (self.yaw_deg, self.pitch_deg, self.roll_deg))
        fwd = np.array([math.sin(yaw) * math.cos(pitch), math.sin(pitch), -math.cos(yaw) * math.cos(pitch)])
        right = np.cross(fwd, [0.0, 1.0, 0.0])
        right /= np.linalg.norm(right)
        down = np.cross(fwd, right)
        # Roll turns the image clockwise by roll_deg about the optical axis.
        c, s = math.cos(roll), math.sin(roll)
        right, down = c * right + s * down, -s * right + c * down
        return np.stack([right, down, fwd])

    @cached_property
    def intrinsics(self) -> np.ndarray:
        cx, cy = (self.width_px - 1) / 2.0, (self.height_px - 1) / 2.0
        return np.array([[self.focal_px, 0.0, cx], [0.0, self.focal_px, cy], [0.0, 0.0, 1.0]])

    def to_camera(self, points_m: ArrayLike) -> np.ndarray:
        """(N, 3) world metres -> (N, 3) camera-frame metres (z = depth)."""
        p = np.asarray(points_m, dtype=np.float64).reshape(-1, 3)
        return (p - self.centre_m) @ self.rotation.T

    def project(self, points_m: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """(N, 3) world metres -> ((N, 2) image px, (N,) depth m). Depth <= 0 is behind."""
        pc = self.to_camera(points_m)
        z = pc[:, 2]
        zs = np.where(np.abs(z) < 1e-9, 1e-9, z)
        px = pc[:, :2] * (self.focal_px / zs)[:, None] + self.intrinsics[:2, 2]
        return px, z

    def plane_homography(self, axis_u: ArrayLike, axis_v: ArrayLike, origin_m: ArrayLike) -> np.ndarray:
        """3x3 map from plane coordinates (u, v) -> image px for the plane origin + u*a + v*b."""
        r = self.rotation
        cols = np.stack(
            [
                r @ np.asarray(axis_u, float),
                r @ np.asarray(axis_v, float),
                r @ (np.asarray(origin_m, float) - self.centre_m),
            ],
            axis=1,
        )
        return self.intrinsics @ cols

    def facade_homography(self) -> np.ndarray:
        """3x3 map from facade metres (X right, Y up, on Z = 0) to image px."""
        return self.plane_homography([1, 0, 0], [0, 1, 0], [0, 0, 0])

    def ray_to_plane_z(self, px: ArrayLike, z_m: float) -> np.ndarray:
        """(N, 2) image px -> (N, 3) world metres where their rays cross the plane Z = z_m."""
        p = np.asarray(px, dtype=np.float64).reshape(-1, 2)
        k = self.intrinsics
        d_cam = np.column_stack([(p[:, 0] - k[0, 2]) / k[0, 0], (p[:, 1] - k[1, 2]) / k[1, 1], np.ones(len(p))])
        d = d_cam @ self.rotation  # camera -> world directions (rows)
        s = (z_m - self.distance_m) / d[:, 2]
        return self.centre_m + s[:, None] * d

    def inside(self, px: np.ndarray, margin_px: float = 0.0) -> np.ndarray:
        """(N,) bool: image points inside the frame shrunk by margin_px."""
        p = np.asarray(px, dtype=np.float64).reshape(-1, 2)
        return (
            (p[:, 0] >= margin_px)
            & (p[:, 0] <= self.width_px - 1 - margin_px)
            & (p[:, 1] >= margin_px)
            & (p[:, 1] <= self.height_px - 1 - margin_px)
        )


def place_camera(
    rng: np.random.Generator,
    facade_width_m: float,
    facade_height_m: float,
    width_px: int,
    height_px: int,
    distance_m: float | None = None,
) -> PinholeCamera:
    """A camera 15-60 m in front of the facade, 1-2 m up, pitched up to frame it.

    The focal length makes the facade's elevation span fill the frame, with a little
    ground below and sky above; spans wider than 70 degrees cut the top off instead.
    """
    dist = float(distance_m) if distance_m is not None else float(rng.uniform(15.0, 60.0))
    h = float(rng.uniform(1.0, 2.0))
    x = facade_width_m / 2.0 + float(rng.uniform(-0.35, 0.35)) * facade_width_m
    # Turn mostly towards the facade's middle, plus a little aim error.
    yaw = 0.6 * math.degrees(math.atan2(facade_width_m / 2.0 - x, dist)) + float(rng.normal(0, 2.0))
    roll = float(rng.uniform(-2.5, 2.5))
    e_bottom = math.atan2(-h, dist)
    e_top = math.atan2(facade_height_m - h, dist)
    span = (e_top - e_bottom) * float(rng.uniform(1.08, 1.25))
    fov_v = min(max(span, math.radians(22.0)), math.radians(70.0))
    focal = (height_px / 2.0) / math.tan(fov_v / 2.0)
    below = fov_v * float(rng.uniform(0.06, 0.14))  # ground visible under the facade
    pitch = math.degrees(e_bottom - below + fov_v / 2.0)
    return PinholeCamera(
        x_m=x,
        height_m=h,
        distance_m=dist,
        yaw_deg=yaw,
        pitch_deg=pitch,
        roll_deg=roll,
        focal_px=focal,
        width_px=width_px,
        height_px=height_px,
    )
