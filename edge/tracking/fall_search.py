"""Fall search: follow likely falls through the recent candidates, sharing them.

The tracker assigns each candidate to one track. In clutter (textured facades in
daylight, rain, compression noise: 100-200 blobs a frame) that exclusivity is what
loses small throws: a long-lived chain of noise blobs near the object's path takes
the object's sightings, follows it for a few frames and drifts off again, so the fall
ends up in pieces that each descend too little to be judged.

The fall search keeps the candidates of the last few seconds. Whenever a track's
latest sightings move down the image like something falling, it starts a hypothesis
from them and grows it backwards through the kept frames to the release and,
frame by frame, forwards as the object falls, always taking the candidate nearest to
the hypothesis' own prediction, whether or not a track (or another hypothesis) took
it too. Where no candidate lies near that prediction, a well-fitted hypothesis looks
at the frame's motion signal itself, below the threshold (``FrameSignal.look``).
Hypotheses are ordinary ``Track`` objects, judged by the same physics gate.

Coordinates: full-image px (x right, y down); times: seconds of the stream.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass

import numpy as np

from edge.motion.candidate import Candidate
from edge.motion.signal import FrameSignal
from edge.physics.polyfit import fit_poly
from edge.tracking.track import Track

# Hypotheses count down from -1 and the tracker's tracks up from 1, so their ids never
# meet however long the stream runs (a fixed offset would be reached after days of rain).
HYPOTHESIS_IDS_STEP = -1
SEED_POINTS = 4
PREDICT_POINTS = 10  # a local fit: perspective bends a long fall's image path
STALL_POINTS = 8
BACKFILL_POINTS = 5
MAX_FRONT_DROP = 2  # earliest points a backward growth may leave out to get going
RETRY_MIN_GROWTH = 3  # sightings a growth without them must add to be believed
STALL_DESCENT_PX = 4.0  # less descent over the last STALL_POINTS sightings ends a hypothesis
# Once a hypothesis has REASSOCIATE_MIN_POINTS sightings, REASSOCIATE_MIN_CLEAR of them
# clear, its frames are taken again along the path fitted through them, every
# REASSOCIATE_EVERY new sightings: the candidate nearest to the path within twice
# the path's misfit, at least REASSOCIATE_GATE_PX and at most REASSOCIATE_MAX_GATE_PX.
REASSOCIATE_MIN_POINTS = 10
REASSOCIATE_MIN_CLEAR = 6
REASSOCIATE_EVERY = 3
REASSOCIATE_GATE_PX = 3.0
REASSOCIATE_MAX_GATE_PX = 4.5
SAME_PLACE_PX = 1.0  # a blob this close to the previous sighting has not moved
# A hypothesis that finds no candidate in its gate looks below the threshold where it
# predicts the object (``FrameSignal.look``): PROBE_SHARE of the threshold within
# twice its misfit (PROBE_RADIUS_PX to PROBE_MAX_RADIUS_PX), once it has
# PROBE_MIN_POINTS sightings (PROBE_MIN_CLEAR clear) that fit within PROBE_MAX_MISFIT_PX,
# right after a sighting (at most PROBE_MAX_UNSEEN frames unseen). Noise reaches half
# the threshold in a few per cent of such small windows, so a find there is most
# likely the object; still, after PROBE_MAX_RUN probed sightings in a row the
# hypothesis needs a blob of the object's own again to go on.
PROBE_SHARE = 0.5
PROBE_RADIUS_PX = 2.0
PROBE_MAX_RADIUS_PX = 3.0
PROBE_MIN_POINTS = 6
PROBE_MIN_CLEAR = 4
PROBE_MAX_MISFIT_PX = 1.5
PROBE_MAX_UNSEEN = 1
PROBE_MAX_RUN = 6


@dataclass(frozen=True)
class _KeptFrame:
    t_s: float
    xy_px: np.ndarray  # (N, 2) candidate centroids
    candidates: list[Candidate]
    blind: bool = False  # motion saw nothing (camera shake, IR switch): no evidence either way

    def with_candidate(self, c: Candidate) -> _KeptFrame:
        return _KeptFrame(self.t_s, np.vstack([self.xy_px, [[c.x_px, c.y_px]]]), [*self.candidates, c], self.blind)


class FallSearch:
    """Hypotheses of falling objects, grown over shared candidates.

    ``history_s``: how far back a new hypothesis may reach for its release.
    ``gate_px``: base distance from the prediction; ``gate_speed_share``: extra gate per
    px of motion since the last sighting. ``min_seed_speed_px``: how fast (px per
    frame, downwards) a track's latest sightings must move to start a hypothesis.
    """

    def __init__(
        self,
        max_gap: int = 6,
        history_s: float = 3.0,
        gate_px: float = 5.0,
        gate_speed_share: float = 0.3,
        min_seed_speed_px: float = 1.5,
        max_seed_misfit_px: float = 2.0,
        max_hypotheses: int = 64,
    ) -> None:
        self.max_gap = max_gap
        self.history_s = history_s
        self.gate_px = gate_px
        self.gate_speed_share = gate_speed_share
        self.min_seed_speed_px = min_seed_speed_px
        self.max_seed_misfit_px = max_seed_misfit_px
        self.max_hypotheses = max_hypotheses
        self.hypotheses: list[Track] = []
        self._frames: deque[_KeptFrame] = deque()
        self._ids = itertools.count(HYPOTHESIS_IDS_STEP, HYPOTHESIS_IDS_STEP)
        self._backed_at: dict[int, int] = {}  # hypothesis id -> its length at its last backward growth
        self._reassociated_at: dict[int, int] = {}  # hypothesis id -> its length when last re-associated
        self.started = 0

    def update(
        self,
        t_s: float,
        candidates: list[Candidate],
        moved: list[Track],
        blind: bool = False,
        signal: FrameSignal | None = None,
    ) -> tuple[list[Track], list[Track]]:
        """Advance to frame time ``t_s``; ``moved`` are the tracker's tracks updated now.
        ``blind``: motion could not look at this frame (camera shake, an IR switch), so
        an object going unseen in it says nothing; it does not count against a gap.
        ``signal``: the frame's motion signal, where a hypothesis that found no candidate
        may look below the threshold.

        Returns (hypotheses updated this frame, hypotheses ended).
        """
        xy = np.array([[c.x_px, c.y_px] for c in candidates]) if candidates else np.zeros((0, 2))
        frame = _KeptFrame(t_s, xy, candidates, blind)
        self._frames.append(frame)
        while self._frames and t_s - self._frames[0].t_s > self.history_s:
            self._frames.popleft()

        updated: list[Track] = []
        alive: list[Track] = []
        ended: list[Track] = []
        for hyp in self.hypotheses:
            if blind:
                alive.append(hyp)
                continue
            taken = self._extend(hyp, frame, signal)
            if taken is not None and taken.probed:
                # Kept with the frame's candidates: a re-association or another hypothesis may take it too.
                frame = frame.with_candidate(taken)
                self._frames[-1] = frame
            if taken is not None:
                self._backfill(hyp)
                self._reassociate(hyp)
                updated.append(hyp)
            else:
                hyp.missed += 1
            (ended if hyp.missed > self.max_gap or _stopped_falling(hyp) else alive).append(hyp)
        self.hypotheses = alive

        ends = {_latest_sighting(h) for h in alive if h.missed == 0}
        for track in moved:
            if not _is_seed(track, self.min_seed_speed_px, self.max_seed_misfit_px):
                continue
            if _latest_sighting(track) in ends:
                continue  # this fall is followed already
            hyp = self._grow(track)
            self.started += 1
            self.hypotheses.append(hyp)
            updated.append(hyp)
            ends.add(_latest_sighting(hyp))
        if len(self.hypotheses) > self.max_hypotheses:
            # The longest hypotheses carry the most evidence; new ones are cheap to seed again.
            self.hypotheses.sort(key=len, reverse=True)
            ended.extend(self.hypotheses[self.max_hypotheses :])
            del self.hypotheses[self.max_hypotheses :]
            updated = [h for h in updated if h in self.hypotheses]
        for hyp in ended:
            self._backed_at.pop(hyp.track_id, None)
            self._reassociated_at.pop(hyp.track_id, None)
        return updated, ended

    def _gate_px(self, speed_px_s: float, gap_s: float, misfit_px: float, n_points: int, unseen: int) -> float:
        # A smooth fall's next position is predicted to about its misfit; each frame it
        # goes unseen adds a share of a frame's motion.
        gate = self.gate_px * (1 + 0.5 * unseen) + self.gate_speed_share * speed_px_s * gap_s + 2.0 * misfit_px
        # Until a curve fits, the acceleration is unknown: a fall's next step can be
        # well off the straight line.
        return max(gate, 12.0) if n_points < 5 else gate

    def _nearest(self, frame: _KeptFrame, t_pts: np.ndarray, xy_pts: np.ndarray, unseen: int) -> int | None:
        """Index of the candidate of ``frame`` nearest to the prediction from the points, if in the gate."""
        if len(frame.xy_px) == 0:
            return None
        return self._nearest_to(frame, t_pts, _predict(t_pts, xy_pts, frame.t_s), unseen)

    def _nearest_to(
        self, frame: _KeptFrame, t_pts: np.ndarray, prediction: tuple[np.ndarray, float, float], unseen: int
    ) -> int | None:
        """``_nearest`` for a prediction (xy, speed px/s, misfit px) made already."""
        if len(frame.xy_px) == 0:
            return None
        pred, speed, misfit = prediction
        gap_s = abs(frame.t_s - (t_pts[-1] if frame.t_s > t_pts[-1] else t_pts[0]))
        gate = self._gate_px(speed, gap_s, misfit, len(t_pts), unseen)
        d = np.hypot(frame.xy_px[:, 0] - pred[0], frame.xy_px[:, 1] - pred[1])
        k = int(np.argmin(d))
        return k if d[k] <= gate else None

    def _extend(self, hyp: Track, frame: _KeptFrame, signal: FrameSignal | None) -> Candidate | None:
        """Add to the hypothesis the candidate of ``frame`` nearest to its prediction, or
        else what a look below the threshold there finds; returns what it took."""
        n = min(len(hyp), PREDICT_POINTS)
        t_pts = np.asarray(hyp.t_s[-n:])
        prediction = _predict(t_pts, np.column_stack([hyp.x_px[-n:], hyp.y_px[-n:]]), frame.t_s)
        k = self._nearest_to(frame, t_pts, prediction, hyp.missed)
        taken = frame.candidates[k] if k is not None else None
        if taken is None and signal is not None:
            taken = self._probe(hyp, prediction, signal)
        if taken is not None:
            hyp.add(frame.t_s, taken)
        return taken

    def _probe(self, hyp: Track, prediction: tuple[np.ndarray, float, float], signal: FrameSignal) -> Candidate | None:
        """What lies below the threshold at the hypothesis' prediction (xy, speed, misfit),
        if the hypothesis is one to trust that far."""
        if len(hyp) < PROBE_MIN_POINTS or hyp.missed > PROBE_MAX_UNSEEN:
            return None
        if sum(hyp.strong) < PROBE_MIN_CLEAR or all(hyp.probed[-PROBE_MAX_RUN:]):
            return None
        pred, _, misfit = prediction
        if misfit > PROBE_MAX_MISFIT_PX:
            return None
        radius = min(max(PROBE_RADIUS_PX, 2.0 * misfit), PROBE_MAX_RADIUS_PX)
        return signal.look(float(pred[0]), float(pred[1]), radius, PROBE_SHARE)

    def _grow(self, seed: Track) -> Track:
        """A hypothesis from the seed's latest sightings, grown back through the kept frames."""
        points = [(seed.t_s[i], _candidate_of(seed, i)) for i in range(len(seed) - SEED_POINTS, len(seed))]
        dropped, earlier = self._extend_back_robust(points)
        hyp = Track(track_id=next(self._ids))
        for t, c in earlier + points[dropped:]:
            hyp.add(t, c)
        self._backed_at[hyp.track_id] = len(hyp)
        return hyp

    def _backfill(self, hyp: Track) -> None:
        """Grow a hypothesis further back each time it has BACKFILL_POINTS more points: a
        seed may start on a stale blob next to the object, and its few points then
        predict the past badly; a longer fit does not."""
        if hyp.event_id is not None or len(hyp) < self._backed_at.get(hyp.track_id, 0) + BACKFILL_POINTS:
            return
        if _at_rest(hyp.y_px[:STALL_POINTS]):
            self._backed_at[hyp.track_id] = len(hyp)
            return  # it starts at the release already: nothing before it fell
        n = min(len(hyp), PREDICT_POINTS)
        dropped, earlier = self._extend_back_robust([(hyp.t_s[i], _candidate_of(hyp, i)) for i in range(n)])
        if earlier:
            front = Track(track_id=hyp.track_id)
            for t, c in earlier:
                front.add(t, c)
            hyp.replace_front(dropped, front)
        self._backed_at[hyp.track_id] = len(hyp)

    def _reassociate(self, hyp: Track) -> None:
        """Take again, in each kept frame between the hypothesis' first and latest
        sighting, the candidate nearest to the path fitted through its clear sightings.

        Frame by frame, a hypothesis takes whatever lies nearest to a prediction from
        its last few points. After the object went unseen for a few frames the gate is
        wide: a stray blob taken there bends the prediction, and the object's own
        sightings in the next frames (a tracker's track has them) fall outside it. The
        whole path, a cubic in time through the clear sightings, knows better where the
        object was in every frame. The first and the latest sighting stay as they are:
        the backward growth and the frame-by-frame extension own those.
        """
        if hyp.event_id is not None or len(hyp) < REASSOCIATE_MIN_POINTS:
            return
        if len(hyp) < self._reassociated_at.get(hyp.track_id, 0) + REASSOCIATE_EVERY:
            return
        self._reassociated_at[hyp.track_id] = len(hyp)
        t = np.asarray(hyp.t_s)
        xy = np.column_stack([hyp.x_px, hyp.y_px])
        t0 = t[-1]
        # Fitted through the clear sightings only: faint blobs are what may be stray.
        keep = np.asarray(hyp.strong, bool)
        if keep.sum() < REASSOCIATE_MIN_CLEAR:
            return
        for _ in range(3):
            coeffs, _ = fit_poly(t[keep] - t0, xy[keep], 3)
            err = np.hypot(*(xy - _on_path(coeffs, t - t0)).T)
            # Trimmed on the median misfit, not the mean, which one bad sighting inflates.
            new_keep = err <= max(REASSOCIATE_GATE_PX, 4.5 * float(np.median(err[keep])))
            new_keep &= keep
            if new_keep.sum() < REASSOCIATE_MIN_CLEAR or np.array_equal(new_keep, keep):
                break  # the fit is the one of ``keep``
            keep = new_keep
        else:
            coeffs, _ = fit_poly(t[keep] - t0, xy[keep], 3)
            err = np.hypot(*(xy - _on_path(coeffs, t - t0)).T)
        # An object's centroid keeps to a fitted path within a px or two; a wide gate
        # would only collect clutter along a poor fit.
        misfit_px = float(np.sqrt(np.mean(err[keep] ** 2)))
        gate = min(max(REASSOCIATE_GATE_PX, 2.0 * misfit_px), REASSOCIATE_MAX_GATE_PX)
        # Sightings older than the kept frames stay as they are.
        kept_from_s = self._frames[0].t_s - 1e-9
        sightings = [(hyp.t_s[i], _candidate_of(hyp, i)) for i in range(len(hyp)) if i == 0 or t[i] < kept_from_s]
        for frame in self._frames:
            if not t[0] + 1e-9 < frame.t_s < t[-1] - 1e-9 or frame.blind or len(frame.xy_px) == 0:
                continue
            pred = _on_path(coeffs, frame.t_s - t0)
            d = np.hypot(frame.xy_px[:, 0] - pred[0], frame.xy_px[:, 1] - pred[1])
            k = int(np.argmin(d))
            if d[k] > gate:
                continue
            last_t, last = sightings[-1]
            path_step_px = float(np.hypot(*(_on_path(coeffs, last_t - t0) - pred)))
            # A blob that stays put while the path moves on is one the object left behind.
            if _same_place(last, frame.candidates[k]) and path_step_px > SAME_PLACE_PX:
                continue
            sightings.append((frame.t_s, frame.candidates[k]))
        sightings.append((hyp.t_s[-1], _candidate_of(hyp, len(hyp) - 1)))
        if len(sightings) < len(hyp) or len(sightings) <= int(keep.sum()):
            return  # the path found no more than the hypothesis already had on it
        redone = Track(track_id=hyp.track_id)
        for ts, c in sightings:
            redone.add(ts, c)
        hyp.replace_front(len(hyp), redone)
        self._reassociated_at[hyp.track_id] = len(hyp)

    def _extend_back_robust(self, points: list[tuple[float, Candidate]]) -> tuple[int, list[tuple[float, Candidate]]]:
        """The earlier sightings that continue ``points`` backwards, trying again without
        the earliest one or two points when they stop the growth at once (a stale blob
        next to the object, taken while it was hidden, bends the backward prediction).
        A seed's four points are too few to leave any out; a longer hypothesis' are not.
        Returns (points dropped from the front, earlier sightings, chronological)."""
        best: tuple[int, list[tuple[float, Candidate]]] = (0, [])
        for drop in range(min(MAX_FRONT_DROP, len(points) - SEED_POINTS) + 1):
            kept = points[drop:]
            # Frames of the dropped points are skipped, or their blobs come straight back;
            # they count as frames the object went unseen.
            earlier = self._extend_back(list(kept), before_t_s=points[0][0], missed=drop)[: -len(kept)]
            if len(earlier) > len(best[1]) and (drop == 0 or len(earlier) >= RETRY_MIN_GROWTH):
                best = (drop, earlier)
            if len(best[1]) >= RETRY_MIN_GROWTH:
                break
        return best

    def _extend_back(
        self, points: list[tuple[float, Candidate]], before_t_s: float, missed: int = 0
    ) -> list[tuple[float, Candidate]]:
        """``points`` (chronological) with the kept candidates of frames before ``before_t_s``
        that continue them backwards, each the nearest to the prediction from the earliest
        points; ``missed``: frames already gone unseen just after those frames."""
        grown_from = len(points)
        for frame in reversed(self._frames):
            if frame.t_s >= before_t_s - 1e-9 or frame.blind:
                continue
            head = points[:PREDICT_POINTS]  # the earliest sightings predict further back
            t_pts = np.array([t for t, _ in head])
            xy_pts = np.array([[c.x_px, c.y_px] for _, c in head])
            k = self._nearest(frame, t_pts, xy_pts, missed)
            if k is None:
                missed += 1
                if missed > self.max_gap:
                    break
                continue
            missed = 0
            points.insert(0, (frame.t_s, frame.candidates[k]))
            if _at_rest([c.y_px for _, c in points[:STALL_POINTS]]):
                break  # back at rest: the release, or something that never fell
        # The growth ends where nothing clear continues it; faint blobs taken last are as
        # likely noise that happened to lie in the widening gate, and they would set
        # the release. The physics fit extrapolates back from the first clear sighting.
        while len(points) > grown_from and not points[0][1].strong:
            points.pop(0)
        return points


def _latest_sighting(track: Track) -> tuple[float, float, float]:
    """(t_s, x_px, y_px) of the track's latest sighting, rounded: equal for a track and a
    hypothesis that took the same candidate."""
    return round(track.t_s[-1], 4), round(track.x_px[-1], 1), round(track.y_px[-1], 1)


def _at_rest(y_px: list[float]) -> bool:
    """Do these STALL_POINTS consecutive sightings (earliest first) stay at one height?"""
    return len(y_px) >= STALL_POINTS and y_px[STALL_POINTS - 1] - y_px[0] < STALL_DESCENT_PX


def _stopped_falling(hyp: Track) -> bool:
    """A falling object keeps going down while it is in view; a hypothesis whose latest
    sightings no longer descend has latched onto something that stays put."""
    return _at_rest(hyp.y_px[-STALL_POINTS:])


def _on_path(coeffs: np.ndarray, t_rel_s: float | np.ndarray) -> np.ndarray:
    """Positions (px) at times ``t_rel_s`` of a cubic path, coefficients (4, 2) highest power first."""
    t = np.atleast_1d(np.asarray(t_rel_s, dtype=np.float64))
    xy = np.vander(t, 4) @ coeffs
    return xy if np.ndim(t_rel_s) else xy[0]


def _same_place(a: Candidate, b: Candidate) -> bool:
    return bool(np.hypot(a.x_px - b.x_px, a.y_px - b.y_px) < SAME_PLACE_PX)


def _candidate_of(track: Track, i: int) -> Candidate:
    return Candidate(
        x_px=track.x_px[i], y_px=track.y_px[i], area_px=track.area_px[i], width_px=track.width_px[i], height_px=0,
        contrast=track.contrast[i], strong=track.strong[i], probed=track.probed[i],
        edge_sharpness=track.edge_sharpness[i],
    )


def _is_seed(track: Track, min_speed_px: float, max_misfit_px: float) -> bool:
    """Do the track's latest sightings move steadily down the image, fast enough?"""
    if len(track) < SEED_POINTS or track.missed:
        return False
    t = np.asarray(track.t_s[-SEED_POINTS:])
    y = np.asarray(track.y_px[-SEED_POINTS:])
    x = np.asarray(track.x_px[-SEED_POINTS:])
    dt = np.diff(t)
    frame_s = float(dt.min())
    if frame_s <= 0 or (t[-1] - t[0]) > 2.0 * (SEED_POINTS - 1) * frame_s:
        return False
    if np.any(np.diff(y) <= 0) or not any(track.strong[-SEED_POINTS:]):
        return False
    vy = float(y[-1] - y[0]) / float(t[-1] - t[0]) * frame_s
    if vy < min_speed_px:
        return False
    return _line_misfit(t, np.column_stack([x, y])) <= max_misfit_px


def _line_misfit(t: np.ndarray, xy: np.ndarray) -> float:
    """RMS distance in px of the points from a constant-velocity line."""
    _, resid = fit_poly(t - t[-1], xy, 1)
    return float(np.sqrt(np.mean(resid * resid)))


def _predict(t_pts: np.ndarray, xy_pts: np.ndarray, t_new: float) -> tuple[np.ndarray, float, float]:
    """Position at ``t_new`` from a polynomial through the points; (xy, speed px/s, misfit px).

    One point far off the others (a blob of clutter taken while the object was
    hidden) is left out, so it does not bend the prediction.
    """
    n = len(t_pts)
    if n == 1:
        return xy_pts[0], 0.0, 0.0
    t0 = t_pts[-1] if t_new >= t_pts[-1] else t_pts[0]
    degree = 2 if n >= 5 else 1
    coeffs, resid = fit_poly(t_pts - t0, xy_pts, degree)
    err = np.hypot(resid[:, 0], resid[:, 1])
    if n >= 6:
        worst = int(np.argmax(err))
        rest = np.delete(err, worst)
        if err[worst] > max(2.0, 3.0 * float(np.sqrt(np.mean(rest * rest)))):
            keep = np.arange(n) != worst
            coeffs, resid = fit_poly(t_pts[keep] - t0, xy_pts[keep], degree)
            n -= 1
    misfit = float(np.sqrt(np.sum(resid * resid) / (2 * max(1, n - degree - 1))))
    dt = t_new - t0
    powers = np.array([dt ** (degree - i) for i in range(degree + 1)])
    dpowers = np.array([(degree - i) * dt ** max(0, degree - i - 1) for i in range(degree + 1)])
    return powers @ coeffs, float(np.hypot(*(dpowers @ coeffs))), misfit

