"""Network streams (RTSP, HTTP(S), MPEG-TS over TCP/UDP) decoded with PyAV."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator

import av

from edge.sources.clock import StreamClock
from edge.sources.errors import SourceError, SourceStalled
from edge.sources.frame import Frame
from edge.sources.url import redact_url, url_scheme
from edge.sources.video_file import first_video_stream, luma_of

log = logging.getLogger(__name__)


def stream_options(url: str) -> dict[str, str]:
    """FFmpeg input options for a stream URL."""
    options = {
        # FFmpeg's default probing waits up to 5 s of a low-bitrate camera before the
        # first frame, which would add 5 s to every reconnect.
        "analyzeduration": "1000000",
        "probesize": "1000000",
    }
    if url_scheme(url) in ("rtsp", "rtsps"):
        # UDP RTP loses packets on busy links and smears whole frames; TCP interleaving
        # costs a little latency and no pictures.
        options["rtsp_transport"] = "tcp"
    return options


class StreamSource:
    """One connection to a live stream; ends when the sender closes it.

    ``t_s`` comes from the stream's timestamps through a ``StreamClock``. A read that
    gets no data for ``read_timeout_s``, or data without a decodable picture for as
    long, raises ``SourceStalled``; any other failure raises ``SourceError``. Error
    messages never contain the URL's password.
    """

    def __init__(
        self,
        url: str,
        *,
        open_timeout_s: float = 10.0,
        read_timeout_s: float = 5.0,
        threads: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.name = redact_url(url)
        self.read_timeout_s = read_timeout_s
        self._clock = clock
        try:
            self._container = av.open(url, options=stream_options(url), timeout=(open_timeout_s, read_timeout_s))
        except (av.error.FFmpegError, OSError) as exc:
            raise SourceError(f"{self.name}: cannot open stream: {self._redact(exc)}") from None
        self._stream, self.fps, self.width, self.height = first_video_stream(
            self._container, threads, f"{self.name}: stream has no video"
        )
        self.decode_errors = 0
        self._closed = False

    def _redact(self, exc: BaseException) -> str:
        return str(exc).replace(self.url, self.name)

    def __iter__(self) -> Iterator[Frame]:
        stream_clock = StreamClock(self.fps, clock=self._clock)
        index = 0
        last_frame_wall_s = self._clock()
        try:
            for packet in self._container.demux(self._stream):
                try:
                    decoded = packet.decode()
                except av.error.FFmpegError as exc:
                    self.decode_errors += 1
                    log.debug("%s: skipped a corrupt packet: %s", self.name, exc)
                    decoded = []
                if not decoded and self._clock() - last_frame_wall_s > self.read_timeout_s:
                    # Data keeps coming but nothing decodes (garbage, or a codec we lost).
                    raise SourceStalled(f"{self.name}: data but no decodable picture for {self.read_timeout_s:.1f} s")
                for av_frame in decoded:
                    t_s = stream_clock.t_s(av_frame.time)
                    yield Frame(index=index, t_s=t_s, gray=luma_of(av_frame), _av_frame=av_frame)
                    index += 1
                    last_frame_wall_s = self._clock()
        except (av.error.ExitError, TimeoutError):
            # PyAV's interrupt callback aborts a read that waited past read_timeout_s.
            raise SourceStalled(f"{self.name}: no data for {self.read_timeout_s:.1f} s") from None
        except (av.error.FFmpegError, OSError) as exc:
            raise SourceError(f"{self.name}: stream broke: {self._redact(exc)}") from None

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._container.close()
