"""Thread-safe ingest counters (monotonic totals, Prometheus style names)."""

from __future__ import annotations

import threading
from collections import Counter

COUNTER_NAMES = (
    "events_ingested_total",
    "events_duplicate_total",
    "files_ingested_total",
    "files_duplicate_total",
    "chunks_received_total",
    "bytes_received_total",
    "heartbeats_total",
    "store_errors_total",
    "storage_full_total",
    "rejected_malformed_total",
    "rejected_oversized_total",
    "rejected_version_total",
    "rejected_unknown_type_total",
    "rejected_unsigned_total",
    "rejected_tampered_total",
    "rejected_checksum_total",
    "rejected_store_refused_total",
    "rejected_unknown_key_total",
    "rejected_handshake_total",
    "connections_closed_total",
    "internal_errors_total",
)


class Counters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._c: Counter[str] = Counter(dict.fromkeys(COUNTER_NAMES, 0))

    def add(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._c[name] += n

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._c)
