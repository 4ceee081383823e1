"""Match detected events to ground-truth throws (pure functions, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

MATCH_DISTANCE_PX = 25.0
MATCH_TIME_S = 0.6


@dataclass(frozen=True)
class Match:
    throw: dict[str, Any]
    event: dict[str, Any] | None  # None: the throw was missed


def _distance_along(event: dict[str, Any], throw: dict[str, Any]) -> float:
    """Median px distance between the event's trajectory and the throw's at shared times."""
    gt = np.asarray(throw["trajectory"], dtype=np.float64)
    ev = np.asarray(event["trajectory"], dtype=np.float64)
    if len(gt) == 0 or len(ev) == 0:
        return float("inf")
    inside = (ev[:, 0] >= gt[0, 0] - 1e-6) & (ev[:, 0] <= gt[-1, 0] + 1e-6)
    if not inside.any():
        return float("inf")
    ev = ev[inside]
    gx = np.interp(ev[:, 0], gt[:, 0], gt[:, 1])
    gy = np.interp(ev[:, 0], gt[:, 0], gt[:, 2])
    return float(np.median(np.hypot(ev[:, 1] - gx, ev[:, 2] - gy)))


def match_events(
    throws: list[dict[str, Any]], events: list[dict[str, Any]]
) -> tuple[list[Match], list[dict[str, Any]]]:
    """Greedy one-to-one matching; returns (one Match per throw, unmatched events)."""
    pairs: list[tuple[float, int, int]] = []
    for ti, throw in enumerate(throws):
        for ei, event in enumerate(events):
            if event["t_start"] > throw["t_end"] + MATCH_TIME_S:
                continue
            if event["t_end"] < throw["t_release"] - MATCH_TIME_S:
                continue
            d = _distance_along(event, throw)
            if d <= MATCH_DISTANCE_PX + 2.0 * float(throw.get("size_px", 0.0)):
                pairs.append((d, ti, ei))
    pairs.sort()
    throw_to_event: dict[int, int] = {}
    used_events: set[int] = set()
    for _, ti, ei in pairs:
        if ti in throw_to_event or ei in used_events:
            continue
        throw_to_event[ti] = ei
        used_events.add(ei)
    matches = [Match(t, events[throw_to_event[i]] if i in throw_to_event else None) for i, t in enumerate(throws)]
    # A second event on an already-matched throw is a duplicate alarm: count it as false.
    false_alarms = [e for i, e in enumerate(events) if i not in used_events]
    return matches, false_alarms


def size_bucket(size_px: float) -> str:
    if size_px < 2.0:
        return "<2px"
    if size_px < 4.0:
        return "2-4px"
    return ">=4px"
