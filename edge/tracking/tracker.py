"""Multi-object tracker for small, fast, accelerating blobs.

Association is greedy on the distance to each track's prediction, normalised by a
gate that grows with the track's speed and with the frames it went unseen, so a
falling object stays on its track across balconies and canopies (``max_gap``
frames) and at > 30 px per frame.
"""

from __future__ import annotations

import itertools

import numpy as np

from edge.motion.candidate import Candidate
from edge.tracking.track import Track


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
        tentative_gap: int = 2,
        max_tracks: int = 500,
    ) -> None:
        self.max_gap = max_gap
        self.new_track_gate_px = new_track_gate_px
        self.gate_px = gate_px
        self.gate_speed_share = gate_speed_share
        self.tentative_gap = tentative_gap
        self.max_tracks = max_tracks
        self.tracks: list[Track] = []
        self._ids = itertools.count(1)

    def update(self, t_s: float, candidates: list[Candidate], dt_s: float) -> tuple[list[Track], list[Track]]:
        """Advance to frame time ``t_s``; returns (tracks updated this frame, tracks ended)."""
        updated: list[Track] = []
        used = np.zeros(len(candidates), bool)
        if self.tracks and candidates:
            cand_xy = np.array([[c.x_px, c.y_px] for c in candidates])
            pairs: list[tuple[float, int, int]] = []
            for ti, track in enumerate(self.tracks):
                pred, vel = track.predict(t_s)
                if len(track) == 1:
                    gate = self.new_track_gate_px * (1 + track.missed)
                else:
                    step = float(np.hypot(*vel)) * dt_s * (1 + track.missed)
                    gate = self.gate_px * (1 + 0.5 * track.missed) + self.gate_speed_share * step
                    if len(track) < 4:
                        # Until a quadratic fits, the acceleration is unknown and a
                        # fall's next step can be far off the straight-line guess.
                        gate = max(gate, 0.4 * self.new_track_gate_px)
                d = np.hypot(cand_xy[:, 0] - pred[0], cand_xy[:, 1] - pred[1])
                # Longer tracks win ties: they are the better-established hypothesis.
                bonus = 1.0 / (1.0 + 0.1 * min(len(track), 20))
                for ci in np.nonzero(d <= gate)[0]:
                    pairs.append((float(d[ci] / gate) * bonus, ti, int(ci)))
            pairs.sort()
            taken_tracks: set[int] = set()
            for _, ti, ci in pairs:
                if ti in taken_tracks or used[ci]:
                    continue
                taken_tracks.add(ti)
                used[ci] = True
                self.tracks[ti].add(t_s, candidates[ci])
                updated.append(self.tracks[ti])

        ended: list[Track] = []
        alive: list[Track] = []
        updated_ids = {id(t) for t in updated}
        for track in self.tracks:
            if id(track) not in updated_ids:
                track.missed += 1
                limit = self.tentative_gap if len(track) < 3 else self.max_gap
                if track.missed > limit:
                    ended.append(track)
                    continue
            alive.append(track)
        for ci in np.nonzero(~used)[0]:
            if len(alive) >= self.max_tracks:
                break
            track = Track(track_id=next(self._ids))
            track.add(t_s, candidates[ci])
            alive.append(track)
            updated.append(track)
        self.tracks = alive
        return updated, ended
