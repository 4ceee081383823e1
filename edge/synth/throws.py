"""Thrown objects: where they leave the facade, how they fly and how they look.

A throw leaves a window (floor >= 3) at Z 0.2-1.0 m in front of the facade, dropped
(|v| < 0.3 m/s) or thrown (outward 0.5-3 m/s, sideways -2..2, vertical -1.5..+2),
and flies under gravity and quadratic drag until the ground. Bags and paper add a
sideways flutter. Its image is the pinhole projection of its centre; its size the
projection of its real size; it tumbles (shape and brightness change).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import numpy as np

from edge.synth.ballistics import FallPath, simulate_fall
from edge.synth.camera import PinholeCamera
from edge.synth.canvas import FrameCanvas, RenderContext, draw_sprite
from edge.synth.facade_layout import FacadeLayout
from edge.synth.lighting import Lighting
from edge.synth.objects import ObjectClass, ObjectKind, choose_class, object_class
from edge.synth.seen import seen_descent
from edge.synth.splat import blob_alpha, exposure_times

SIZE_BINS_PX = ((1.0, 2.0), (2.0, 4.0), (4.0, 15.0))
_END_SCAN_DT_S = 0.002
_CONTRAST = {"day": (35.0, 110.0), "dusk": (20.0, 60.0), "night_ir": (25.0, 80.0)}
_LUMA_BGR = np.array([0.114, 0.587, 0.299])  # BT.601 weights, as cv2's BGR2GRAY

# When the ground truth calls a throw frame visible and a throw observable. A frame is
# visible when the object's centre is inside the frame, the trees cover less than
# VISIBLE_MAX_TREE_COVER of it (they are painted over falling objects, and the camera
# config masks them out), and it stands out from what is behind it by at least
# VISIBLE_MIN_CONTRAST_GREY: the motion stage ignores changes under 6 grey levels
# (motion.min_contrast) and the synth adds 5-7.5 grey levels of sensor noise, so fainter
# objects drown in noise and H.264 quantisation. How much it stands out is measured in
# the encoded video when there is one (edge.synth.seen: a 2-px object keeps a fraction
# of its colour's contrast), else from its drawn colour. A throw is observable when,
# within one stretch of visible frames with no gap over OBSERVABLE_MAX_GAP_S (balconies
# hide a few frames; a tracker bridges them, not a fall hidden for a second), it
# descends at least OBSERVABLE_MIN_DESCENT_FLOORS of the facade: the detector's default
# alarm rule (detection.min_descent_floors) cannot fire on less.
VISIBLE_MIN_CONTRAST_GREY = 10.0
VISIBLE_MAX_TREE_COVER = 0.5
OBSERVABLE_MAX_GAP_S = 0.2
OBSERVABLE_MIN_DESCENT_FLOORS = 2.0


class ThrowPlanError(ValueError):
    """The requested throws cannot fit in the scene (too short a video, nothing visible)."""


@dataclass(frozen=True)
class Throw:
    """One throw. Times are seconds from the start of the video; positions world metres."""

    id: str
    cls: ObjectClass
    floor: int
    column: int
    t_release_s: float
    release_m: tuple[float, float, float]
    v0_mps: tuple[float, float, float]
    dropped: bool
    size_m: float
    v_terminal_mps: float
    path: FallPath
    flight_visible_s: float  # from release until it lands or leaves the image
    flutter_m: float
    flutter_hz: float
    phase: float
    spin_hz: float
    tumble_hz: float
    contrast: float  # signed grey levels against the background around the release point
    base_colour_bgr: tuple[float, float, float]

    @property
    def t_end_s(self) -> float:
        return self.t_release_s + self.flight_visible_s

    def position_at(self, t_s: np.ndarray) -> np.ndarray:
        """(K, 3) world metres at video times t_s (clamped to the flight)."""
        tau = np.asarray(t_s, np.float64).reshape(-1) - self.t_release_s
        pos = self.path.position_at(tau)
        if self.flutter_m:
            ramp = 1.0 - np.exp(-np.clip(tau, 0, None) / 0.4)
            w = 2 * math.pi * self.flutter_hz * tau + self.phase
            pos[:, 0] += self.flutter_m * np.sin(w) * ramp
            pos[:, 2] += 0.4 * self.flutter_m * np.cos(w) * ramp
        return pos

    def draw(self, canvas: FrameCanvas, ctx: RenderContext) -> None:
        shot = self._exposure(canvas.t_s, ctx)
        if shot is None:
            return
        ts, pos, px, depth = shot
        semi_axes, angle = self._shape(ts, depth, ctx.camera)
        colour = self._drawn_colour(ts, pos, ctx)
        draw_sprite(canvas, px, semi_axes, angle, colour, behind_trees=True)

    def _shape(self, ts: np.ndarray, depth: np.ndarray, camera: PinholeCamera) -> tuple[np.ndarray, np.ndarray]:
        """Ellipse semi-axes (K, 2) px (major, minor) and angles (K,) rad at instants ts, depths m."""
        tau = ts - self.t_release_s
        major = camera.focal_px * self.size_m / depth / 2
        tumble = np.abs(np.cos(2 * math.pi * self.tumble_hz * tau + self.phase))
        minor = major * (self.cls.aspect + (1 - self.cls.aspect) * tumble)
        angle = self.phase + 2 * math.pi * self.spin_hz * tau
        return np.stack([major, minor], axis=1), angle

    def _exposure(
        self, t_s: float, ctx: RenderContext
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """The instants of the shutter window at video time t_s that fall inside the flight,
        with world metres, unshaken image px and depth m there; None when nothing is drawn."""
        t_land = self.t_release_s + self.path.duration_s
        if t_s + ctx.lighting.exposure_s / 2 < self.t_release_s or t_s - ctx.lighting.exposure_s / 2 > t_land:
            return None
        cam = ctx.camera
        ends, _ = cam.project(self.position_at(t_s + np.array([-0.5, 0.5]) * ctx.lighting.exposure_s))
        speed = float(np.linalg.norm(ends[1] - ends[0])) / ctx.lighting.exposure_s
        ts = exposure_times(t_s, ctx.lighting.exposure_s, speed)
        ts = ts[(ts >= self.t_release_s) & (ts <= t_land)]
        if len(ts) == 0:
            return None
        pos = self.position_at(ts)
        px, depth = cam.project(pos)
        if np.any(depth <= 0.1):
            return None
        return ts, pos, px, depth

    def _drawn_colour(self, ts: np.ndarray, pos: np.ndarray, ctx: RenderContext) -> np.ndarray:
        """Display BGR of the sprite over the exposure instants ts at world metres pos."""
        tau = ts - self.t_release_s
        # Glints as faces turn towards the light; IR falloff as it nears the camera.
        flicker = 1.0 + 0.2 * np.sin(4 * math.pi * self.tumble_hz * tau + 2 * self.phase)
        d_release = float(np.linalg.norm(np.asarray(self.release_m) - ctx.camera.centre_m))
        d_now = float(np.linalg.norm(pos.mean(axis=0) - ctx.camera.centre_m))
        gain = float(ctx.lighting.falloff(d_now) / ctx.lighting.falloff(d_release)) * float(flicker.mean())
        return np.clip(self.release_colour(ctx) * gain, 0, 255)

    def release_colour(self, ctx: RenderContext) -> np.ndarray:
        """Display BGR whose grey level differs from the background at release by contrast."""
        rel_px, _ = ctx.camera.project([self.release_m])
        bg = ctx.background_luma(float(rel_px[0, 0]), float(rel_px[0, 1]))
        target = bg + self.contrast
        if not 12 <= target <= 245:
            target = bg - self.contrast  # the other sign has room
        target = float(np.clip(target, 8, 250))
        if ctx.lighting.grey:
            return np.full(3, target)
        base = np.asarray(self.base_colour_bgr, np.float64)
        return np.clip(base * target / max(1.0, float(base @ [0.114, 0.587, 0.299])), 0, 255)

    def truth(
        self, camera: PinholeCamera, fps: float, n_frames: int, shift_of: Callable[[int], tuple[int, int]], facade: str
    ) -> dict[str, object]:
        idx = self._frame_indices(fps, n_frames)
        traj: list[list[float]] = []
        sizes: list[float] = []
        if len(idx):
            px, depth = camera.project(self.position_at(idx / fps))
            sizes = list(camera.focal_px * self.size_m / depth)
            for i, (x, y) in zip(idx, px, strict=True):
                dx, dy = shift_of(int(i))
                traj.append([round(i / fps, 4), round(float(x) + dx, 2), round(float(y) + dy, 2)])
        rel_px, _ = camera.project([self.release_m])
        return {
            "id": self.id,
            "class": self.cls.name,
            "kind": self.cls.kind,
            "facade": facade,
            "floor": self.floor,
            "column": self.column,
            "t_release": round(self.t_release_s, 4),
            "t_end": round(self.t_end_s, 4),
            "release_px": [round(float(rel_px[0, 0]), 2), round(float(rel_px[0, 1]), 2)],
            "release_m": [round(v, 3) for v in self.release_m],
            "v0_mps": [round(v, 3) for v in self.v0_mps],
            "dropped": self.dropped,
            "size_m": round(self.size_m, 4),
            "size_px": round(float(np.median(sizes)), 2) if sizes else 0.0,
            "v_terminal_mps": round(self.v_terminal_mps, 3),
            "landed_in_view": bool(self.flight_visible_s >= self.path.duration_s - 1e-6),
            "trajectory": traj,
        }

    def _frame_indices(self, fps: float, n_frames: int) -> np.ndarray:
        """Indices of the frames whose times lie in the visible flight (the trajectory's)."""
        first = math.ceil(self.t_release_s * fps - 1e-9)
        last = min(n_frames - 1, math.floor(self.t_end_s * fps + 1e-9))
        return np.arange(first, last + 1)

    def visibility(
        self,
        ctx: RenderContext,
        n_frames: int,
        shift_of: Callable[[int], tuple[int, int]],
        tree_cover_of: Callable[[int, float, float], float],
        floor_height_m: float,
        signal_grey: Mapping[int, float] | None = None,
    ) -> dict[str, object]:
        """How much of the fall a camera could see, per frame of ``truth()``'s trajectory.

        ``signal_grey``: per frame index, the grey levels by which the object stands out
        in the encoded video (edge.synth.seen; frames missing from it show nothing).
        Without it, judged from the scene: the colour ``draw()`` would give the object
        against ``ctx.background_luma`` (grey levels before blur, noise and H.264).
        ``tree_cover_of(frame index, x_px, y_px)``: tree coverage 0-1 at a point of that
        frame (shaken px, as in the video). Descent is in facade metres as the detector
        measures it: image points mapped onto the facade plane (Z = 0).
        """
        cam = ctx.camera
        idx = self._frame_indices(ctx.fps, n_frames)
        px, depth = cam.project(self.position_at(idx / ctx.fps))
        shaken = px + np.array([shift_of(int(i)) for i in idx], np.float64).reshape(-1, 2)
        in_image = cam.inside(shaken) & (depth > 0.1)
        visible = np.zeros(len(idx), bool)
        contrasts: list[float] = []
        signals: list[float] = []
        for k, i in enumerate(idx):
            shot = self._exposure(i / ctx.fps, ctx)
            if not in_image[k] or shot is None:
                continue
            ts, pos, shot_px, shot_depth = shot
            grey = float(self._drawn_colour(ts, pos, ctx) @ _LUMA_BGR)
            contrast = abs(grey - _luma_under(ctx, shot_px, *self._shape(ts, shot_depth, cam)))
            contrasts.append(contrast)
            stands_out = contrast
            if signal_grey is not None:
                stands_out = signal_grey.get(int(i), 0.0)
                signals.append(stands_out)
            covered = tree_cover_of(int(i), float(shaken[k, 0]), float(shaken[k, 1])) >= VISIBLE_MAX_TREE_COVER
            visible[k] = stands_out >= VISIBLE_MIN_CONTRAST_GREY and not covered
        heights_m = cam.ray_to_plane_z(px, 0.0)[:, 1]
        descent_m = seen_descent(heights_m, visible, round(OBSERVABLE_MAX_GAP_S * ctx.fps))
        floors = round(descent_m / floor_height_m, 3)
        out: dict[str, object] = {
            "visible": [int(v) for v in visible],
            "contrast_median": round(float(np.median(contrasts)), 2) if contrasts else None,
        }
        if signal_grey is not None:
            out["signal_median"] = round(float(np.median(signals)), 2) if signals else None
        return {
            **out,
            "visible_descent_floors": floors,
            "observable": floors >= OBSERVABLE_MIN_DESCENT_FLOORS,
        }


@dataclass(frozen=True)
class ThrowRequest:
    """Constraints a caller may put on a throw; None leaves a choice to chance."""

    kind: ObjectKind | None = None
    cls: str | None = None
    size_px: float | None = None
    floor: int | None = None
    column: int | None = None
    min_size_px: float = 1.0


def _luma_under(ctx: RenderContext, px: np.ndarray, semi_axes_px: np.ndarray, angles_rad: np.ndarray) -> float:
    """Mean grey level of the static scene under a sprite drawn at unshaken frame px,
    weighted by its coverage: what the object replaces in the frame. Not
    ``ctx.background_luma``'s 13-px patch: on a textured facade that patch's mean can
    be tens of grey levels away from what lies under a small object."""
    alpha, x0, y0 = blob_alpha(px, semi_axes_px, angles_rad)
    lum, p = ctx.backdrop.luma, ctx.backdrop.pad_px
    h, w = alpha.shape
    # The backdrop is pad_px larger than the frame on every side; clip to it.
    cx0, cy0 = max(0, x0 + p), max(0, y0 + p)
    cx1, cy1 = min(lum.shape[1], x0 + p + w), min(lum.shape[0], y0 + p + h)
    a = alpha[cy0 - y0 - p : cy1 - y0 - p, cx0 - x0 - p : cx1 - x0 - p].astype(np.float64)
    if cx0 >= cx1 or cy0 >= cy1 or a.sum() <= 0:
        return ctx.background_luma(float(px[:, 0].mean()), float(px[:, 1].mean()))
    return float((a * lum[cy0:cy1, cx0:cx1]).sum() / a.sum())


def _visible_flight_s(path: FallPath, camera: PinholeCamera, flutter: Callable[[np.ndarray], np.ndarray]) -> float:
    tau = np.arange(0.0, path.duration_s, _END_SCAN_DT_S)
    tau = np.append(tau, path.duration_s)
    px, depth = camera.project(flutter(tau))
    out = ~camera.inside(px) | (depth <= 0.1)
    if not out.any():
        return path.duration_s
    k = int(np.argmax(out))
    return float(tau[max(k - 1, 0)])


def plan_throw(
    rng: np.random.Generator,
    throw_id: str,
    layout: FacadeLayout,
    camera: PinholeCamera,
    lighting: Lighting,
    max_flight_s: float,
    request: ThrowRequest,
) -> Throw:
    """One throw whose visible flight lasts at most max_flight_s (release time 0 for now)."""
    kind: ObjectKind = request.kind or ("compact" if rng.random() < 0.7 else "light")
    forced_cls = object_class(request.cls) if request.cls else None
    if forced_cls is not None:
        kind = forced_cls.kind
    margin = 0.04 * camera.width_px
    cells = [
        (f, c)
        for f in range(3, layout.floors + 1)
        for c in range(1, layout.columns + 1)
        if (request.floor in (None, f)) and (request.column in (None, c))
    ]
    visible = []
    for f, c in cells:
        x0, y0, x1, _ = layout.window_rect_m(f, c)
        px, depth = camera.project([[(x0 + x1) / 2, y0 + 0.3, 0.6]])
        if depth[0] > 0 and camera.inside(px, margin)[0]:
            visible.append((f, c))
    if not visible:
        raise ThrowPlanError("no window on floor 3 or above is visible for the requested throw")
    # Lower floors fall for less time: when a flight is too long, retry lower.
    max_floor = layout.floors
    for _attempt in range(40):
        options = [fc for fc in visible if fc[0] <= max_floor] or [min(visible)]
        floor, column = options[int(rng.integers(len(options)))]
        throw = _make_throw(
            rng,
            throw_id,
            layout,
            camera,
            lighting,
            kind,
            forced_cls,
            request.size_px,
            request.min_size_px,
            floor,
            column,
        )
        if throw.flight_visible_s <= max_flight_s:
            return throw
        max_floor = max(3, floor - 1)
        if _attempt > 20 and request.kind is None and forced_cls is None:
            kind = "compact"  # light objects fall too slowly for a short video
    raise ThrowPlanError(f"no throw fits in {max_flight_s:.2f} s of video after release; use a longer duration")


def _make_throw(
    rng: np.random.Generator,
    throw_id: str,
    layout: FacadeLayout,
    camera: PinholeCamera,
    lighting: Lighting,
    kind: ObjectKind,
    forced_cls: ObjectClass | None,
    size_px: float | None,
    min_size_px: float,
    floor: int,
    column: int,
) -> Throw:
    x0, y0, x1, y1 = layout.window_rect_m(floor, column)
    release = np.array(
        [
            rng.uniform(x0 + 0.2 * (x1 - x0), x1 - 0.2 * (x1 - x0)),
            y0 + rng.uniform(0.0, min(0.5, y1 - y0)),
            rng.uniform(0.2, 1.0),
        ]
    )
    dropped = bool(rng.random() < 0.4)
    if dropped:
        d = rng.normal(size=3)
        v0 = d / np.linalg.norm(d) * rng.uniform(0.0, 0.3)
    else:
        v0 = np.array([rng.uniform(-2, 2), rng.uniform(-1.5, 2), rng.uniform(0.5, 3)])
    _, depth = camera.project([release])
    explicit_size = size_px is not None
    if size_px is None:
        bins = [(max(lo, min_size_px), hi) for lo, hi in SIZE_BINS_PX if hi > min_size_px]
        lo, hi = bins[int(rng.integers(len(bins)))]
        size_px = float(rng.uniform(lo, hi))
    needed_m = size_px * float(depth[0]) / camera.focal_px
    if forced_cls is not None:
        cls, size_m = forced_cls, float(np.clip(needed_m, *forced_cls.size_m))
    else:
        cls, size_m = choose_class(rng, kind, needed_m)
    if explicit_size:
        size_m = needed_m  # a caller's exact size wins over the class's real range
    else:
        # Keep the projected size within range even where no class is that small or big.
        lo_px = max(1.0, min_size_px)
        size_m = float(np.clip(size_m, lo_px * depth[0] / camera.focal_px, 15.0 * depth[0] / camera.focal_px))
    v_t = float(rng.uniform(*cls.v_terminal_mps))
    flutter_m = float(rng.uniform(0.2, 0.8)) if cls.flutter else 0.0
    flutter_hz = float(rng.uniform(0.4, 1.2))
    phase = float(rng.uniform(0, 2 * math.pi))
    path = simulate_fall(release, v0, v_t)
    partial = Throw(
        id=throw_id,
        cls=cls,
        floor=floor,
        column=column,
        t_release_s=0.0,
        release_m=tuple(float(v) for v in release),
        v0_mps=tuple(float(v) for v in v0),
        dropped=dropped,
        size_m=size_m,
        v_terminal_mps=v_t,
        path=path,
        flight_visible_s=0.0,
        flutter_m=flutter_m,
        flutter_hz=flutter_hz,
        phase=phase,
        spin_hz=float(rng.uniform(0.5, 4.0)),
        tumble_hz=float(rng.uniform(0.5, 3.0)),
        contrast=float((1 if rng.random() < 0.5 else -1) * rng.uniform(*_CONTRAST[lighting.mode])),
        base_colour_bgr=tuple(float(v) for v in cls.colours_bgr[int(rng.integers(len(cls.colours_bgr)))]),
    )
    return replace(partial, flight_visible_s=_visible_flight_s(path, camera, partial.position_at))
