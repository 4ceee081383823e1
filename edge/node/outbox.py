"""Outbox: signs evidence manifests and commits everything to the spool before sending.

The alert (event metadata and snapshots) is committed in one transaction with a
manifest over what exists at that moment; when the clip is ready, a final manifest
over the metadata and every file is signed, committed with the clip and as a
``manifest.json`` file of its own, so the server keeps one signed statement that
covers the whole event.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from nacl.signing import SigningKey

from edge.protocol.manifest import FileEntry, build_manifest, canonical_json, sha256_hex, sign_manifest
from edge.protocol.messages import FileKind
from edge.recording.recorder import EvidenceFile
from edge.spool.spool import Spool, SpoolEntry, SpoolError

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"


class Outbox:
    """The recorder's sink. ``on_commit`` runs after every commit (wakes the link)."""

    def __init__(self, spool: Spool, signing_key: SigningKey, on_commit: Callable[[], None]) -> None:
        self.spool = spool
        self.key = signing_key
        self.on_commit = on_commit
        self.commit_failures = 0
        self._sent_files: dict[str, list[FileEntry]] = {}
        self._lock = threading.Lock()

    def _commit(self, event_id: str, entries: list[SpoolEntry]) -> None:
        try:
            self.spool.commit(entries)
        except SpoolError as exc:
            self.commit_failures += 1
            log.error("could not spool evidence of %s: %s", event_id, exc)
            return
        self.on_commit()

    @staticmethod
    def _entries(files: list[EvidenceFile]) -> list[tuple[FileEntry, bytes]]:
        return [(FileEntry(kind, name, len(data), sha256_hex(data)), data) for kind, name, data in files]

    def alert(self, event: dict[str, Any], files: list[EvidenceFile], final: bool) -> None:
        event_id = event["event_id"]
        entries = self._entries(files)
        envelope = sign_manifest(build_manifest(event, [e for e, _ in entries], final=final), self.key)
        if not final:
            with self._lock:
                self._sent_files[event_id] = [e for e, _ in entries]
        self._commit(
            event_id,
            [SpoolEntry(event_id, {"event": event, "envelope": envelope})]
            + [SpoolEntry(event_id, {"envelope": envelope}, e.kind, e.name, d, e.sha256) for e, d in entries],
        )

    def evidence(self, event: dict[str, Any], files: list[EvidenceFile]) -> None:
        event_id = event["event_id"]
        with self._lock:
            earlier = self._sent_files.pop(event_id, [])
        entries = self._entries(files)
        envelope = sign_manifest(build_manifest(event, earlier + [e for e, _ in entries], final=True), self.key)
        manifest_bytes = canonical_json(envelope)
        self._commit(
            event_id,
            [SpoolEntry(event_id, {"envelope": envelope}, e.kind, e.name, d, e.sha256) for e, d in entries]
            + [
                SpoolEntry(
                    event_id, {"envelope": envelope}, FileKind.MANIFEST.value, MANIFEST_NAME,
                    manifest_bytes, sha256_hex(manifest_bytes),
                )
            ],
        )
