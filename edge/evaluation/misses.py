"""Why was a throw missed? The track that followed it best, and that track's last verdict.

``fallwatch eval --explain-misses`` records every track the pipeline had while it ran a
scene (``TrackLog``), then for each missed throw finds the track with the most
sightings near the ground-truth path (image px, at the same stream times) and reports
what the physics gate last said about it. The answers sort misses into the stage that
lost them: no track at all (motion), a track that was never judged (too short: the
tracker lost it), or a judged track with its rejection reason (physics).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from edge.physics.trajectory import Verdict
from edge.tracking.track import Track

NEAR_PX = 8.0  # a sighting this close to the true position at its time follows the throw
MIN_NEAR = 3  # fewer near sightings than this: no track followed the throw


@dataclass
class TrackLog:
    """Every track of one run, by id, and the last verdict on each judged one."""

    tracks: dict[int, Track] = field(default_factory=dict)
    verdicts: dict[int, str] = field(default_factory=dict)

    def on_verdict(self, track: Track, verdict: Verdict) -> None:
        self.verdicts[track.track_id] = verdict.reason

    def on_tracks(self, tracks: list[Track]) -> None:
        for track in tracks:
            self.tracks[track.track_id] = track


def explain_miss(throw: dict[str, Any], log: TrackLog, near_px: float = NEAR_PX) -> dict[str, Any]:
    """``why`` the ground-truth ``throw`` (a synth truth entry) was missed, with the best
    track's id, its number of sightings and how many of them lie on the throw's path."""
    path = np.asarray(throw["trajectory"], dtype=np.float64)  # (N, 3): t_s, x_px, y_px
    t0, t1 = path[0, 0], path[-1, 0]
    best: tuple[int, Track] | None = None
    for track in log.tracks.values():
        t = np.asarray(track.t_s)
        on = (t >= t0 - 0.05) & (t <= t1 + 0.05)
        if on.sum() < 2:
            continue
        dx = np.asarray(track.x_px)[on] - np.interp(t[on], path[:, 0], path[:, 1])
        dy = np.asarray(track.y_px)[on] - np.interp(t[on], path[:, 0], path[:, 2])
        near = int(np.count_nonzero(np.hypot(dx, dy) <= near_px))
        if best is None or near > best[0]:
            best = (near, track)
    out: dict[str, Any] = {"throw_frames": len(path), "track_id": None, "track_points": 0, "near_points": 0}
    if best is None or best[0] < MIN_NEAR:
        return {**out, "why": "no track followed it (motion or association lost it)"}
    near, track = best
    reason = log.verdicts.get(track.track_id)
    why = reason if reason is not None else "its track was never judged (too short)"
    return {**out, "track_id": track.track_id, "track_points": len(track), "near_points": near, "why": why}


def reason_counts(explanations: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """Miss reasons with their numbers folded into "N" ("seen in only 41% ..." counts
    with "seen in only 35% ..." as "seen in only N of ..."), most common first."""
    def family(why: str) -> str:
        return " ".join("N" if any(c.isdigit() for c in w) else w for w in why.split())

    return Counter(family(e["why"]) for e in explanations).most_common()
