"""A track: the time series of one moving thing, and its short-term prediction.

Positions are full-image px (x right, y down), times seconds of the stream.
Prediction is a least-squares polynomial in time over the latest points: constant
position for one point, constant velocity for two, constant acceleration from
three on. A falling object accelerates, so box overlap or constant velocity would
lose it exactly when it becomes fast (> 30 px per frame near the ground).
A track that swings from side to side (a tissue, a bag), seen clearly frame after
frame, also predicts x from its latest few sightings alone (``swing_x``): the whole
fit lags each turn.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np

from edge.motion.candidate import Candidate
from edge.physics.polyfit import fit_poly

FIT_POINTS = 12
SWING_FIT_POINTS = 5
SWING_MIN_MISFIT_PX = 1.5  # sideways misfit of the whole straight fit that makes a track a swinging one


# Identity, not field values, tells tracks apart (``in``, ``remove``): the motion arrays
# make dataclass equality ambiguous anyway.
@dataclass(eq=False)
class Track:
    track_id: int
    t_s: list[float] = field(default_factory=list)
    x_px: list[float] = field(default_factory=list)
    y_px: list[float] = field(default_factory=list)
    area_px: list[int] = field(default_factory=list)
    width_px: list[int] = field(default_factory=list)  # blob extent across the image (see Candidate)
    edge_sharpness: list[float | None] = field(default_factory=list)  # None: not measured (see Candidate)
    contrast: list[float] = field(default_factory=list)
    strong: list[bool] = field(default_factory=list)
    probed: list[bool] = field(default_factory=list)  # looked for below threshold (see FrameSignal)
    missed: int = 0  # consecutive frames without a matching candidate
    event_id: str | None = None  # set once an event was emitted for this track
    event_start: int = 0  # index of the first point of the thrown object's part of the track
    # (position, velocity, half-acceleration) at the last point; refitted lazily
    # after each new point, because prediction runs for every track every frame.
    _motion: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    fit_rms_px: float = 0.0  # misfit of that motion model, for the association gate
    # (x, vx) px and px/s at the last point from the latest SWING_FIT_POINTS only, or None
    _swing: tuple[float, float] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.t_s)

    def add(self, t_s: float, c: Candidate) -> None:
        self.t_s.append(t_s)
        self.x_px.append(c.x_px)
        self.y_px.append(c.y_px)
        self.area_px.append(c.area_px)
        self.width_px.append(c.width_px)
        self.edge_sharpness.append(c.edge_sharpness)
        self.contrast.append(c.contrast)
        self.strong.append(c.strong)
        self.probed.append(c.probed)
        self.missed = 0
        self._motion = None

    def prepend(self, earlier: Track) -> None:
        """Put an earlier track of the same object in front of this one."""
        self.t_s[:0] = earlier.t_s
        self.x_px[:0] = earlier.x_px
        self.y_px[:0] = earlier.y_px
        self.area_px[:0] = earlier.area_px
        self.width_px[:0] = earlier.width_px
        self.edge_sharpness[:0] = earlier.edge_sharpness
        self.contrast[:0] = earlier.contrast
        self.strong[:0] = earlier.strong
        self.probed[:0] = earlier.probed
        if self.event_id is None and earlier.event_id is not None:
            self.event_id = earlier.event_id
            self.event_start = earlier.event_start
        self._motion = None

    def replace_front(self, n: int, earlier: Track) -> None:
        """Drop the first ``n`` points and put ``earlier`` in front instead (for tracks
        without an event: ``event_start`` is not moved)."""
        self.drop_front(n)
        self.prepend(earlier)

    def drop_front(self, n: int) -> None:
        """Drop the first ``n`` points."""
        for series in (
            self.t_s, self.x_px, self.y_px, self.area_px, self.width_px, self.edge_sharpness, self.contrast,
            self.strong, self.probed,
        ):
            del series[:n]
        self._motion = None

    def forget_before(self, t_s: float) -> None:
        """Drop the sightings older than ``t_s`` (``event_start`` follows): a thing followed
        for minutes (a flag, a rain-soaked patch of clutter) must not grow without bound,
        nor the work done on its whole history every frame."""
        n = bisect.bisect_left(self.t_s, t_s)
        if n:
            self.drop_front(n)
            self.event_start = max(0, self.event_start - n)

    def head(self, n: int) -> Track:
        """A copy of the first ``n`` sightings (no event, no motion state)."""
        return self._copy(slice(None, n))

    def since(self, start: int) -> Track:
        """A copy of the sightings from index ``start`` on (no event, no motion state)."""
        return self._copy(slice(start, None))

    def _copy(self, part: slice) -> Track:
        return Track(
            track_id=self.track_id, t_s=self.t_s[part], x_px=self.x_px[part], y_px=self.y_px[part],
            area_px=self.area_px[part], width_px=self.width_px[part], edge_sharpness=self.edge_sharpness[part],
            contrast=self.contrast[part],
            strong=self.strong[part], probed=self.probed[part],
        )

    @property
    def duration_s(self) -> float:
        return self.t_s[-1] - self.t_s[0] if self.t_s else 0.0

    def points(self) -> np.ndarray:
        """(N, 3) array of (t_s, x_px, y_px)."""
        return np.column_stack([self.t_s, self.x_px, self.y_px])

    def predict(self, t_s: float) -> tuple[np.ndarray, np.ndarray]:
        """Predicted (x, y) px at ``t_s`` and the velocity (vx, vy) px/s there."""
        if self._motion is None:
            self._motion = self._fit_motion()
        p, v, a2 = self._motion
        dt = t_s - self.t_s[-1]
        return p + v * dt + a2 * dt * dt, v + 2 * a2 * dt

    def swing_x(self, t_s: float) -> float | None:
        """Predicted x px at ``t_s`` from the latest few sightings only; None unless the
        track swings (misfits its straight path sideways) and was seen clearly lately.
        A tissue or a bag swings from side to side as it falls and turns within a few
        frames; the whole fit lags each turn."""
        if self._motion is None:
            self._motion = self._fit_motion()
        if self._swing is None:
            return None
        x, vx = self._swing
        return x + vx * (t_s - self.t_s[-1])

    def _fit_motion(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = min(len(self.t_s), FIT_POINTS)
        xy = np.column_stack([self.x_px[-n:], self.y_px[-n:]])
        zero = np.zeros(2)
        if n == 1:
            return xy[0], zero, zero
        t = np.asarray(self.t_s[-n:]) - self.t_s[-1]
        lin, lin_resid = fit_poly(t, xy, 1)
        lin_rms = _rms(lin_resid, 1)
        self._swing = None
        if n > SWING_FIT_POINTS and _rms(lin_resid[:, :1], 1) > SWING_MIN_MISFIT_PX and self._clearly_seen_lately(t):
            m = SWING_FIT_POINTS
            side, _ = fit_poly(t[-m:], xy[-m:, :1], 1)
            self._swing = (float(side[1, 0]), float(side[0, 0]))
        if n >= 4 and lin_rms > 1.0:
            # Curvature only when the points demand it: on a slow, jittery track a
            # quadratic extrapolates noise; on a fall it is what keeps the lock.
            quad, quad_rms = _fit(t, xy, 2)
            if quad_rms < 0.5 * lin_rms:
                self.fit_rms_px = quad_rms
                return quad[2], quad[1], quad[0]
        self.fit_rms_px = lin_rms
        return lin[1], lin[0], zero

    def _clearly_seen_lately(self, t: np.ndarray) -> bool:
        """Were the latest SWING_FIT_POINTS sightings clear ones, frame after frame (one
        missed frame at most)? Only then do they say where an object swings: a track
        wandering in clutter also misfits its straight line, and its latest faint blobs
        point anywhere."""
        m = SWING_FIT_POINTS
        steps = np.diff(t[-m - 1 :])
        return all(self.strong[-m:]) and float(t[-1] - t[-m]) <= 1.25 * (m - 1) * float(steps.min())


def _fit(t: np.ndarray, xy: np.ndarray, degree: int) -> tuple[np.ndarray, float]:
    """Least-squares polynomial of x(t) and y(t): coefficients (degree + 1, 2),
    highest power first, and the RMS misfit per coordinate in px."""
    coeffs, resid = fit_poly(t, xy, degree)
    return coeffs, _rms(resid, degree)


def _rms(resid: np.ndarray, degree: int) -> float:
    """RMS misfit per coordinate (px) of a polynomial fit of ``degree`` with these residuals
    (N, coordinates)."""
    dof = max(1, resid.shape[0] - degree - 1)
    return float(np.sqrt(np.sum(resid * resid) / (resid.shape[1] * dof)))
