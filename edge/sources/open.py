"""``open_source``: one entry point for files, network streams and USB devices."""

from __future__ import annotations

import re
from pathlib import Path

from edge.sources.backoff import Backoff
from edge.sources.base import Decoder, FrameSource
from edge.sources.errors import SourceError
from edge.sources.live import LiveSource
from edge.sources.url import STREAM_SCHEMES, redact_url, url_scheme

_DEVICE_PATH = re.compile(r"^/dev/video\d+$")


def open_source(
    source: str | int | Path,
    *,
    loop: bool = False,
    realtime: bool = False,
    open_timeout_s: float = 10.0,
    stall_timeout_s: float = 5.0,
    threads: int = 0,
    backoff: Backoff | None = None,
    queue_frames: int = 8,
) -> FrameSource:
    """Open a camera config's ``source``: a video file path, a stream URL or a device.

    - ``int``, a digit string or ``/dev/videoN``: a USB/V4L2 device (live).
    - ``rtsp://``, ``rtsps://``, ``http(s)://``, ``tcp://``, ``udp://``, ``rtmp://``,
      ``srt://``: a network stream (live), RTSP over TCP.
    - anything else (or ``file://``): a video file; ``loop=True`` replays it and
      ``realtime=True`` delivers its frames no faster than its frame rate (a file
      standing in for a camera); otherwise frames come as fast as they are taken.

    Live sources connect in the background and never raise while iterating; a file
    that cannot be opened raises ``SourceError`` here. ``stall_timeout_s`` is how long
    a live source may go without a frame before it is reconnected.
    """
    if isinstance(source, int) or (isinstance(source, str) and source.isdigit()):
        return _device(int(source), stall_timeout_s, backoff, queue_frames)
    text = str(source)
    if _DEVICE_PATH.match(text):
        return _device(text, stall_timeout_s, backoff, queue_frames)
    scheme = url_scheme(text)
    if scheme == "file":
        text = text.split("://", 1)[1]
    elif scheme in STREAM_SCHEMES:
        if loop:
            raise SourceError(f"{redact_url(text)}: loop applies to video files, not streams")
        from edge.sources.stream import StreamSource

        def opener() -> Decoder:
            return StreamSource(
                text,
                open_timeout_s=open_timeout_s,
                read_timeout_s=stall_timeout_s,
                threads=threads,
            )

        return LiveSource(opener, name=redact_url(text), live=True, backoff=backoff, queue_frames=queue_frames)
    elif scheme is not None:
        raise SourceError(
            f"{redact_url(text)}: unsupported source scheme {scheme!r}; use a file path, a device "
            f"index or one of {', '.join(sorted(STREAM_SCHEMES))}"
        )
    from edge.sources.video_file import VideoFileSource

    path = Path(text).expanduser()

    def open_file() -> Decoder:
        return VideoFileSource(path, threads=threads)

    return LiveSource(open_file, name=path.name, live=False, loop=loop, realtime=realtime, queue_frames=queue_frames)


def _device(device: int | str, stall_timeout_s: float, backoff: Backoff | None, queue_frames: int) -> LiveSource:
    from edge.sources.device import DeviceSource

    def opener() -> Decoder:
        return DeviceSource(device, stall_timeout_s=stall_timeout_s)

    return LiveSource(opener, name=f"video device {device}", live=True, backoff=backoff, queue_frames=queue_frames)
