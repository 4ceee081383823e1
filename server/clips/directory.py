"""The default clip store: plain files in a directory, with a byte limit."""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import uuid
from pathlib import Path

from edge.spool.durable import fsync_dir
from server.clips.store import ClipStoreError, ClipStoreFull


class DirectoryClipStore:
    """Files under ``root``; the total size is tracked in memory (scanned once on open).

    A file is first written or moved to a temporary name, fsynced, then renamed and
    the directory fsynced, so a crash leaves either the whole file or none. Folders
    created for it are fsynced into their parents too: a file in a folder whose own
    name was lost is lost as well.
    """

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ClipStoreError(f"cannot create clip store {root}: {exc.strerror or exc}") from None
        self._used = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())

    def path(self, key: str) -> Path:
        parts = Path(key).parts
        if not parts or Path(key).is_absolute() or any(p in ("..", ".") for p in parts):
            raise ClipStoreError(f"invalid clip store key {key!r}")
        return self.root / key

    def _reserve(self, size: int, key: str) -> None:
        with self._lock:
            if self._used + size > self.max_bytes:
                raise ClipStoreFull(
                    f"clip store full: storing {key} ({size} bytes) would exceed the limit of "
                    f"{self.max_bytes} bytes ({self._used} used)"
                )
            self._used += size

    def _make_parents(self, dst: Path) -> list[Path]:
        """Create the folders of ``dst``; return those whose entries are new (to fsync)."""
        new: list[Path] = []
        folder = dst.parent
        while folder != self.root and not folder.is_dir():
            new.append(folder.parent)
            folder = folder.parent
        dst.parent.mkdir(parents=True, exist_ok=True)
        return new

    def _durable_rename(self, tmp: Path, dst: Path, new_parents: list[Path]) -> None:
        os.replace(tmp, dst)
        fsync_dir(dst.parent)
        for folder in new_parents:
            fsync_dir(folder)

    def _release(self, size: int) -> None:
        with self._lock:
            self._used -= size

    def put(self, src: Path, key: str) -> int:
        dst = self.path(key)
        size = src.stat().st_size
        old = dst.stat().st_size if dst.exists() else 0
        self._reserve(size - old, key)
        tmp = dst.with_name(f".{dst.name}.{uuid.uuid4().hex}.tmp")
        try:
            new_parents = self._make_parents(dst)
            try:
                os.link(src, tmp)
            except OSError:
                # Another filesystem (or no hard links): copy, then fsync the copy.
                shutil.copyfile(src, tmp)
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            self._durable_rename(tmp, dst, new_parents)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            self._release(size - old)
            raise ClipStoreError(f"cannot store {key}: {exc.strerror or exc}") from None
        src.unlink(missing_ok=True)
        return size

    def put_bytes(self, data: bytes, key: str) -> int:
        dst = self.path(key)
        old = dst.stat().st_size if dst.exists() else 0
        self._reserve(len(data) - old, key)
        tmp = dst.with_name(f".{dst.name}.{uuid.uuid4().hex}.tmp")
        try:
            new_parents = self._make_parents(dst)
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            self._durable_rename(tmp, dst, new_parents)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            self._release(len(data) - old)
            raise ClipStoreError(f"cannot store {key}: {exc.strerror or exc}") from None
        return len(data)

    def delete(self, key: str) -> int:
        p = self.path(key)
        try:
            size = p.stat().st_size
            p.unlink()
        except FileNotFoundError:
            return 0
        self._release(size)
        # Drop the per-event folder once it is empty; keep the store root.
        parent = p.parent
        while parent != self.root:
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent
        return size

    def used_bytes(self) -> int:
        with self._lock:
            return self._used

    def disk_free_bytes(self) -> int:
        return shutil.disk_usage(self.root).free

    def probe_writable(self) -> None:
        probe = self.root / f".probe-{uuid.uuid4().hex}"
        try:
            with open(probe, "wb") as fh:
                fh.write(b"ok")
                fh.flush()
                os.fsync(fh.fileno())
            probe.unlink()
        except OSError as exc:
            with contextlib.suppress(OSError):
                probe.unlink(missing_ok=True)
            raise ClipStoreError(f"clip store {self.root} is not writable: {exc.strerror or exc}") from None
