"""A frame source that outlives its input: reconnects live streams, loops files."""

from __future__ import annotations

import dataclasses
import logging
import math
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from edge.sources.backoff import Backoff
from edge.sources.base import Decoder
from edge.sources.errors import SourceError, SourceStalled
from edge.sources.frame import Frame
from edge.sources.stats import SourceStats

log = logging.getLogger(__name__)

# How often a waiting consumer or a blocked reader looks at the closed flag.
_POLL_S = 0.1


@dataclass(frozen=True)
class _End:
    """Queue sentinel: the source finished (a file), possibly because of ``error``."""

    error: SourceError | None = None


class LiveSource:
    """Frames from a ``Decoder`` factory, read by a background thread.

    Live (``live=True``: RTSP, HTTP, devices): a decoder that stalls, breaks or ends is
    closed and reopened after an exponential backoff with jitter, forever; iteration
    never raises and ends only after ``close()`` (which may be called from another
    thread). Frames the consumer is too slow to take are dropped, oldest first, so
    detection always sees the present; drops are counted. ``t_s`` continues across
    reconnects on the wall clock, so an outage shows up as a gap in time.

    File (``live=False``): the first open happens in the constructor and raises
    ``SourceError`` for a bad file. Frames are never dropped (the reader waits for the
    consumer). With ``loop=True`` the file replays forever with ``index`` and ``t_s``
    continuing (one frame interval after the last frame); otherwise iteration ends at
    the end of the file.

    Call ``close()`` (or use ``with``) when done: a consumer that stops iterating
    early would otherwise leave the reader thread waiting with the input open.
    """

    def __init__(
        self,
        opener: Callable[[], Decoder],
        *,
        name: str,
        live: bool,
        loop: bool = False,
        realtime: bool = False,
        backoff: Backoff | None = None,
        queue_frames: int = 8,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if live and (loop or realtime):
            raise ValueError("loop and realtime apply to files, not live sources")
        self.name = name
        self.live = live
        self.loop = loop
        self.realtime = realtime
        self._opener = opener
        self._backoff = backoff or Backoff()
        self._clock = clock
        self._stats = SourceStats()
        self._queue: queue.Queue[Frame | _End] = queue.Queue(maxsize=max(1, queue_frames))
        self._closed = threading.Event()
        self._ready = threading.Event()
        self._fps: float | None = None
        self._size_px: tuple[int, int] | None = None
        self._next_index = 0
        self._last_t_s = -math.inf
        self._wall0_s: float | None = None
        first = None if live else self._open_first()
        self._thread = threading.Thread(target=self._run, args=(first,), name=f"source {name}", daemon=True)
        self._thread.start()

    # -- consumer side -------------------------------------------------------------

    @property
    def fps(self) -> float | None:
        """Nominal frame rate of the current input; None until the first connection."""
        return self._fps

    @property
    def size_px(self) -> tuple[int, int] | None:
        """(width, height) of the current input; None until the first connection."""
        return self._size_px

    @property
    def stats(self) -> SourceStats:
        """The live counters (updated as frames flow); ``.snapshot()`` for a fixed copy."""
        return self._stats

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def wait_ready(self, timeout_s: float) -> bool:
        """Wait until the input has been opened once (fps and size known)."""
        return self._ready.wait(timeout_s)

    def __iter__(self) -> Iterator[Frame]:
        while True:
            try:
                item = self._queue.get(timeout=_POLL_S)
            except queue.Empty:
                if self._closed.is_set():
                    return
                continue
            if isinstance(item, _End):
                if item.error is not None:
                    raise item.error
                return
            if self._closed.is_set():
                return
            yield item

    def close(self, join_timeout_s: float = 5.0) -> None:
        """Stop reading; iteration in any thread ends at its next wait."""
        self._closed.set()
        self._drain()
        if self._thread is not threading.current_thread():
            self._thread.join(join_timeout_s)

    def __enter__(self) -> LiveSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reader thread ---------------------------------------------------------------

    def _open_first(self) -> Decoder:
        try:
            decoder = self._opener()
        except SourceError as exc:
            self._stats.connect_failures += 1
            self._stats.last_error = str(exc)
            raise
        self._on_connected(decoder)
        return decoder

    def _on_connected(self, decoder: Decoder) -> None:
        if self._stats.connections > 0 and self.live:
            self._stats.reconnects += 1
        self._stats.connections += 1
        self._stats.connected = True
        self._fps = decoder.fps
        self._size_px = (decoder.width, decoder.height)
        self._ready.set()

    def _run(self, decoder: Decoder | None) -> None:
        """Reader thread: supervise ``_read`` so that not even a bug in it ends a live source."""
        while True:
            try:
                self._read(decoder)
                return
            except Exception as exc:
                log.exception("%s: reader failed", self.name)
                self._stats.last_error = f"{self.name}: reader failed: {exc}"
                if not self.live:
                    self._finish(SourceError(self._stats.last_error))
                    return
            decoder = None
            if self._closed.wait(self._backoff.max_s):
                return

    def _read(self, decoder: Decoder | None) -> None:
        attempt = 0
        while not self._closed.is_set():
            if decoder is None:
                try:
                    decoder = self._opener()
                except Exception as exc:  # OpenCV and FFmpeg raise more than SourceError
                    error = exc if isinstance(exc, SourceError) else SourceError(f"{self.name}: {exc}")
                    self._stats.connect_failures += 1
                    self._stats.last_error = str(error)
                    if not self.live:
                        self._finish(error)
                        return
                    log.warning("%s; retrying", error)
                    self._closed.wait(self._backoff.delay_s(attempt))
                    attempt += 1
                    continue
                self._on_connected(decoder)
                if self.live and self._stats.reconnects:
                    log.info("%s: reconnected (%d reconnects)", self.name, self._stats.reconnects)
            got_frames, failure = self._pump(decoder)
            decoder = None
            if got_frames:
                attempt = 0
            if not self.live:
                if failure is not None or not (self.loop and got_frames):
                    self._finish(failure)
                    return
                self._stats.loops += 1
                continue
            if not self._closed.is_set():
                self._closed.wait(self._backoff.delay_s(attempt))
                attempt += 1

    def _pump(self, decoder: Decoder) -> tuple[bool, SourceError | None]:
        """Move one decoder's frames into the queue.

        Returns whether any frame came out and, for a file, the error that ended it.
        """
        errors_before = self._stats.decode_errors
        got_frames = False
        offset_s: float | None = None
        try:
            for frame in decoder:
                if self._closed.is_set():
                    break
                if offset_s is None:
                    offset_s = self._offset_for(frame.t_s)
                t_s = frame.t_s + offset_s
                if t_s <= self._last_t_s:  # the input's clock went backwards
                    t_s = self._last_t_s + 1.0 / (decoder.fps or 25.0)
                self._last_t_s = t_s
                if self.realtime and self._wall0_s is not None:
                    # A file standing in for a camera: no frame before its time.
                    self._closed.wait(max(0.0, self._wall0_s + t_s - self._clock()))
                self._put(dataclasses.replace(frame, index=self._next_index, t_s=t_s))
                self._next_index += 1
                got_frames = True
                self._stats.decode_errors = errors_before + decoder.decode_errors
            else:
                if self.live and not self._closed.is_set():
                    self._stats.stream_errors += 1
                    self._stats.last_error = f"{self.name}: stream ended"
                    log.warning("%s: stream ended; reconnecting", self.name)
        except SourceStalled as exc:
            self._stats.stalls += 1
            self._stats.last_error = str(exc)
            log.warning("%s; reconnecting", exc)
        except Exception as exc:  # a live camera must survive anything its decoder throws
            self._stats.stream_errors += 1
            self._stats.last_error = str(exc)
            if not self.live:
                failure = exc if isinstance(exc, SourceError) else SourceError(f"{self.name}: {exc}")
                return got_frames, failure
            log.warning("%s: %s; reconnecting", self.name, exc, exc_info=not isinstance(exc, SourceError))
        finally:
            self._stats.decode_errors = errors_before + decoder.decode_errors
            self._stats.connected = False
            try:
                decoder.close()
            except Exception as exc:  # closing a broken connection may fail too; it is gone anyway
                log.debug("%s: close failed: %s", self.name, exc)
        return got_frames, None

    def _offset_for(self, first_t_s: float) -> float:
        """Shift that makes this decoder's first frame continue the timeline."""
        if self._last_t_s == -math.inf:
            self._wall0_s = self._clock()
            return -first_t_s
        if self.live and self._wall0_s is not None:
            # Reconnected: place the first frame at the wall-clock time since the start.
            target_s = max(self._clock() - self._wall0_s, self._last_t_s + 1e-3)
        else:
            target_s = self._last_t_s + 1.0 / (self._fps or 25.0)
        return target_s - first_t_s

    def _put(self, frame: Frame) -> None:
        self._stats.frames += 1
        while not self._closed.is_set():
            try:
                if self.live:
                    # Never wait: a live sender does not wait for us either.
                    self._queue.put_nowait(frame)
                else:
                    self._queue.put(frame, timeout=_POLL_S)
                return
            except queue.Full:
                if self.live:
                    self._drop_oldest()

    def _drop_oldest(self) -> None:
        try:
            self._queue.get_nowait()
            self._stats.dropped_frames += 1
        except queue.Empty:
            pass

    def _finish(self, error: SourceError | None) -> None:
        while not self._closed.is_set():
            try:
                self._queue.put(_End(error), timeout=_POLL_S)
                return
            except queue.Full:
                continue

    def _drain(self) -> None:
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return
