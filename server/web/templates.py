"""The Jinja2 environment; autoescaping is always on, so notes and ids render as text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from fallwatch import __version__
from server.api.views import local_time

TEMPLATES_DIR = Path(__file__).with_name("templates")
STATIC_DIR = Path(__file__).with_name("static")

env = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


env.filters["localtime"] = local_time


def render(name: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    html = env.get_template(name).render(version=__version__, **values)
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})
