"""The detection pipeline of one camera: frames in, throw events out.

motion (edge.motion) -> tracker (edge.tracking) -> physics gate in facade metres
(edge.physics) -> Event with origin floor/column. Pure computation: no I/O, so the
CLI, the edge node and the tests drive it the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from edge.config.camera import CameraConfig
from edge.events.event import Event, Origin
from edge.geometry.facade import Facade
from edge.motion.detector import MotionDetector
from edge.motion.region import watched_region
from edge.physics.polyfit import fit_poly
from edge.physics.trajectory import G_MPS2, PhysicsRules, Verdict, judge_trajectory
from edge.sources.frame import Frame
from edge.tracking.fall_search import FallSearch
from edge.tracking.track import Track
from edge.tracking.tracker import Tracker
from edge.verifier.model import Verifier
from edge.verifier.tube import TUBE_FRAMES, FrameRing, cut_tube

log = logging.getLogger(__name__)

SEGMENT_WINDOW_S = 3.0  # how far back a throw's start is looked for in a long track
# Longest blind spell of a fall-search hypothesis: HYPOTHESIS_GAP_S, and at most
# HYPOTHESIS_GAP_SHARE times the frames a track may go unseen (detection.max_gap_frames).
# A hypothesis predicts from the whole fitted fall, so it bridges a longer spell than a
# track (a cup or a tissue turning edge-on); only the time bound keeps it from a long
# blind flight at a low frame rate.
HYPOTHESIS_GAP_S = 0.36
HYPOTHESIS_GAP_SHARE = 1.5
DUPLICATE_MEMORY_S = 5.0  # how long an ended alarm still suppresses a second one on its object
DUPLICATE_SIGHTINGS = 3  # common sightings in a row, near each other, that make two tracks one object
DUPLICATE_DISTANCE_PX = 15.0  # ...plus DUPLICATE_SIZES blob sizes (square root of the blob area)
DUPLICATE_SIZES = 2.0
SAME_BLOB_PX = 0.01  # two sightings this close, of the same area, are one candidate taken twice
DUPLICATE_SAME_BLOBS = 2  # candidates two tracks both took, in a row or not, that make them one object
# A later piece of an alarmed object's fall (a light object lost for a moment in clutter
# and found again further down) continues its path from a sighting where it was
# falling (CONTINUATION_MIN_SPEED_MPS) at most CONTINUATION_MAX_GAP_S before: within
# CONTINUATION_SIDEWAYS_M (plus CONTINUATION_DRIFT_MPS per second since) sideways, and
# below that sighting by at least CONTINUATION_MIN_SPEED_SHARE of the distance its speed
# there covers since (a fall does not slow down), at most by free fall from that speed.
CONTINUATION_MAX_GAP_S = 2.0
CONTINUATION_MIN_SPEED_MPS = 2.0
CONTINUATION_SIDEWAYS_M = 1.0
CONTINUATION_DRIFT_MPS = 0.5
CONTINUATION_MIN_SPEED_SHARE = 0.5
CONTINUATION_MARGIN_M = 1.0
# A tumbling newspaper or bag turns edge-on and vanishes for a few tenths of a second,
# longer than a track waits, so its fall comes in pieces that each descend too little
# to judge. A lost piece (PIECE_MIN_POINTS sightings or more, descending at least
# PIECE_MIN_DESCENT_PX) is kept for SEGMENT_WINDOW_S; a track that starts at most
# PIECE_GAP_S after it, where the piece's motion leads (within PIECE_GATE_PX plus
# PIECE_GATE_SPEED_SHARE of the piece's motion over the gap), further down, is judged
# with the piece in front as long as it is young (begun within SEGMENT_WINDOW_S).
PIECE_GAP_S = 1.0
PIECE_MIN_POINTS = 5
PIECE_MIN_DESCENT_PX = 8.0
PIECE_GATE_PX = 15.0
PIECE_GATE_SPEED_SHARE = 0.5
PIECE_FIT_POINTS = 25  # the latest sightings of a piece that its curve is fitted through...
PIECE_CURVE_MIN_POINTS = 8  # ...once it has this many


@dataclass
class PipelineStats:
    frames_processed: int = 0
    frames_disturbed: int = 0
    candidates_total: int = 0
    tracks_started: int = 0
    events_emitted: int = 0
    verifier_calls: int = 0
    verifier_rejections: int = 0


class DetectionPipeline:
    """Runs detection frame by frame; ``process`` returns the events confirmed now."""

    def __init__(
        self,
        config: CameraConfig,
        fps: float,
        verifier: Verifier | None = None,
        on_verdict: Callable[[Track, Verdict], None] | None = None,
    ) -> None:
        self.config = config
        self.fps = fps
        self.facades = [Facade(f) for f in config.facades]
        self.tracker = Tracker(max_gap=config.detection.max_gap_frames)
        self.fall_search = FallSearch(max_gap=hypothesis_max_gap(config.detection.max_gap_frames, fps))
        self.stats = PipelineStats()
        self._motion: MotionDetector | None = None
        self._events: dict[str, Track] = {}
        # Sightings of alarmed objects besides the events' own live tracks: alarmed
        # tracks that ended, and later pieces of alarmed falls (found by their path);
        # each kept until DUPLICATE_MEMORY_S after its latest sighting.
        self._followed: list[Track] = []
        self._pieces: list[Track] = []  # ended tracks and hypotheses that may be a fall's first piece
        self._frame_size: tuple[int, int] | None = None
        d = config.detection
        self._rules = [
            PhysicsRules(
                min_descent_m=d.min_descent_floors * f.floor_height_m,
                facade_size_m=(f.width_m, f.height_m),
                early_descent_m=min(d.early_alarm_floors, d.min_descent_floors) * f.floor_height_m,
                min_accel_mps2=d.min_accel_mps2,
                max_accel_mps2=d.max_accel_mps2,
            )
            for f in self.facades
        ]
        # The learned verifier (``verifier`` given, or detection.verifier: on) is
        # loaded here, so a missing or corrupt model stops start-up, not a stream.
        if verifier is None and d.verifier == "on":
            verifier = Verifier()
        self._verifier = verifier
        self._ring = FrameRing(TUBE_FRAMES) if verifier is not None else None
        self._verified_at: dict[int, int] = {}  # track id -> frame of its last rejected check
        self._tube_score: tuple[tuple[float, ...], float] | None = None  # (latest sightings, score)
        self._on_verdict = on_verdict  # diagnostics (fallwatch eval --explain-misses)

    def _ensure_motion(self, frame: Frame) -> MotionDetector:
        size = (frame.width, frame.height)
        if self._motion is None or self._frame_size != size:
            region = watched_region(self.config, frame.width, frame.height)
            self._motion = MotionDetector(region, self.config.motion, self.fps)
            self._frame_size = size
        return self._motion

    def process(self, frame: Frame) -> list[Event]:
        motion = self._ensure_motion(frame)
        result = motion.process(frame.gray, key_frame=frame.key_frame)
        if self._ring is not None:
            self._ring.push(frame.t_s, frame.gray)
        self.stats.frames_processed += 1
        self.stats.frames_disturbed += int(result.disturbed)
        self.stats.candidates_total += len(result.candidates)
        updated, ended = self.tracker.update(frame.t_s, result.candidates, 1.0 / self.fps, blind=result.disturbed)
        grown, dropped = self.fall_search.update(
            frame.t_s, result.candidates, updated, blind=result.disturbed, signal=result.signal
        )
        updated, ended = updated + grown, ended + dropped
        self.stats.tracks_started = self.tracker.started
        for track in ended:
            self._verified_at.pop(track.track_id, None)
            if track.event_id and self._events.pop(track.event_id, None) is not None:
                self._followed.append(track)
        # Another track may still be on an alarmed object whose own track ended.
        self._followed = [t for t in self._followed if frame.t_s - t.t_s[-1] <= DUPLICATE_MEMORY_S]
        self._pieces = [
            t for t in self._pieces + [t for t in ended if _is_piece(t)]
            if frame.t_s - t.t_s[-1] <= SEGMENT_WINDOW_S
        ]
        pieces: list[Track] | None = None  # gathered on first need: most frames have no young falling track
        events: list[Event] = []
        for track in updated:
            if track.event_id in self._events:
                self._events[track.event_id] = track  # may have been stitched to a new track
            if track.event_id is not None:
                continue
            event = None
            # Most tracks are noise that never moves far: a px range this small cannot
            # pass the physics gate's lever-arm rule, so the judging is skipped.
            if (
                len(track) >= PhysicsRules.min_points
                and max(track.y_px) - min(track.y_px) >= 0.8 * PhysicsRules.min_descent_px
            ):
                event = self._judge(track, frame.t_s)
            if event is None and track.event_id is None and _is_young_fall(track, frame.t_s):
                if pieces is None:
                    pieces = self._pieces + [t for t in self.tracker.lost if _is_piece(t)]
                event = self._judge_with_piece(track, pieces, frame.t_s)
            if event is not None:
                events.append(event)
        self.stats.events_emitted += len(events)
        return events

    def live_event_ids(self) -> set[str]:
        """Events whose object is still being followed."""
        return set(self._events)

    def track_of(self, event_id: str) -> list[tuple[float, float, float]]:
        track = self._events.get(event_id)
        return [] if track is None else _event_path(track)

    def _facade_index(self, track: Track) -> int | None:
        pts = np.column_stack([track.x_px, track.y_px])
        counts = [int(f.contains_px(pts, margin_m=0.5).sum()) for f in self.facades]
        best = int(np.argmax(counts))
        return best if counts[best] > 0 else None

    def _judge(self, track: Track, now_s: float) -> Event | None:
        fi = self._facade_index(track)
        if fi is None:
            return None
        facade, rules = self.facades[fi], self._rules[fi]
        pts_px = np.column_stack([track.x_px, track.y_px])
        xy_m = facade.to_metres(pts_px)
        t_s = np.asarray(track.t_s)
        verdict, start = self._judge_segments(t_s, pts_px, xy_m, track, facade, rules)
        if self._on_verdict is not None:
            self._on_verdict(track, verdict)
        if not verdict.is_throw:
            log.debug("track %d: %s", track.track_id, verdict.reason)
            return None
        # A track on an object alarmed already raises nothing, and is remembered as on
        # that object: a light object falls for many seconds, lost and found again, and
        # a later track on it is known by this one after the alarm's own track is gone.
        if self._duplicates_live_event(track):
            known: Track | None = track
        elif self._continues_alarmed_fall(track, start, xy_m[start], facade):
            # Only the part judged now: the track itself may go on to wander into other things.
            known = track.since(start)
        else:
            known = None
        if known is not None:
            track.event_id = "duplicate"
            self._followed.append(known)
            return None
        track.event_start = start
        verifier_score = None
        if self._verifier is not None:
            verifier_score = self._verify(track)
            if verifier_score is None or verifier_score < self.config.detection.verifier_threshold:
                return None
        return self._make_event(track, facade, verdict, now_s, verifier_score)

    def _judge_segments(
        self,
        t_s: np.ndarray,
        pts_px: np.ndarray,
        xy_m: np.ndarray,
        track: Track,
        facade: Facade,
        rules: PhysicsRules,
    ) -> tuple[Verdict, int]:
        """Judge the track from a few plausible starting points; first pass wins.

        In clutter (rain, noise) a track can pick up stray points before the object
        appears, and those would spoil every fit. A throw starts at the top of its
        path, so the candidates are: the whole track, its highest point within the
        last few seconds, and the first point after each long gap.
        """
        y_m = xy_m[:, 1]
        area_px, contrast, strong = np.asarray(track.area_px), np.asarray(track.contrast), np.asarray(track.strong)
        probed, width_px = np.asarray(track.probed, bool), np.asarray(track.width_px)
        sharpness = np.asarray(track.edge_sharpness, np.float64)
        need_m = 0.9 * min(rules.min_descent_m, rules.early_descent_m)
        recent = np.nonzero(t_s >= t_s[-1] - SEGMENT_WINDOW_S)[0]
        starts = {0, int(recent[np.argmax(y_m[recent])])}
        gaps = np.nonzero(np.diff(t_s) > 2.5 / self.fps)[0] + 1
        starts.update(int(g) for g in gaps[-3:])
        verdict = Verdict(False, "has not fallen far enough")
        for start in sorted(starts):
            if len(t_s) - start < rules.min_points or y_m[start] - y_m[-1] < need_m:
                continue
            seg = slice(start, None)
            mid = pts_px[start + (len(t_s) - start) // 2]
            verdict = judge_trajectory(
                t_s[seg], xy_m[seg], facade.metres_per_pixel(float(mid[0]), float(mid[1])), rules,
                frame_s=1.0 / self.fps, area_px=area_px[seg], contrast=contrast[seg],
                strong=strong[seg], probed=probed[seg], width_px=width_px[seg], edge_sharpness=sharpness[seg],
            )
            if verdict.is_throw:
                return verdict, start
        return verdict, 0

    def _verify(self, track: Track) -> float | None:
        """Verifier throw probability of a track that passed physics; None while not due.

        Runs only here, behind the physics gate, so it costs nothing while nothing
        falls. A rejected track is looked at again only once the ring holds a fully
        new tube, which bounds the cost of a distractor that keeps passing physics.
        """
        verifier, ring = self._verifier, self._ring
        last = self._verified_at.get(track.track_id)
        if verifier is None or ring is None or not ring.full:
            return None
        if last is not None and self.stats.frames_processed - last < TUBE_FRAMES:
            return None
        # A track and a fall-search hypothesis on one object share their latest
        # sightings, hence their tube: score it once.
        key = tuple(np.round(track.points()[-TUBE_FRAMES:], 2).ravel().tolist())
        if self._tube_score is not None and self._tube_score[0] == key:
            score = self._tube_score[1]
        else:
            tube = cut_tube(ring.items(), np.asarray(track.t_s), np.asarray(track.x_px), np.asarray(track.y_px))
            score = verifier.score_tube(tube)
            self.stats.verifier_calls += 1
            self.stats.verifier_rejections += int(score < self.config.detection.verifier_threshold)
            self._tube_score = (key, score)
        if score < self.config.detection.verifier_threshold:
            self._verified_at[track.track_id] = self.stats.frames_processed
            log.debug("track %d: verifier %.2f below threshold", track.track_id, score)
        return score

    def _judge_with_piece(self, track: Track, pieces: list[Track], now_s: float) -> Event | None:
        """Judge ``track`` with the lost piece of a fall it continues put in front of it;
        the piece stays in front only if that makes a throw."""
        t0 = track.t_s[0]
        first = np.array([track.x_px[0], track.y_px[0]])
        for piece in pieces:
            n = int(np.searchsorted(piece.t_s, t0))  # the piece's sightings before the track's
            if n < PIECE_MIN_POINTS or t0 - piece.t_s[n - 1] > PIECE_GAP_S:
                continue
            before = piece.head(n)
            if track.y_px[0] < before.y_px[-1]:
                continue  # a fall goes on down
            gap_s = t0 - before.t_s[-1]
            if not any(
                np.hypot(*(pred - first)) <= PIECE_GATE_PX + PIECE_GATE_SPEED_SHARE * np.hypot(*vel) * gap_s
                for pred, vel in _piece_predictions(before, t0)
            ):
                continue
            track.prepend(before)
            event = self._judge(track, now_s)
            if event is not None or track.event_id is not None:
                return event
            track.drop_front(n)  # no throw: as it was
        return None

    def _duplicates_live_event(self, track: Track) -> bool:
        """Two tracks on one object (a split blob, a track and a hypothesis) must not raise two alarms.

        They are one object if they were on it together for a few sightings in a row, at
        any time: one of them may have wandered in clutter before it came upon the object,
        or have stuck to a stale blob after it. Or if they took the very same blob twice,
        in a row or not: one may have jumped between the object and a stale blob it left
        behind while the other followed the object; two things crossing make one blob
        in one frame, not in two apart.
        """
        a = _sightings(track)
        for other in [*self._events.values(), *self._followed]:
            b = _sightings(other)
            together = same_blob = 0
            for t in sorted(a.keys() & b.keys()):
                (xa, ya, na), (xb, yb, nb) = a[t], b[t]
                apart_px = float(np.hypot(xa - xb, ya - yb))
                # A motion-blurred object can split into blobs a few of its sizes apart.
                near_px = DUPLICATE_DISTANCE_PX + DUPLICATE_SIZES * float(np.sqrt(max(na, nb)))
                together = together + 1 if apart_px < near_px else 0
                same_blob += int(apart_px < SAME_BLOB_PX and na == nb)
                if together >= DUPLICATE_SIGHTINGS or same_blob >= DUPLICATE_SAME_BLOBS:
                    return True
        return False

    def _continues_alarmed_fall(self, track: Track, start: int, start_m: np.ndarray, facade: Facade) -> bool:
        """Does the judged part of ``track`` (from index ``start``, at facade metres
        ``start_m``) pick up the fall of an object alarmed already, after that object's
        track lost it?

        A new throw starts near its window, above where an earlier object from that
        column has fallen to by then; a lost piece of the earlier fall starts below one
        of its falling sightings, about as far down as its speed there took it. Every
        sighting of the alarmed track counts, since a track that lost its object may
        have wandered off to something else before it ended.
        """
        t0 = track.t_s[start]
        x0_m, y0_m = float(start_m[0]), float(start_m[1])
        for other in [*self._events.values(), *self._followed]:
            if other is track or len(other) < 2:
                continue
            t_s = np.asarray(other.t_s)
            xy_m = facade.to_metres(np.column_stack([other.x_px, other.y_px]))
            back = np.maximum(np.arange(len(t_s)) - 4, 0)  # speed over the 4 sightings before each
            speed_mps = np.maximum(0.0, (xy_m[back, 1] - xy_m[:, 1]) / np.maximum(t_s - t_s[back], 1e-6))
            dt_s = t0 - t_s
            drop_m = xy_m[:, 1] - y0_m
            hit = (
                (dt_s >= 0.0)
                & (dt_s <= CONTINUATION_MAX_GAP_S)
                & (speed_mps >= CONTINUATION_MIN_SPEED_MPS)
                & (np.abs(x0_m - xy_m[:, 0]) <= CONTINUATION_SIDEWAYS_M + CONTINUATION_DRIFT_MPS * dt_s)
                & (drop_m >= CONTINUATION_MIN_SPEED_SHARE * speed_mps * dt_s - CONTINUATION_MARGIN_M)
                & (drop_m <= speed_mps * dt_s + 0.5 * G_MPS2 * dt_s**2 + CONTINUATION_MARGIN_M)
            )
            if hit.any():
                return True
        return False

    def _make_event(
        self, track: Track, facade: Facade, verdict: Verdict, now_s: float, verifier_score: float | None = None
    ) -> Event:
        rx_m, ry_m = verdict.release_m
        cell = facade.cell_of_metres(rx_m, ry_m)
        release_px = facade.to_pixels([[rx_m, ry_m]])[0]
        event = Event(
            camera_id=self.config.camera_id,
            t_start=max(0.0, verdict.t_release),
            t_end=track.t_s[-1],
            detected_at=now_s,
            origin=Origin(
                floor=cell.floor,
                column=cell.column,
                x=float(release_px[0]),
                y=float(release_px[1]),
                facade=facade.name if len(self.facades) > 1 else "",
            ),
            trajectory=_event_path(track),
            # Geometric mean: either stage alone being unsure pulls the score down.
            score=verdict.score if verifier_score is None else float(np.sqrt(verdict.score * verifier_score)),
            extra={
                "physics": {
                    "accel_mps2": round(verdict.accel_mps2, 2),
                    "descent_m": round(verdict.descent_m, 2),
                    "residual_m": round(verdict.residual_m, 3),
                },
                **({} if verifier_score is None else {"verifier_score": round(verifier_score, 3)}),
            },
        )
        track.event_id = event.event_id
        self._events[event.event_id] = track
        log.info(
            "event %s: floor %d column %d, a=%.1f m/s², fell %.1f m",
            event.event_id[:8], cell.floor, cell.column, verdict.accel_mps2, verdict.descent_m,
        )
        return event


def _event_path(track: Track) -> list[tuple[float, float, float]]:
    """(t_s, x_px, y_px) of the thrown object's part of ``track``."""
    return [(t, x, y) for t, x, y in track.points()[track.event_start :].tolist()]


def _piece_predictions(piece: Track, t_s: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """Where a lost piece of a fall leads at ``t_s``: (x, y) px and velocity px/s.

    The track's own prediction follows only its latest points, and curves only where
    they demand it: a fall's early sightings, slow and still speeding up, predict it
    well over a frame or two and far too short over the half second a canopy hides it.
    A quadratic through the piece's latest PIECE_FIT_POINTS sightings keeps the
    acceleration they showed; it is tried too when the piece sped up downwards.
    """
    out = [piece.predict(t_s)]
    n = min(len(piece), PIECE_FIT_POINTS)
    if n >= PIECE_CURVE_MIN_POINTS:
        t = np.asarray(piece.t_s[-n:]) - piece.t_s[-1]
        coeffs, _ = fit_poly(t, np.column_stack([piece.x_px[-n:], piece.y_px[-n:]]), 2)
        if coeffs[0, 1] > 0:
            dt = t_s - piece.t_s[-1]
            out.append((coeffs[0] * dt * dt + coeffs[1] * dt + coeffs[2], 2 * coeffs[0] * dt + coeffs[1]))
    return out


def _descends(track: Track) -> bool:
    """Does the track have the sightings and the descent of a piece of a fall?"""
    return len(track) >= PIECE_MIN_POINTS and track.y_px[-1] - track.y_px[0] >= PIECE_MIN_DESCENT_PX


def hypothesis_max_gap(track_max_gap: int, fps: float) -> int:
    """Frames a fall-search hypothesis may go unseen (see HYPOTHESIS_GAP_S)."""
    return min(round(HYPOTHESIS_GAP_SHARE * track_max_gap), round(HYPOTHESIS_GAP_S * fps))


def _is_piece(track: Track) -> bool:
    """Could this lost track be the first piece of a fall?"""
    return track.event_id is None and _descends(track)


def _is_young_fall(track: Track, now_s: float) -> bool:
    """Has this track begun recently enough to continue a lost piece, and does it descend?"""
    return track.t_s[0] >= now_s - SEGMENT_WINDOW_S and _descends(track)


def _sightings(track: Track) -> dict[float, tuple[float, float, int]]:
    """Time (rounded to ms) -> (x_px, y_px, area_px) of each sighting."""
    return {
        round(t, 3): (x, y, n) for t, x, y, n in zip(track.t_s, track.x_px, track.y_px, track.area_px, strict=True)
    }
