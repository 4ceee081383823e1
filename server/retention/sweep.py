"""One retention pass.

Events older than ``event_days`` are deleted with their files. Then, while the clip
store is above its low-water mark (90 % of the limit, so new evidence always finds
room), the files of the oldest events are deleted and their metadata kept. Confirmed
events are skipped unless ``keep_confirmed`` is off. Every deletion is logged and
written to the audit trail as actor ``system:retention``, which is what the
``fallwatch_retention_deletions`` metric counts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import delete, exists, select

from server.clips.store import ClipStore
from server.config import RetentionConfig
from server.db import audit
from server.db.audit import RETENTION_ACTOR
from server.db.engine import Database
from server.db.models import EventFileRow, EventRow

log = logging.getLogger("fallwatch.server.retention")
LOW_WATER_FRACTION = 0.9
BATCH = 200


@dataclass
class SweepReport:
    events_deleted: int = 0
    files_deleted: int = 0
    bytes_freed: int = 0


def _deletable(keep_confirmed: bool):  # type: ignore[no-untyped-def]
    return EventRow.status != "confirmed" if keep_confirmed else True


def _drop_files(db: Database, clips: ClipStore, event_id: str, report: SweepReport) -> tuple[int, int]:
    with db.session() as s:
        files = list(s.scalars(select(EventFileRow).where(EventFileRow.event_id == event_id)))
    freed = 0
    for f in files:
        freed += clips.delete(f.rel_path)
    report.files_deleted += len(files)
    report.bytes_freed += freed
    return len(files), freed


def sweep(db: Database, clips: ClipStore, cfg: RetentionConfig, now_s: float) -> SweepReport:
    report = SweepReport()
    cutoff_s = now_s - cfg.event_days * 86400.0
    while True:
        with db.session() as s:
            old = list(
                s.scalars(
                    select(EventRow.event_id)
                    .where(EventRow.occurred_at_s < cutoff_s, _deletable(cfg.keep_confirmed))
                    .order_by(EventRow.occurred_at_s, EventRow.id)
                    .limit(BATCH)
                )
            )
        if not old:
            break
        for event_id in old:
            n, freed = _drop_files(db, clips, event_id, report)
            with db.session() as s:
                s.execute(delete(EventFileRow).where(EventFileRow.event_id == event_id))
                s.execute(delete(EventRow).where(EventRow.event_id == event_id))
                detail = f"older than {cfg.event_days:g} days; {n} files, {freed} bytes"
                audit.record(s, now_s, RETENTION_ACTOR, "delete_event", event_id, detail)
                s.commit()
            report.events_deleted += 1
            log.info("retention deleted event %s (%s)", event_id, detail)

    low_water = int(clips.max_bytes * LOW_WATER_FRACTION)
    while clips.used_bytes() > low_water:
        with db.session() as s:
            oldest = list(
                s.scalars(
                    select(EventRow.event_id)
                    .where(
                        _deletable(cfg.keep_confirmed),
                        exists().where(EventFileRow.event_id == EventRow.event_id),
                    )
                    .order_by(EventRow.occurred_at_s, EventRow.id)
                    .limit(BATCH)
                )
            )
        if not oldest:
            log.warning(
                "clip store holds %d bytes over its low-water mark and nothing more may be deleted",
                clips.used_bytes() - low_water,
            )
            break
        for event_id in oldest:
            if clips.used_bytes() <= low_water:
                break
            n, freed = _drop_files(db, clips, event_id, report)
            with db.session() as s:
                s.execute(delete(EventFileRow).where(EventFileRow.event_id == event_id))
                detail = f"clip store above {LOW_WATER_FRACTION:.0%} of its limit; {n} files, {freed} bytes"
                audit.record(s, now_s, RETENTION_ACTOR, "delete_files", event_id, detail)
                s.commit()
            log.info("retention deleted the files of event %s (%s)", event_id, detail)
    return report
