"""Group commit: one writer thread turns many callers' writes into one transaction.

With SQLite every commit is an fsync of the WAL and only one connection may write at
a time; eight ingest threads each committing on their own mostly wait in SQLite's
busy handler (it sleeps in steps of up to 100 ms). Here the callers queue their
write and block; the writer takes everything queued, runs it in one session, commits
once and then wakes them all. A caller returns only after the commit that holds its
write, so the ingest may still acknowledge right after.

If anything in a batch fails (one write's error, or the commit itself), the batch
is rolled back and every write in it is rerun in a transaction of its own, so one
bad write cannot fail or lose the others, and each caller gets its own outcome.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from server.db.engine import Database

T = TypeVar("T")


@dataclass
class _Job(Generic[T]):
    op: Callable[[Session], T]
    done: threading.Event = field(default_factory=threading.Event)
    result: T | None = None
    error: BaseException | None = None


class GroupCommitter:
    """Runs ``op(session)`` callables in batches of at most ``max_batch`` per commit.

    An op must only read and write through the session it is given (its ORM methods
    or ``session.connection()``) and must not commit or roll back: the committer does. It may be run twice (once in the
    batch, once alone after a rollback), so it must not have side effects outside
    the session.
    """

    def __init__(self, db: Database, max_batch: int = 256) -> None:
        self.db = db
        self.max_batch = max_batch
        self._jobs: queue.SimpleQueue[_Job[Any]] = queue.SimpleQueue()
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.commits = 0
        self.writes = 0

    def run(self, op: Callable[[Session], T]) -> T:
        """Queue ``op``, wait until the transaction holding it is committed, return its result.

        Raises whatever ``op`` or its commit raised (e.g. ``IntegrityError``).
        """
        self._ensure_started()
        job: _Job[T] = _Job(op)
        self._jobs.put(job)
        job.done.wait()
        if job.error is not None:
            raise job.error
        return job.result  # type: ignore[return-value]

    def _ensure_started(self) -> None:
        # Started on first use so that a store which is only read never owns a thread.
        if self._thread is not None:
            return
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="db-group-commit", daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while True:
            batch = [self._jobs.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._jobs.get_nowait())
                except queue.Empty:
                    break
            self._commit(batch)

    def _commit(self, batch: list[_Job[Any]]) -> None:
        if len(batch) > 1:
            try:
                with self.db.session() as s:
                    results = [job.op(s) for job in batch]
                    s.commit()
            except BaseException:
                pass  # rerun one by one below: each caller gets its own outcome
            else:
                self._count(len(batch))
                for job, result in zip(batch, results, strict=True):
                    job.result = result
                    job.done.set()
                return
        for job in batch:
            try:
                with self.db.session() as s:
                    job.result = job.op(s)
                    s.commit()
                self._count(1)
            except BaseException as exc:  # handed to the caller, who decides
                job.error = exc
            finally:
                job.done.set()

    def _count(self, writes: int) -> None:
        self.commits += 1
        self.writes += writes
