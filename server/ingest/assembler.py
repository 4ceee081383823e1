"""Chunk reassembly on disk, resumable across server restarts.

A file in transfer lives at ``work_dir/partial/<edge>/<event_id>/<kind>__<name>``;
its length is how many bytes the server holds, because chunks are only appended in
order and fsynced before they are acknowledged. A torn tail after a power loss is
caught by the SHA-256 check when the file completes. Once the store has the file, a
marker in ``work_dir/done/`` makes later copies of its chunks cheap duplicates.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path


class Assembler:
    def __init__(self, work_dir: Path) -> None:
        self.partial_dir = work_dir / "partial"
        self.done_dir = work_dir / "done"
        self.partial_dir.mkdir(parents=True, exist_ok=True)
        self.done_dir.mkdir(parents=True, exist_ok=True)

    def _rel(self, edge: str, event_id: str, kind: str, name: str) -> Path:
        # Every part was validated against a safe alphabet by the decoder.
        return Path(edge) / event_id / f"{kind}__{name}"

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
        with contextlib.suppress(OSError):  # other files of the event are still arriving
            path.parent.rmdir()

    def have(self, path: Path) -> int:
        try:
            return path.stat().st_size
        except FileNotFoundError:
            return 0

    def write(self, path: Path, offset: int, data: bytes | memoryview) -> int:
        """Write a chunk that starts at or before the current end; return the new length.

        The caller checked ``offset <= have``. Bytes already held are skipped, so a
        duplicated chunk changes nothing.
        """
        have = self.have(path)
        skip = have - offset
        if skip >= len(data):
            return have
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "ab") as f:
            f.write(memoryview(data)[skip:])
            f.flush()
            os.fsync(f.fileno())
        if have == 0:  # a new name must survive power loss too, not only its bytes
            fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        return have + len(data) - skip

    @staticmethod
    def sha256_of(path: Path) -> str:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        return h.hexdigest()

    def discard(self, path: Path) -> None:
        path.unlink(missing_ok=True)
