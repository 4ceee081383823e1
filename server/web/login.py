"""Login and logout.

The login form is protected by a double-submit token (cookie + hidden field) since
there is no session yet; failed logins are rate limited per client address and per
name. The session cookie is HttpOnly and SameSite=Strict, and Secure under TLS.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from server.api.deps import ctx_of, optional_user
from server.auth import sessions
from server.auth.passwords import verify_password
from server.auth.roles import Role
from server.context import ServerContext
from server.db import audit
from server.db.users import get_user
from server.web.templates import render

router = APIRouter()
LOGIN_CSRF_COOKIE = "fw_login_csrf"
HOME_OF_ROLE = {Role.GUARD: "/", Role.ADMIN: "/", Role.INSTALLER: "/cameras"}


def safe_next(target: str | None) -> str | None:
    """Only a local path may follow a login (no open redirect to another site)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target and len(target) < 512:
        return target
    return None


def _login_form(request: Request, error: str | None, next_path: str | None, status_code: int = 200) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    resp = render("login.html", status_code, error=error, csrf_token=token, next_path=next_path or "")
    resp.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https", path="/login"
    )
    return resp


@router.get("/login", response_model=None)
async def login_page(request: Request, next: str | None = None) -> Response:
    return _login_form(request, None, safe_next(next))


def _check_login(ctx: ServerContext, name: str, password: str) -> tuple[str, str, str] | None:
    """(token, csrf, role) for valid credentials, else None. Costs one argon2 verify either way."""
    now_s = ctx.clock()
    with ctx.db.session() as s:
        user = get_user(s, name)
        ok = verify_password(user.password_hash if user and not user.disabled else None, password)
        if not ok or user is None:
            audit.record(s, now_s, name[:64], "login_failed")
            s.commit()
            return None
        token, csrf = sessions.create_session(s, user, now_s, ctx.config.auth.session_hours * 3600)
        audit.record(s, now_s, user.name, "login")
        s.commit()
        return token, csrf, user.role


@router.post("/login", response_model=None)
async def login(
    request: Request,
    name: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    csrf_token: Annotated[str, Form(max_length=64)],
    next: Annotated[str, Form(max_length=512)] = "",
) -> Response:
    ctx = ctx_of(request)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not secrets.compare_digest(cookie, csrf_token):
        return _login_form(request, "The form expired; please log in again.", safe_next(next), 403)
    client = request.client.host if request.client else "unknown"
    keys = [f"ip:{client}", f"name:{name.lower()}"]
    wait_s = ctx.limiter.retry_after_s(keys)
    if wait_s > 0:
        resp = _login_form(request, f"Too many failed logins; try again in {int(wait_s) + 1} s.", safe_next(next), 429)
        resp.headers["Retry-After"] = str(int(wait_s) + 1)
        return resp
    result = await run_in_threadpool(_check_login, ctx, name, password)
    if result is None:
        ctx.limiter.failed(keys)
        return _login_form(request, "Wrong name or password.", safe_next(next), 401)
    ctx.limiter.succeeded([f"name:{name.lower()}"])
    token, _csrf, role = result
    resp = RedirectResponse(safe_next(next) or HOME_OF_ROLE[Role(role)], status_code=303)
    resp.set_cookie(
        sessions.COOKIE_NAME,
        token,
        max_age=int(ctx.config.auth.session_hours * 3600),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return resp


@router.post("/logout")
async def logout(request: Request) -> JSONResponse:
    """Reached only with a valid session and CSRF header (checked by the guard middleware)."""
    ctx = ctx_of(request)
    user = await optional_user(request)
    token = request.cookies.get(sessions.COOKIE_NAME, "")

    def revoke() -> None:
        with ctx.db.session() as s:
            sessions.revoke(s, token)
            if user is not None:
                audit.record(s, ctx.clock(), user.name, "logout")
            s.commit()

    await run_in_threadpool(revoke)
    resp = JSONResponse({"logged_out": True})
    resp.delete_cookie(sessions.COOKIE_NAME, path="/")
    return resp
