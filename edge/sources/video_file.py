"""Decode a video file with PyAV, frame timestamps taken from the container."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np

from edge.sources.frame import Frame

log = logging.getLogger(__name__)

CORRUPT_PACKETS_LOGGED = 3  # the first few each get a line; the rest are counted (``decode_errors``)


class SourceError(RuntimeError):
    """A source that cannot be opened or read at all (as opposed to a passing glitch)."""


def ffmpeg_reason(exc: Exception) -> str:
    """FFmpeg's own words for what went wrong, without PyAV's errno and file name."""
    reason = getattr(exc, "strerror", None)
    return str(reason) if reason else str(exc)


def luma_of(av_frame: av.VideoFrame) -> np.ndarray:
    """The Y plane as an H x W uint8 view, without a colour conversion."""
    if av_frame.format.name in ("yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "nv12"):
        plane = av_frame.planes[0]
        rows = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)
        return rows[: av_frame.height, : av_frame.width]
    return av_frame.to_ndarray(format="gray")


def first_video_stream(
    container: av.container.InputContainer, threads: int, no_video_message: str
) -> tuple[av.video.stream.VideoStream, float, int, int]:
    """The container's first video stream, its frame rate (25 when unknown), width and
    height in px; closes the container and raises SourceError when there is none."""
    if not container.streams.video:
        container.close()
        raise SourceError(no_video_message)
    stream = container.streams.video[0]
    if threads:
        stream.codec_context.thread_count = threads
    rate = stream.average_rate or stream.guessed_rate
    return stream, float(rate) if rate else 25.0, int(stream.codec_context.width), int(stream.codec_context.height)


class VideoFileSource:
    """Frames of a video file, once. Corrupt packets are skipped and counted.

    ``threads`` caps the decoder's threads (1 keeps a benchmark on one core).
    """

    def __init__(self, path: str | Path, threads: int = 0) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise SourceError(f"{self.path}: is a folder, not a video file")
        if not self.path.is_file():
            raise SourceError(f"{self.path}: no such video file")
        try:
            self._container = av.open(str(self.path))
        except av.error.FFmpegError as exc:
            raise SourceError(f"{self.path}: cannot open video: {ffmpeg_reason(exc)}") from None
        except OSError as exc:
            raise SourceError(f"{self.path}: cannot open video: {exc.strerror or exc}") from None
        self._stream, self.fps, self.width, self.height = first_video_stream(
            self._container, threads, f"{self.path}: file has no video stream"
        )
        self.decode_errors = 0
        self.packets = 0  # packets with data read so far, corrupt ones included
        # How long the file says it is (None when it does not say): a demuxer that loses
        # its way in a damaged file may simply stop, and only this tells.
        duration = self._stream.duration
        if duration is not None and self._stream.time_base is not None:
            self.declared_s: float | None = float(duration * self._stream.time_base)
        elif self._container.duration is not None:
            self.declared_s = self._container.duration / av.time_base
        else:
            self.declared_s = None

    def __iter__(self) -> Iterator[Frame]:
        index = 0
        t0: float | None = None
        last_t = -1.0
        try:
            for packet in self._container.demux(self._stream):
                self.packets += packet.size > 0  # the last one, empty, only flushes the decoder
                try:
                    decoded = packet.decode()
                except av.error.FFmpegError as exc:
                    self.decode_errors += packet.size > 0
                    if packet.size and self.decode_errors <= CORRUPT_PACKETS_LOGGED:
                        log.warning("%s: skipped a corrupt packet: %s%s", self.path.name, ffmpeg_reason(exc),
                                    " (any further ones are counted, not logged)"
                                    if self.decode_errors == CORRUPT_PACKETS_LOGGED else "")
                    continue
                for av_frame in decoded:
                    t = av_frame.time if av_frame.time is not None else index / self.fps
                    if t0 is None:
                        t0 = t
                    t_s = t - t0
                    if t_s <= last_t:  # broken or missing timestamps: fall back to the frame rate
                        t_s = last_t + 1.0 / self.fps
                    last_t = t_s
                    yield Frame(index=index, t_s=t_s, gray=luma_of(av_frame), _av_frame=av_frame)
                    index += 1
        except av.error.FFmpegError as exc:  # the file itself breaks off (truncated, garbled index)
            raise SourceError(f"{self.path}: cannot read on after frame {index}: {ffmpeg_reason(exc)}") from None
        finally:
            self._container.close()

    def close(self) -> None:
        """Release the file early; iterating to the end releases it too."""
        self._container.close()
