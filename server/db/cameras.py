"""Camera status from heartbeats: online, stale or offline by the age of the last one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.config import CameraStatusConfig
from server.db.models import CameraRow


@dataclass(frozen=True)
class CameraStatus:
    """One camera as operations see it; ``heartbeat_age_s`` is None before the first heartbeat.
    ``heartbeat`` holds the edge's stats as sent (keys of edge.node.runner.EdgeNode.heartbeat)."""

    camera_id: str
    status: str
    heartbeat_age_s: float | None
    last_event_at_s: float | None
    heartbeat: dict[str, Any]

    def stat(self, key: str) -> Any:
        return self.heartbeat.get(key)

    def to_dict(self) -> dict[str, Any]:
        hb = self.heartbeat
        return {
            "camera_id": self.camera_id,
            "status": self.status,
            "last_heartbeat_age_s": None if self.heartbeat_age_s is None else round(self.heartbeat_age_s, 1),
            "last_event_at": self.last_event_at_s,
            "fps": hb.get("fps_processed"),
            "frames_dropped": hb.get("frames_dropped"),
            "spool_depth": hb.get("spool_depth"),
            "spool_bytes": hb.get("spool_bytes"),
            "privacy": hb.get("privacy"),
            "model_versions": hb.get("model_versions"),
            "config_version": hb.get("config_version"),
            "software_version": hb.get("software_version"),
            "stream_connected": hb.get("stream_connected"),
            "cpu_load": hb.get("cpu_load"),
            "temperature_c": hb.get("temperature_c"),
        }


def status_for(age_s: float | None, cfg: CameraStatusConfig) -> str:
    if age_s is None or age_s > cfg.offline_after_s:
        return "offline"
    return "online" if age_s <= cfg.stale_after_s else "stale"


def list_cameras(s: Session, now_s: float, cfg: CameraStatusConfig) -> list[CameraStatus]:
    out = []
    for row in s.scalars(select(CameraRow).order_by(CameraRow.camera_id)):
        age = None if row.last_heartbeat_at_s is None else max(0.0, now_s - row.last_heartbeat_at_s)
        out.append(CameraStatus(row.camera_id, status_for(age, cfg), age, row.last_event_at_s, row.heartbeat or {}))
    return out
