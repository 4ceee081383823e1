"""The FastAPI application factory: routers, middleware, error pages and static files."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from fallwatch import __version__
from server.api import cameras, configs, events, export, health, metrics, stream, users
from server.api.deps import Forbidden, LoginRequired
from server.api.metrics import make_registry
from server.api.middleware import GuardMiddleware
from server.context import ServerContext
from server.web import calibrate, login, pages
from server.web.templates import STATIC_DIR, render


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith(("/api/", "/metrics", "/healthz", "/readyz"))


def create_app(ctx: ServerContext) -> FastAPI:
    app = FastAPI(title="fallwatch server", version=__version__, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.ctx = ctx
    app.state.registry = make_registry(ctx)
    app.add_middleware(GuardMiddleware)
    # The stream route must precede /api/events/{event_id}.
    for module in (stream, events, export, cameras, configs, users, health, metrics, login, pages, calibrate):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _exc: LoginRequired) -> Response:
        if _wants_html(request) and request.method == "GET":
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        return JSONResponse({"detail": "login required"}, status_code=401)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, _exc: Forbidden) -> Response:
        if _wants_html(request):
            return render("error.html", 403, user=request.state.user, message="Your role may not open this page.")
        return JSONResponse({"detail": "your role may not use this"}, status_code=403)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _wants_html(request) and request.method == "GET" and exc.status_code in (404, 409, 422):
            user = getattr(request.state, "user", None)
            return render("error.html", exc.status_code, user=user, message=str(exc.detail))
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg", "")} for e in exc.errors()
        ]
        if _wants_html(request) and request.method == "GET":
            user = getattr(request.state, "user", None)
            text = "; ".join(f"{p['where']}: {p['problem']}" for p in problems)
            return render("error.html", 422, user=user, message=f"Invalid request: {text}")
        return JSONResponse({"detail": problems}, status_code=422)

    return app
