"""Multi-object tracker for small, fast, accelerating blobs.

Association is greedy on the distance to each track's prediction (or, for a swinging
track, to its sideways prediction from the latest sightings), normalised by a reach
that grows with the track's speed and with the frames it went unseen, so a falling
object stays on its track across balconies and canopies (``max_gap`` frames) and at
> 30 px per frame. A track's misfit widens its gate, within a bound, but not its claim:
a track strung through clutter does not win an object from the track that fits it.
"""

from __future__ import annotations

import itertools

import numpy as np

from edge.motion.candidate import Candidate
from edge.tracking.track import Track

STITCH_MIN_POINTS = 4  # a track this long may be joined; its predecessor needs as many
# A track's misfit widens its gate (a swinging tissue is off its straight fit by several
# px) up to this much; a track wandering in clutter misfits by tens of px.
MISFIT_GATE_MAX_PX = 24.0
# A fall lasts a few seconds; a track followed longer keeps only its latest stretch.
HISTORY_S = 20.0


class Tracker:
    """Follows candidates from frame to frame.

    ``new_track_gate_px``: how far a track with a single point may jump to its second
    one (an object detected late is already fast). ``gate_px``: base gate of tracks
    with a velocity; ``gate_speed_share``: extra gate per px of predicted motion.
    """

    def __init__(
        self,
        max_gap: int = 6,
        new_track_gate_px: float = 60.0,
        gate_px: float = 8.0,
        gate_speed_share: float = 0.35,
        tentative_gap: int = 3,
        max_tracks: int = 500,
        stitch_window_s: float = 1.2,
    ) -> None:
        self.max_gap = max_gap
        self.new_track_gate_px = new_track_gate_px
        self.gate_px = gate_px
        self.gate_speed_share = gate_speed_share
        self.tentative_gap = tentative_gap
        self.max_tracks = max_tracks
        self.stitch_window_s = stitch_window_s
        self.tracks: list[Track] = []
        self._dormant: list[Track] = []  # lost recently; may still be stitched
        self._ids = itertools.count(1)
        self.started = 0

    @property
    def lost(self) -> list[Track]:
        """Tracks lost recently (within ``stitch_window_s``), not yet reported as ended."""
        return list(self._dormant)

    def update(
        self, t_s: float, candidates: list[Candidate], dt_s: float, blind: bool = False
    ) -> tuple[list[Track], list[Track]]:
        """Advance to frame time ``t_s``; returns (tracks updated this frame, tracks ended).

        A lost track stays dormant for ``stitch_window_s`` (it may be stitched to a
        new one) and is reported as ended only after that. ``blind``: motion could not
        look at this frame (camera shake, an IR switch), so no track counts it as a
        miss; the gates still widen with the time since each track's last sighting.
        """
        if blind:
            return [], self._expire_dormant(t_s)
        updated: list[Track] = []
        used = np.zeros(len(candidates), bool)
        if self.tracks and candidates:
            cand_xy = np.array([[c.x_px, c.y_px] for c in candidates])
            starts = np.array([c.may_start_track for c in candidates])
            n_tracks = len(self.tracks)
            pred = np.empty((n_tracks, 2))
            swing = np.full(n_tracks, np.nan)
            gate = np.empty(n_tracks)
            reach = np.empty(n_tracks)  # the gate without its misfit part
            single = np.zeros(n_tracks, bool)
            for ti, track in enumerate(self.tracks):
                pred[ti], vel = track.predict(t_s)
                if (x_swing := track.swing_x(t_s)) is not None:
                    swing[ti] = x_swing
                if len(track) == 1:
                    gate[ti] = reach[ti] = self.new_track_gate_px * (1 + track.missed)
                    single[ti] = True
                    continue
                step = float(np.hypot(*vel)) * max(dt_s, t_s - track.t_s[-1])
                r = self.gate_px * (1 + 0.5 * track.missed) + self.gate_speed_share * step
                g = r + min(3.0 * track.fit_rms_px, MISFIT_GATE_MAX_PX)
                if len(track) < 4:
                    # Until a quadratic fits, the acceleration is unknown and a
                    # fall's next step can be far off the straight-line guess.
                    g = max(g, 0.4 * self.new_track_gate_px)
                    r = max(r, 0.4 * self.new_track_gate_px)
                gate[ti], reach[ti] = g, r
            dy = cand_xy[None, :, 1] - pred[:, None, 1]
            d = np.hypot(cand_xy[None, :, 0] - pred[:, None, 0], dy)
            # A swinging object may be where its latest sightings point sideways instead.
            d_swing = np.hypot(cand_xy[None, :, 0] - swing[:, None], dy)
            d = np.fmin(d, d_swing)
            ok = d <= gate[:, None]
            ok[single] &= starts[None, :]  # a weak blob may only extend a track that already moves
            ti_idx, ci_idx = np.nonzero(ok)
            # Longer tracks win ties: they are the better-established hypothesis. Nearness
            # counts against the reach of each track's motion, not its misfit: a track
            # wandering in clutter must not win an object from the track that fits it.
            lengths = np.array([min(len(t), 20) for t in self.tracks])
            keys = d[ti_idx, ci_idx] / reach[ti_idx] / (1.0 + 0.1 * lengths[ti_idx])
            taken_tracks: set[int] = set()
            for k in np.argsort(keys, kind="stable"):
                ti, ci = int(ti_idx[k]), int(ci_idx[k])
                if ti in taken_tracks or used[ci]:
                    continue
                taken_tracks.add(ti)
                used[ci] = True
                track = self.tracks[ti]
                track.add(t_s, candidates[ci])
                if t_s - track.t_s[0] > HISTORY_S:
                    track.forget_before(t_s - HISTORY_S)
                updated.append(track)

        alive: list[Track] = []
        updated_ids = {id(t) for t in updated}
        for track in self.tracks:
            if id(track) not in updated_ids:
                track.missed += 1
                limit = self.tentative_gap if len(track) < 3 else self.max_gap
                if track.missed > limit:
                    if len(track) >= STITCH_MIN_POINTS:
                        self._dormant.append(track)
                    continue
            alive.append(track)
        ended = self._expire_dormant(t_s)
        for ci in np.nonzero(~used)[0]:
            if not candidates[ci].may_start_track:
                continue
            if len(alive) >= self.max_tracks:
                break
            track = Track(track_id=next(self._ids))
            self.started += 1
            track.add(t_s, candidates[ci])
            alive.append(track)
            updated.append(track)
        self.tracks = alive
        for track in updated:
            if len(track) == STITCH_MIN_POINTS - 1 and track in self.tracks:
                self._stitch(track)
        return updated, ended

    def _expire_dormant(self, t_s: float) -> list[Track]:
        """Take out the dormant tracks too old to be stitched; they have ended."""
        ended = [t for t in self._dormant if t_s - t.t_s[-1] > self.stitch_window_s]
        self._dormant = [t for t in self._dormant if t_s - t.t_s[-1] <= self.stitch_window_s]
        return ended

    def _stitch(self, track: Track) -> None:
        """Join a young track to a dormant one whose motion leads right into it.

        A small object against a background of similar brightness, or erased by
        the camera's compression, can vanish for longer than ``max_gap``; when its
        old track's extrapolation meets the new sightings, they are one object.
        """
        best: tuple[float, Track] | None = None
        new_t = np.asarray(track.t_s)
        new_xy = np.column_stack([track.x_px, track.y_px])
        # Lost tracks, and tracks still waiting out their gap: the new one may have
        # taken their object over after a jump their gate could not follow.
        waiting = [t for t in self.tracks if t is not track and t.missed >= 2 and len(t) >= STITCH_MIN_POINTS]
        for old in self._dormant + waiting:
            gap_s = track.t_s[0] - old.t_s[-1]
            if gap_s <= 0:
                continue
            _, vel = old.predict(old.t_s[-1])
            if vel[1] < 0:
                # Climbing when lost: a bird or clutter. Stitching serves a falling object
                # that vanished for a while, and a fall goes on down.
                continue
            pred = np.array([old.predict(t)[0] for t in new_t])
            gate = 2 * self.gate_px + self.gate_speed_share * float(np.hypot(*vel)) * gap_s + 3 * old.fit_rms_px
            err = float(np.max(np.hypot(*(pred - new_xy).T)))
            if err <= gate and (best is None or err / gate < best[0]):
                best = (err / gate, old)
        if best is None:
            return
        old = best[1]
        if old in self._dormant:
            self._dormant.remove(old)
        else:
            self.tracks.remove(old)
        track.prepend(old)
