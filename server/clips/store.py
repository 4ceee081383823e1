"""The clip store interface the database store and the HTTP layer use."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class ClipStoreError(RuntimeError):
    """A file could not be stored or read; the message says which and why."""


class ClipStoreFull(ClipStoreError):
    """Storing the file would exceed the store's size limit; nothing was stored."""


class ClipStore(Protocol):
    """Files addressed by a relative key such as ``ab/abcdef.../clip.mp4``."""

    max_bytes: int

    def put(self, src: Path, key: str) -> int:
        """Move ``src`` under ``key`` durably (fsynced); return its size in bytes.

        Raises ClipStoreFull when the limit would be exceeded (``src`` is kept).
        """

    def put_bytes(self, data: bytes, key: str) -> int:
        """Store ``data`` under ``key`` durably; same limit rule as ``put``."""

    def path(self, key: str) -> Path:
        """The local path of a stored file (it may not exist)."""

    def delete(self, key: str) -> int:
        """Remove a file; return the bytes freed (0 when it was absent)."""

    def used_bytes(self) -> int: ...

    def disk_free_bytes(self) -> int: ...

    def probe_writable(self) -> None:
        """Write, fsync and remove a probe file; raise ClipStoreError when that fails."""
