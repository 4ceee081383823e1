"""ASGI middleware applied to every request: size limits, CSRF and security headers."""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.auth import sessions

MAX_BODY_BYTES = 64 * 1024
# A calibration image (a full camera frame, server.api.configs) is the one large upload.
MAX_UPLOAD_BYTES = 16 * 1024 * 1024
_UPLOAD_PATH = re.compile(r"^/api/cameras/[^/]+/snapshot$")
MAX_URL_BYTES = 4096
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_HEADER = b"x-csrf-token"
# The login form has no session yet; it carries its own double-submit token.
CSRF_EXEMPT_PATHS = frozenset({"/login"})

SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; "
        b"script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
        b"form-action 'self'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]


async def _reply(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class _BodyTooLarge(Exception):
    pass


class GuardMiddleware:
    """Refuses oversized URLs (414) and bodies (413), and unsafe requests without a
    session (401) or without the session's CSRF token in ``X-CSRF-Token`` (403),
    before any route runs; adds security headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if len(scope.get("raw_path", b"")) + len(scope.get("query_string", b"")) > MAX_URL_BYTES:
            await _reply(send, 414, f"URL longer than {MAX_URL_BYTES} bytes")
            return
        headers = dict(scope["headers"])
        max_body = MAX_UPLOAD_BYTES if _UPLOAD_PATH.match(scope["path"]) else MAX_BODY_BYTES
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > max_body):
            await _reply(send, 413, f"request body larger than {max_body} bytes")
            return
        if scope["method"] in UNSAFE_METHODS and scope["path"] not in CSRF_EXEMPT_PATHS:
            problem = await self._csrf_problem(scope, headers)
            if problem is not None:
                await _reply(send, *problem)
                return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_body:
                    raise _BodyTooLarge()
            return message

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except _BodyTooLarge:
            if not started:
                await _reply(send, 413, f"request body larger than {max_body} bytes")

    async def _csrf_problem(self, scope: Scope, headers: dict[bytes, bytes]) -> tuple[int, str] | None:
        ctx: Any = scope["app"].state.ctx
        token = _cookie(headers.get(b"cookie", b""), sessions.COOKIE_NAME)
        if token is None:
            return 401, "login required"

        def lookup() -> sessions.LoggedIn | None:
            with ctx.db.session() as s:
                return sessions.lookup(s, token, ctx.clock())

        user = await run_in_threadpool(lookup)
        if user is None:
            return 401, "login required"
        sent = headers.get(CSRF_HEADER, b"").decode("latin-1")
        if not sent or not secrets.compare_digest(sent, user.csrf_token):
            return 403, "missing or wrong CSRF token (X-CSRF-Token header)"
        return None


def _cookie(raw: bytes, name: str) -> str | None:
    for part in raw.decode("latin-1").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None
