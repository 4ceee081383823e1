"""The detection event: DESIGN.md's detection output contract."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Origin:
    """Release point: floor and column (1-based) and its image position in px."""

    floor: int
    column: int
    x: float
    y: float
    facade: str = ""


@dataclass(frozen=True)
class Event:
    """One confirmed throw. Times are seconds from the start of the video or stream."""

    camera_id: str
    t_start: float
    t_end: float
    detected_at: float
    origin: Origin
    trajectory: list[tuple[float, float, float]]  # (t_s, x_px, y_px)
    score: float
    event_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "event_id": self.event_id,
            "camera_id": self.camera_id,
            "t_start": round(self.t_start, 3),
            "t_end": round(self.t_end, 3),
            "detected_at": round(self.detected_at, 3),
            "origin": {
                "floor": self.origin.floor,
                "column": self.origin.column,
                "x": round(self.origin.x, 1),
                "y": round(self.origin.y, 1),
            },
            "trajectory": [[round(t, 3), round(x, 1), round(y, 1)] for t, x, y in self.trajectory],
            "score": round(self.score, 3),
        }
        if self.origin.facade:
            d["origin"]["facade"] = self.origin.facade
        d.update(self.extra)
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(", ", ": "))
