"""Recognise stream URLs and keep their credentials out of logs."""

from __future__ import annotations

from edge.config.source_mask import mask_source

# Schemes that PyAV/FFmpeg opens as a network stream: RTSP cameras, HTTP(S) MJPEG or
# HLS, and raw MPEG-TS over TCP/UDP/SRT (encoders, test servers).
STREAM_SCHEMES = frozenset({"rtsp", "rtsps", "http", "https", "tcp", "udp", "rtmp", "rtmps", "srt"})


def url_scheme(source: str) -> str | None:
    """The lower-case scheme of a ``scheme://`` source, or None for a plain path."""
    if "://" not in source:
        return None
    return source.split("://", 1)[0].lower()


def redact_url(url: str) -> str:
    """The URL as logs may show it: every credential replaced by ``***`` by the same
    rule the installer pages use (``edge.config.source_mask``)."""
    return str(mask_source(url))
