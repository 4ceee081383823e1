"""Credentials in a camera ``source``, masked for pages and restored when a config comes back.

An RTSP source usually carries a password (``rtsp://viewer:PASSWORD@10.0.0.7/stream1``).
Pages show it as ``rtsp://viewer:***@10.0.0.7/stream1``. A config the installer saves
with that masked text gets its real source back from a source the server already holds
(the one the edge runs, or the one last saved) whose mask is exactly that text, so the
stored config still equals what the edge runs, byte for byte, and its digest matches.

Masked: the password of the URL's user info (the whole user info when it has no
``user:`` part, since a lone name there is often a token), and the values of query
parameters whose names say they are secret (``password``, ``token``, ``key``, ...).
The user info ends at the last ``@`` before any ``?`` or ``#``: a password with an
unencoded ``/`` in it (which FFmpeg would not parse either) is still masked whole,
never shown in part. File paths and device indices have nothing to mask.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"
_SECRET_PARAM = re.compile(r"pass|pwd|token|secret|key|auth|sig|cred", re.IGNORECASE)
_QUERY_START = re.compile(r"[?#]")
# A URL's scheme and user info inside free text; greedy up to the authority's last "@".
_URL_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^\s?#]*)@")


def mask_source(source: str | int) -> str | int:
    """``source`` with every credential replaced by ``***`` (unchanged when it has none)."""
    return _replace_credentials(source, MASK)


def has_credentials(source: str | int) -> bool:
    """Whether ``source`` holds anything ``mask_source`` masks (masked already or not)."""
    return _replace_credentials(source, MASK) != _replace_credentials(source, "")


def is_masked(source: str | int) -> bool:
    """A source whose credentials are all ``***``: as a page shows it, not runnable."""
    return has_credentials(source) and mask_source(source) == source


def unmask_source(submitted: str | int, known: Iterable[str | int | None]) -> str | int | None:
    """The real source for ``submitted``: itself when it is not masked, else the first
    ``known`` source whose mask is exactly ``submitted``; None when none is."""
    if not is_masked(submitted):
        return submitted
    return next((k for k in known if k is not None and mask_source(k) == submitted), None)


def mask_urls_in_text(text: str) -> str:
    """``text`` (say an error message from an edge) with the user info of every URL in it
    masked as ``mask_source`` masks it."""

    def masked(m: re.Match[str]) -> str:
        user, colon, _password = m["userinfo"].partition(":")
        return f"{m['scheme']}{user}:{MASK}@" if colon else f"{m['scheme']}{MASK}@"

    return _URL_USERINFO.sub(masked, text)


def _replace_credentials(source: str | int, placeholder: str) -> str | int:
    if isinstance(source, int) or "://" not in source:
        return source
    scheme, rest = source.split("://", 1)
    end = _QUERY_START.search(rest)
    before_query, tail = (rest[: end.start()], rest[end.start() :]) if end else (rest, "")
    userinfo, at, host_and_path = before_query.rpartition("@")
    if at:
        user, colon, _password = userinfo.partition(":")
        before_query = f"{user}:{placeholder}@{host_and_path}" if colon else f"{placeholder}@{host_and_path}"
    if tail.startswith("?"):
        query, hash_sign, fragment = tail[1:].partition("#")
        query = "&".join(_replace_param(item, placeholder) for item in query.split("&"))
        tail = f"?{query}{hash_sign}{fragment}"
    return f"{scheme}://{before_query}{tail}"


def _replace_param(item: str, placeholder: str) -> str:
    name, eq, value = item.partition("=")
    return f"{name}={placeholder}" if eq and value and _SECRET_PARAM.search(name) else item
