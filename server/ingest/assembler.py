"""Chunk reassembly on disk, resumable across server restarts.

A file in transfer lives at ``work_dir/partial/<edge>/<event_id>+<kind>+<name>``
(flat: a folder per event would cost a directory inode per event, which ext4 is
slow to allocate; ``+`` is outside the parts' alphabet). Its length is how many
bytes the server holds, because chunks are only appended in order. Chunks are
written without an fsync: the edge keeps a file in its spool until the server's
final ``done`` ack, and that ack comes only after the store put the complete file
durably (the clip store hard-links and fsyncs this same inode, so one fsync per
file is all it takes). A chunk ack says "received", so after a power loss the file
may be shorter than acknowledged (the next chunk then gets a ``gap`` nack with the
true length and the edge resumes there) or have a torn tail (caught by the SHA-256
check when the file completes, and the transfer starts over). Once the store has
the file, a marker of the same name in ``work_dir/done/`` makes later copies of its
chunks cheap duplicates.

The complete file's SHA-256 is checked by the store (``put_file`` reads it back
before anything else), not here: one read of the bytes the disk holds, which is
also what catches a torn tail.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path


class Assembler:
    def __init__(self, work_dir: Path) -> None:
        self.partial_dir = work_dir / "partial"
        self.done_dir = work_dir / "done"
        self.partial_dir.mkdir(parents=True, exist_ok=True)
        self.done_dir.mkdir(parents=True, exist_ok=True)
        self._locks: dict[Path, threading.Lock] = {}
        self._locks_lock = threading.Lock()

    def _rel(self, edge: str, event_id: str, kind: str, name: str) -> Path:
        # Every part was validated against a safe alphabet by the decoder.
        return Path(edge) / f"{event_id}+{kind}+{name}"

    def partial_path(self, edge: str, event_id: str, kind: str, name: str) -> Path:
        return self.partial_dir / self._rel(edge, event_id, kind, name)

    def is_done(self, edge: str, event_id: str, kind: str, name: str) -> bool:
        return (self.done_dir / self._rel(edge, event_id, kind, name)).exists()

    def mark_done(self, edge: str, event_id: str, kind: str, name: str) -> None:
        marker = self.done_dir / self._rel(edge, event_id, kind, name)
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
        path = self.partial_path(edge, event_id, kind, name)
        path.unlink(missing_ok=True)
        with self._locks_lock:  # a later copy of a chunk sees the marker first
            self._locks.pop(path, None)

    @contextlib.contextmanager
    def holding(self, path: Path) -> Iterator[None]:
        """Hold the file's lock: an edge that reconnected may have a second thread on it."""
        with self._locks_lock:
            lock = self._locks.setdefault(path, threading.Lock())
        with lock:
            yield

    def have(self, path: Path) -> int:
        try:
            return path.stat().st_size
        except FileNotFoundError:
            return 0

    def write(self, path: Path, offset: int, data: bytes | memoryview) -> int:
        """Append a chunk that starts at or before the current end; return the new length.

        The caller holds the file (``holding``) and checked ``offset <= have``. Bytes
        already held are skipped, so a duplicated chunk changes nothing. Not fsynced:
        see the module's docstring.
        """
        have = self.have(path)
        skip = have - offset
        if skip >= len(data):
            return have
        new = memoryview(data)[skip:]
        if have == 0:
            path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "ab") as f:
            f.write(new)
        return have + len(new)

    @staticmethod
    def sha256_of(path: Path) -> str:
        """SHA-256 (hex) of a file; for manifests, which are checked before they are parsed."""
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        return h.hexdigest()

    def discard(self, path: Path) -> None:
        # The lock stays: the transfer starts over under it.
        path.unlink(missing_ok=True)
