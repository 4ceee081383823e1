"""Request dependencies: the server context, the logged-in user and role checks."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from server.auth import sessions
from server.auth.sessions import LoggedIn
from server.context import ServerContext


class LoginRequired(Exception):
    """No valid session: pages redirect to /login, the API answers 401."""


class Forbidden(Exception):
    """Logged in, but the role may not use this route (403)."""


def ctx_of(request: Request) -> ServerContext:
    return request.app.state.ctx  # type: ignore[no-any-return]


def _lookup(ctx: ServerContext, token: str | None) -> LoggedIn | None:
    with ctx.db.session() as s:
        return sessions.lookup(s, token, ctx.clock())


async def optional_user(request: Request) -> LoggedIn | None:
    if "user" not in request.state._state:
        token = request.cookies.get(sessions.COOKIE_NAME)
        request.state.user = await run_in_threadpool(_lookup, ctx_of(request), token) if token else None
    return request.state.user  # type: ignore[no-any-return]


def require(roles: frozenset[str]) -> Callable[[Request], object]:
    """A dependency that admits only logged-in users whose role is in ``roles``."""

    async def dependency(request: Request) -> LoggedIn:
        user = await optional_user(request)
        if user is None:
            raise LoginRequired()
        if user.role not in roles:
            raise Forbidden()
        return user

    return dependency


async def monitoring_access(request: Request) -> None:
    """Health and metrics: open to the monitoring networks, else installers and admins."""
    from server.auth.roles import OPERATIONS

    ctx = ctx_of(request)
    if ctx.monitoring.allows(request.client.host if request.client else None):
        return
    await require(OPERATIONS)(request)
