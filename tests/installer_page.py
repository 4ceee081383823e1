"""Driving the installer's calibration page (server/web/templates/calibrate.html) from
Playwright: log in, open a camera, click and drag in image px, fill a facade, save.
Shared by tests/test_installer_browser.py and end-to-end tests that calibrate a camera.

Image px are px of the camera frame (x right, y down); the page maps them to the
screen itself (``window.fallwatchCalibration.canvasPoint``), so these helpers work at
any zoom and for points in the margin outside the image.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np

from edge.synth.render import SceneRenderer
from edge.synth.scene import SceneSpec, make_scene_spec
from edge.synth.truth import camera_config


def scene_frame(
    seed: int, index: int, width: int, height: int, **overrides: object
) -> tuple[SceneSpec, np.ndarray, dict[str, Any]]:
    """A synthesized scene's spec, its first frame (BGR) and its camera config (the ground truth)."""
    spec = make_scene_spec(seed, index, width, height, 3.0, 10.0, **overrides)
    renderer = SceneRenderer(spec)
    bgr = cv2.cvtColor(next(iter(renderer.frames())), cv2.COLOR_YUV2BGR_I420)
    return spec, bgr, camera_config(spec, f"{spec.scene_id}.mp4", renderer.backdrop)


def login(page: Any, base: str, name: str, password: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")


def open_camera(page: Any, base: str, camera_id: str, image: Path | None) -> None:
    """From the cameras page: add (or pick) the camera, then upload ``image`` or, when
    it is None, fetch a fresh frame from the camera's edge; wait for the canvas."""
    page.goto(base + "/cameras")
    page.fill("#add-camera-id", camera_id)
    with page.expect_navigation():
        page.click("#add-camera")
    assert page.url == f"{base}/calibrate/{camera_id}"
    page.wait_for_selector("#history tbody tr")
    if image is None:
        page.click("#snapshot-fetch")
    else:
        page.set_input_files("#snapshot-upload", str(image))
    page.wait_for_selector("#stage-canvas[data-ready=true]", timeout=20_000)


def click_image(page: Any, x: float, y: float) -> None:
    """A click at image px (x, y)."""
    cx, cy = page.evaluate("([x, y]) => window.fallwatchCalibration.canvasPoint(x, y)", [x, y])
    page.mouse.click(cx, cy)


def drag_image(page: Any, start: tuple[float, float], end: tuple[float, float]) -> None:
    """Press at image px ``start``, move to ``end`` and release (drags a point there)."""
    sx, sy = page.evaluate("([x, y]) => window.fallwatchCalibration.canvasPoint(x, y)", list(start))
    ex, ey = page.evaluate("([x, y]) => window.fallwatchCalibration.canvasPoint(x, y)", list(end))
    page.mouse.move(sx, sy)
    page.mouse.down()
    page.mouse.move((sx + ex) / 2, (sy + ey) / 2, steps=3)
    page.mouse.move(ex, ey, steps=3)
    page.mouse.up()


def fill_facade(page: Any, facade: dict[str, Any]) -> None:
    """The selected facade's fields from a facade of a camera config (YAML keys)."""
    page.fill("#facade-name", facade["name"])
    page.fill("#facade-floors", str(facade["floors"]))
    page.fill("#facade-columns", str(facade["columns"]))
    page.fill("#facade-floor-height", str(facade["floor_height_m"]))
    page.fill("#facade-width", str(facade["width_m"]))


def calibrate_facade(page: Any, facade: dict[str, Any]) -> None:
    """Fill the selected facade's fields and click its four corners (TL, TR, BR, BL)."""
    fill_facade(page, facade)
    for tag, (x, y) in zip(("TL", "TR", "BR", "BL"), facade["corners"], strict=True):
        assert page.get_attribute("#corner-next", "data-next") == tag
        click_image(page, x, y)


def place_corners(page: Any, facade: dict[str, Any]) -> None:
    """All an installer types when the page starts from the edge's config: the selected
    facade's four corners clicked anew (TL, TR, BR, BL), its floors and columns."""
    reset_corners(page)
    page.fill("#facade-floors", str(facade["floors"]))
    page.fill("#facade-columns", str(facade["columns"]))
    for tag, (x, y) in zip(("TL", "TR", "BR", "BL"), facade["corners"], strict=True):
        assert page.get_attribute("#corner-next", "data-next") == tag
        click_image(page, x, y)


def slot_text(page: Any, path: str) -> str:
    """What the page shows at the field for ``path`` (e.g. ``facades.*.floors``, ``masks.0``)."""
    return str(page.locator(f'[data-error-for="{path}"]').first.inner_text())


def wait_slot(page: Any, path: str, needle: str) -> str:
    page.wait_for_function(
        '([p, n]) => document.querySelector(`[data-error-for="${p}"]`)?.textContent.includes(n)',
        arg=[path, needle],
        timeout=10_000,
    )
    return slot_text(page, path)


def versions(page: Any, base: str, camera_id: str) -> list[dict[str, Any]]:
    """The camera's saved versions, newest first (through the API, with the page's session)."""
    r = page.request.get(f"{base}/api/cameras/{camera_id}/configs")
    assert r.ok, r.text()
    return list(r.json()["versions"])


def save(page: Any, expect: str) -> str:
    """Click save and wait until the status line says ``expect``; returns the status line."""
    page.click("#save")
    page.wait_for_function(
        "n => document.getElementById('save-status').textContent.includes(n)", arg=expect, timeout=20_000
    )
    return str(page.inner_text("#save-status"))


def reset_corners(page: Any) -> None:
    page.click("#reset-corners")
    assert page.get_attribute("#corner-next", "data-next") == "TL"
