"""Recognise stream URLs and keep their credentials out of logs."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

# Schemes that PyAV/FFmpeg opens as a network stream: RTSP cameras, HTTP(S) MJPEG or
# HLS, and raw MPEG-TS over TCP/UDP/SRT (encoders, test servers).
STREAM_SCHEMES = frozenset({"rtsp", "rtsps", "http", "https", "tcp", "udp", "rtmp", "rtmps", "srt"})


def url_scheme(source: str) -> str | None:
    """The lower-case scheme of a ``scheme://`` source, or None for a plain path."""
    if "://" not in source:
        return None
    return source.split("://", 1)[0].lower()


def redact_url(url: str) -> str:
    """The URL with any password replaced by ``***`` (RTSP URLs often carry one)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable url>"
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    netloc = f"{parts.username}:***@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
