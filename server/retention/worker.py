"""Runs retention sweeps in a background thread, on a timer or when woken."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from server.clips.store import ClipStore
from server.config import RetentionConfig
from server.db.engine import Database
from server.retention.sweep import sweep

log = logging.getLogger("fallwatch.server.retention")


class RetentionWorker:
    def __init__(
        self, db: Database, clips: ClipStore, cfg: RetentionConfig, clock: Callable[[], float] = time.time
    ) -> None:
        self.db, self.clips, self.cfg, self.clock = db, clips, cfg, clock
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="retention", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """Sweep now (the clip store just refused a file)."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                report = sweep(self.db, self.clips, self.cfg, self.clock())
                if report.events_deleted or report.files_deleted:
                    log.info(
                        "retention: %d events and %d files deleted, %d bytes freed",
                        report.events_deleted, report.files_deleted, report.bytes_freed,
                    )
            except Exception:
                log.exception("retention sweep failed; retrying at the next interval")
            self._wake.wait(self.cfg.sweep_interval_s)
            self._wake.clear()
