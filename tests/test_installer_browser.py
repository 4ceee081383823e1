"""The installer's calibration page in Debian's Chromium (Playwright), against the real
``fallwatch server`` process of test_server_browser (real ZeroMQ ingest, real SQLite).

An installer calibrates a synthesized scene by clicking its ground-truth corners, draws
a mask and a privacy area, saves, checks the history and the YAML export, and uses
check mode on events sent through the ingest; bad input (corners in the wrong order, a
self-intersecting facade, zero floors, a mask outside the image) is shown at the field
that caused it and nothing is saved; a guard is refused. With an edge connected over
the real CURVE link, the page starts from the config that edge runs, shows its RTSP
password masked and never sends it to the browser, and leaving with unsaved changes is
warned about (an in-page banner, and the browser's prompt only while changes wait).

Screenshots go to $FALLWATCH_SCREENSHOTS, else to the test's temporary directory.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import yaml
import zmq
from installer_page import (
    calibrate_facade,
    click_image,
    drag_image,
    fill_facade,
    login,
    open_camera,
    place_corners,
    reset_corners,
    save,
    scene_frame,
    slot_text,
    versions,
    wait_slot,
)
from linked_edge import LinkedEdge
from server_helpers import make_event, make_jpeg
from test_server_browser import CHROMIUM, PASSWORD, _cli, server  # noqa: F401  (server: the fixture)

from edge.config.camera import load_camera_config, parse_camera_config, parse_camera_yaml
from edge.geometry.facade import Facade
from edge.synth.scene import SceneSpec

# Scene 7 of seed 7: its facade's top corners lie above the image (y < 0), in the
# page's margin, so clicking them also proves that corners outside the frame work.
SCENE_SEED, SCENE_INDEX, WIDTH, HEIGHT = 7, 7, 640, 360
CORNER_TOLERANCE_PX = 1.5


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> tuple[SceneSpec, Path, dict[str, Any]]:
    spec, bgr, truth = scene_frame(SCENE_SEED, SCENE_INDEX, WIDTH, HEIGHT, n_throws=0, distractors=[], trees=False)
    png = tmp_path_factory.mktemp("scene") / "frame.png"
    assert cv2.imwrite(str(png), bgr)
    return spec, png, truth


@pytest.fixture
def browser_page(server, tmp_path: Path) -> Iterator[tuple[Any, str, Any]]:  # type: ignore[no-untyped-def]  # noqa: F811
    from playwright.sync_api import sync_playwright

    base, edge, _sign = server
    data_dir = str(tmp_path / "data")
    added = _cli("user", "add", "ivan", "--role", "installer", "--data-dir", data_dir, stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        # Console errors catch CSP refusals too; refused requests (422, 409) are expected.
        page.on(
            "console",
            lambda m: m.type == "error" and not m.text.startswith("Failed to load resource") and errors.append(m.text),
        )
        yield page, base, edge
        browser.close()
    assert not errors, f"errors on the page: {errors}"


def shots(tmp_path: Path) -> Path:
    path = Path(os.environ.get("FALLWATCH_SCREENSHOTS") or tmp_path)
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_installer_calibrates_a_scene_saves_exports_and_checks_a_drop(  # type: ignore[no-untyped-def]
    browser_page, scene, tmp_path: Path
) -> None:
    page, base, edge = browser_page
    spec, png, truth = scene
    camera_id = spec.camera_id
    facade = truth["facades"][0]
    corners = facade["corners"]
    shots_dir = shots(tmp_path)

    login(page, base, "ivan", PASSWORD)
    open_camera(page, base, camera_id, png)
    page.fill("#camera-source", truth["source"])
    fill_facade(page, facade)

    # Four clicks, the page naming the next corner each time; the top-right one is
    # placed 12 px off and then dragged onto the facade's corner.
    off = (corners[1][0] + 12.0, corners[1][1] + 9.0)
    for tag, (x, y) in zip(("TL", "TR", "BR", "BL"), [corners[0], off, corners[2], corners[3]], strict=True):
        assert page.get_attribute("#corner-next", "data-next") == tag
        click_image(page, x, y)
    assert page.get_attribute("#corner-next", "data-next") == ""
    drag_image(page, off, tuple(corners[1]))
    placed = page.evaluate("window.fallwatchCalibration.corners(0)")
    assert np.abs(np.asarray(placed) - np.asarray(corners)).max() <= CORNER_TOLERANCE_PX, placed

    # The grid the page draws is the server's facade geometry.
    document = page.evaluate("window.fallwatchCalibration.document()")
    reference = Facade(parse_camera_config(document).facades[0])
    page_lines = page.evaluate("window.fallwatchCalibration.gridLines(0, 3)")
    ref_lines = reference.grid_lines_px(3)
    assert len(page_lines) == len(ref_lines) == facade["floors"] + 1 + facade["columns"] + 1
    assert np.abs(np.asarray(page_lines) - np.asarray(ref_lines)).max() < 1e-6
    for x, y in ((300.0, 100.0), (420.0, 250.0), (260.0, 300.0)):
        cell = page.evaluate("([x, y]) => window.fallwatchCalibration.cellOfPixel(0, x, y)", [x, y])
        ref = reference.cell_of_pixel(x, y)
        assert (cell["floor"], cell["column"]) == (ref.floor, ref.column)

    # Arrow keys nudge the selected corner by 1 px (Shift: 10 px).
    click_image(page, *corners[2])
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("ArrowUp")
    moved = page.evaluate("window.fallwatchCalibration.corners(0)")[2]
    assert moved == pytest.approx([placed[2][0] + 10, placed[2][1] - 1])
    page.keyboard.press("Shift+ArrowLeft")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("window.fallwatchCalibration.corners(0)")[2] == pytest.approx(placed[2])

    # A second facade (the annex on the left), and a third one that is removed again.
    page.click("#facade-add")
    assert page.get_attribute("#corner-next", "data-next") == "TL"
    annex = [[40.0, 120.0], [180.0, 110.0], [185.0, 290.0], [35.0, 285.0]]
    page.fill("#facade-name", "annex")
    page.fill("#facade-floors", "4")
    page.fill("#facade-columns", "2")
    for x, y in annex:
        click_image(page, x, y)
    page.click("#facade-add")
    assert page.locator("#facade-select option").count() == 3
    page.click("#facade-remove")
    assert page.locator("#facade-select option").count() == 2
    page.select_option("#facade-select", "0")
    assert page.input_value("#facade-name") == facade["name"]
    document = page.evaluate("window.fallwatchCalibration.document()")
    annex_lines = page.evaluate("window.fallwatchCalibration.gridLines(1, 2)")
    annex_ref = Facade(parse_camera_config(document).facades[1]).grid_lines_px(2)
    assert np.abs(np.asarray(annex_lines) - np.asarray(annex_ref)).max() < 1e-6
    page.select_option("#facade-select", "1")
    page.click("#facade-remove")
    assert [f["name"] for f in page.evaluate("window.fallwatchCalibration.document()")["facades"]] == [facade["name"]]
    page.click("#facade-add")
    page.fill("#facade-name", "annex")
    page.fill("#facade-floors", "4")
    page.fill("#facade-columns", "2")
    for x, y in annex:
        click_image(page, x, y)
    page.select_option("#facade-select", "0")

    # A mask (closed by clicking its first point) and a privacy area (closed by button).
    page.click("#tool-mask")
    for x, y in ((20, 200), (120, 200), (120, 300), (20, 300)):
        click_image(page, x, y)
    click_image(page, 20, 200)
    assert page.locator("#mask-list li").count() == 1
    page.click("#tool-privacy")
    for x, y in ((500, 20), (600, 20), (600, 90)):
        click_image(page, x, y)
    page.click("#polygon-close")
    assert "Privacy area 1 · 3 points" in page.inner_text("#privacy-list")
    page.click("#settings summary")
    # A margin beside the facade (motion.facade_margin_m) is drawn as the edge watches it.
    assert page.evaluate("window.fallwatchCalibration.marginOutline(0)") is None
    typed_margin = page.input_value("#set-motion-facade_margin_m")
    page.fill("#set-motion-facade_margin_m", "3")
    outline = page.evaluate("window.fallwatchCalibration.marginOutline(0)")
    assert np.abs(np.asarray(outline) - reference.outline_px(3.0)).max() < 1e-6
    page.locator("#stage-canvas").screenshot(path=str(shots_dir / "calibrate-margin.png"))
    page.fill("#set-motion-facade_margin_m", typed_margin)
    assert page.evaluate("window.fallwatchCalibration.marginOutline(0)") is None

    page.fill("#set-detection-min_descent_floors", "2.5")
    page.dispatch_event("#set-detection-min_descent_floors", "change")

    status = save(page, "Saved as version 1")
    assert "first version" in status
    assert "not reached" in page.inner_text("#push-result")  # no edge of this camera is connected
    page.screenshot(path=str(shots_dir / "calibrate-saved.png"), full_page=True)

    saved = versions(page, base, camera_id)
    assert [v["version"] for v in saved] == [1] and saved[0]["created_by"] == "ivan"
    assert saved[0]["push_status"] == "not_reached"
    rows = page.locator("#history tbody tr")
    assert rows.count() == 1 and "ivan" in rows.first.inner_text()

    # The YAML export loads with the edge's own loader and holds the clicked calibration.
    with page.expect_download() as dl:
        page.click("#export-yaml")
    exported = tmp_path / "export" / "cam.yaml"
    exported.parent.mkdir()
    dl.value.save_as(exported)
    cfg = load_camera_config(exported)
    assert cfg.camera_id == camera_id
    got = cfg.facades[0]
    assert (got.floors, got.columns, got.name) == (facade["floors"], facade["columns"], facade["name"])
    assert got.floor_height_m == pytest.approx(facade["floor_height_m"])
    assert got.width_m == pytest.approx(facade["width_m"])
    assert np.abs(np.asarray(got.corners) - np.asarray(corners)).max() <= CORNER_TOLERANCE_PX
    assert [f.name for f in cfg.facades] == [facade["name"], "annex"]
    assert np.asarray(cfg.facades[1].corners).tolist() == annex and cfg.facades[1].floors == 4
    assert len(cfg.masks) == 1 and len(cfg.privacy.polygons) == 1
    assert cfg.detection.min_descent_floors == 2.5
    assert saved[0]["digest"] in exported.read_text()

    # A second save records what changed.
    page.fill("#facade-floors", str(facade["floors"] + 1))
    assert "Saved as version 2" in save(page, "Saved as version 2")
    newest = page.inner_text("#history tbody tr:first-child")
    assert f"facades.0.floors {facade['floors']} -> {facade['floors'] + 1}" in newest
    page.fill("#facade-floors", str(facade["floors"]))
    save(page, "Saved as version 3")
    # Going back to version 2 is a new version 4, recorded as such.
    page.click("#history tr[data-version='2'] button.load-version")
    page.wait_for_function(f"() => document.getElementById('facade-floors').value === '{facade['floors'] + 1}'")
    save(page, "Saved as version 4")
    assert f"facades.0.floors {facade['floors']} -> {facade['floors'] + 1}" in page.inner_text("#save-status")

    # Check mode: a test drop from a known floor, and one the edge put on the wrong floor.
    truth_facade = Facade(cfg.facades[0])
    origin = (330.0, 120.0)
    cell = truth_facade.cell_of_pixel(*origin)
    right = _drop_event(camera_id, cell.floor, cell.column, origin)
    wrong = _drop_event(camera_id, cell.floor + 2, cell.column, (origin[0] + 20, origin[1] + 5))
    for ev in (right, wrong):
        edge.send_event(ev, [("snapshot", make_jpeg(tmp_path / f"{ev['event_id']}.jpg"))])
    page.check("#check-mode")
    page.wait_for_selector(f"#check-list li[data-event-id='{wrong['event_id']}']", timeout=10_000)
    right_line = page.inner_text(f"#check-list li[data-event-id='{right['event_id']}']")
    wrong_line = page.inner_text(f"#check-list li[data-event-id='{wrong['event_id']}']")
    assert f"floor {cell.floor}, column {cell.column}" in right_line and "agrees" in right_line
    assert f"this calibration gives floor {cell.floor}" in wrong_line
    page.locator(".stage").screenshot(path=str(shots_dir / "calibrate-check-mode.png"))


def _drop_event(camera_id: str, floor: int, column: int, origin: tuple[float, float]) -> dict[str, Any]:
    x, y = origin
    trajectory = [[3.0 + 0.1 * i, x + 0.5 * i, y + 4.9 * (0.1 * i) ** 2 * 12] for i in range(10)]
    return make_event(
        camera_id=camera_id,
        floor=floor,
        column=column,
        origin={"floor": floor, "column": column, "x": x, "y": y, "facade": "facade"},
        trajectory=trajectory,
    )


def test_bad_input_is_shown_at_its_field_and_nothing_is_saved(  # type: ignore[no-untyped-def]
    browser_page, scene, tmp_path: Path
) -> None:
    page, base, _edge = browser_page
    spec, png, truth = scene
    camera_id = spec.camera_id
    facade = truth["facades"][0]
    tl, tr, br, bl = facade["corners"]
    login(page, base, "ivan", PASSWORD)
    open_camera(page, base, camera_id, png)
    page.click("#snapshot-fetch")  # no edge of this camera is connected
    page.wait_for_function("() => document.getElementById('image-status').textContent.includes('Not fetched')")
    assert camera_id in page.inner_text("#image-status")
    page.fill("#camera-source", truth["source"])
    fill_facade(page, facade)

    # Corners in the wrong order: the mirror image (TR first) runs anticlockwise.
    for x, y in (tr, tl, bl, br):
        click_image(page, x, y)
    assert "anticlockwise" in wait_slot(page, "facades.*.corners", "anticlockwise")
    assert "Not saved" in save(page, "Not saved")
    assert "anticlockwise" in slot_text(page, "facades.*.corners")

    # A self-intersecting facade: bottom corners swapped.
    reset_corners(page)
    for x, y in (tl, tr, bl, br):
        click_image(page, x, y)
    wait_slot(page, "facades.*.corners", "self-intersecting")
    assert "Not saved" in save(page, "Not saved")

    # Zero floors, with the message `fallwatch config check` gives for the same config.
    reset_corners(page)
    calibrate_facade(page, facade)
    page.fill("#facade-floors", "0")
    shown = wait_slot(page, "facades.*.floors", "greater than or equal to 1")
    assert "Not saved" in save(page, "Not saved")
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(page.evaluate("window.fallwatchCalibration.document()")))
    command = [sys.executable, "-m", "fallwatch.cli", "config", "check", str(bad)]
    checked = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert checked.returncode == 2
    assert f"facades.0.floors: {shown.strip()}" in checked.stderr, (shown, checked.stderr)

    # A mask drawn entirely in the margin, outside the image.
    page.fill("#facade-floors", str(facade["floors"]))
    page.click("#tool-mask")
    for x, y in ((-60, 40), (-20, 40), (-20, 120), (-60, 120)):
        click_image(page, x, y)
    page.click("#polygon-close")
    message = wait_slot(page, "masks.0", "outside")
    assert f"{WIDTH}x{HEIGHT} frame" in message
    assert "Not saved" in save(page, "Not saved")
    page.screenshot(path=str(shots(tmp_path) / "calibrate-errors.png"), full_page=True)
    assert versions(page, base, camera_id) == []

    # Deleting the bad mask leaves a config that saves.
    page.click("#mask-list button.delete")
    save(page, "Saved as version 1")
    assert [v["version"] for v in versions(page, base, camera_id)] == [1]

    # The scene's own YAML, imported into the editor, saves as the next version.
    scene_yaml = tmp_path / "scene.yaml"
    scene_yaml.write_text(yaml.safe_dump(truth, sort_keys=False))
    page.set_input_files("#config-import", str(scene_yaml))
    page.wait_for_function("() => document.getElementById('save-status').textContent.includes('imported')")
    assert page.evaluate("window.fallwatchCalibration.corners(0)") == [tl, tr, br, bl]
    save(page, "Saved as version 2")


def test_a_guard_may_not_calibrate(browser_page) -> None:  # type: ignore[no-untyped-def]
    page, base, _edge = browser_page
    login(page, base, "gina", PASSWORD)
    assert "Cameras" not in page.inner_text("header nav")
    resp = page.goto(base + "/calibrate/cam-07")
    assert resp is not None and resp.status == 403
    assert "may not open this page" in page.inner_text("main")
    csrf = page.evaluate("document.querySelector('meta[name=csrf-token]').content")
    r = page.request.post(f"{base}/api/cameras/cam-07/configs", data={"config": {}}, headers={"X-CSRF-Token": csrf})
    assert r.status == 403


def test_the_page_starts_from_what_the_edge_runs_and_never_shows_its_password(  # type: ignore[no-untyped-def]
    browser_page, scene, tmp_path: Path
) -> None:
    page, base, dealer = browser_page
    spec, png, truth = scene
    camera_id = spec.camera_id
    secret = "s3cret-pw"
    real, shown = f"rtsp://viewer:{secret}@10.0.0.7/stream1", "rtsp://viewer:***@10.0.0.7/stream1"
    installed = "# on the pole since May\n" + yaml.safe_dump({**truth, "source": real}, sort_keys=False)
    ok, frame = cv2.imencode(".jpg", cv2.imread(str(png)))
    assert ok
    keys = tmp_path / "keys"
    edge = LinkedEdge(tmp_path / "edge", keys / "edge-1.key", keys / "server.key_public",
                      dealer.sock.getsockopt_string(zmq.LAST_ENDPOINT), parse_camera_yaml(installed),
                      frame.tobytes(), installed)
    dialogs: list[str] = []
    try:
        login(page, base, "ivan", PASSWORD)
        open_camera(page, base, camera_id, None)  # the image comes from the edge
        assert page.get_attribute("#config-origin", "data-origin") == "edge"
        assert page.input_value("#camera-source") == shown
        assert page.evaluate("document.getElementById('camera-source').readOnly")
        assert "--config and a restart" in page.inner_text("#source-lock")
        assert page.evaluate("window.fallwatchCalibration.corners(0)") == truth["facades"][0]["corners"]
        assert page.input_value("#facade-floors") == str(truth["facades"][0]["floors"])
        assert page.is_hidden("#unsaved") and page.is_hidden("#load-edge-config")
        assert secret not in page.content()

        # A change shows the banner; leaving asks, and staying keeps the change.
        place_corners(page, {**truth["facades"][0], "floors": truth["facades"][0]["floors"] + 1})
        assert page.is_visible("#unsaved")
        page.once("dialog", lambda d: (dialogs.append(d.type), d.dismiss()))
        page.click("header nav a[href='/cameras']", no_wait_after=True)
        for _ in range(50):  # Playwright hands over the dialog while the test waits
            if dialogs:
                break
            page.wait_for_timeout(100)
        assert dialogs == ["beforeunload"] and page.url == f"{base}/calibrate/{camera_id}"
        assert page.input_value("#facade-floors") == str(truth["facades"][0]["floors"] + 1)

        # Saved as shown: the edge gets exactly the source it runs, and applies it.
        save(page, "Saved as version 1")
        page.wait_for_selector("#push-result.push-applied", timeout=20_000)
        assert edge.config.source == real and edge.config.facades[0].floors == truth["facades"][0]["floors"] + 1
        assert page.is_hidden("#unsaved") and page.is_hidden("#config-origin")
        assert secret not in page.content()

        # The edge is restarted with another --config: the page offers to load it.
        edge.yaml_text = installed.replace(f"floors: {truth['facades'][0]['floors']}", "floors: 9")
        edge.config = parse_camera_yaml(edge.yaml_text)
        page.on("dialog", lambda d: (dialogs.append(d.type), d.accept()))
        page.goto(f"{base}/calibrate/{camera_id}")  # saved, so no prompt
        assert dialogs == ["beforeunload"]
        page.wait_for_selector("#load-edge-config:not([hidden])")
        assert "not saved here" in page.inner_text("#load-edge-config")
        assert "runs a config that was not saved here" in page.inner_text("#edge-state")
        page.click("#load-edge-config")
        assert page.is_hidden("#load-edge-config")  # the editor holds it now
        assert page.input_value("#facade-floors") == "9" and page.is_visible("#unsaved")
        assert "From the edge" in page.inner_text("#config-origin")
        page.locator(".calib").screenshot(path=str(shots(tmp_path) / "calibrate-from-edge.png"))
        save(page, "Saved as version 2")
        page.wait_for_selector("#push-result.push-applied", timeout=20_000)
        assert page.is_hidden("#load-edge-config")
        history = page.inner_text("#history")
        assert "facades.0.floors" in history and secret not in page.content()
    finally:
        edge.close()


def test_the_page_says_which_version_the_edge_runs_and_when_it_stopped_answering(  # type: ignore[no-untyped-def]
    browser_page, scene, tmp_path: Path
) -> None:
    page, base, dealer = browser_page
    spec, png, truth = scene
    camera_id = spec.camera_id
    ok, frame = cv2.imencode(".jpg", cv2.imread(str(png)))
    assert ok
    keys = tmp_path / "keys"
    edge = LinkedEdge(tmp_path / "edge", keys / "edge-1.key", keys / "server.key_public",
                      dealer.sock.getsockopt_string(zmq.LAST_ENDPOINT), parse_camera_config(truth), frame.tobytes())
    try:
        login(page, base, "ivan", PASSWORD)
        open_camera(page, base, camera_id, None)  # the edge's own frame: its size is the camera's
        fill_facade(page, {**truth["facades"][0], "floors": truth["facades"][0]["floors"] + 1})
        save(page, "Saved as version 1")
        page.wait_for_selector("#push-result.push-applied", timeout=20_000)
        assert page.inner_text("#history tr[data-version='1'] .runs-now") == "runs it now"

        # A photo of another size than the camera's frames: kept, but the installer is told.
        bigger = tmp_path / "phone.png"
        assert cv2.imwrite(str(bigger), cv2.resize(cv2.imread(str(png)), (2 * WIDTH, 2 * HEIGHT)))
        page.set_input_files("#snapshot-upload", str(bigger))
        page.wait_for_selector("#image-warning:not([hidden])")
        warning = page.inner_text("#image-warning")
        assert f"{2 * WIDTH}x{2 * HEIGHT} px but the edge of {camera_id} sent {WIDTH}x{HEIGHT} px frames" in warning
    finally:
        edge.close()
    # Heard from seconds ago, so its heartbeat still counts, but it no longer answers.
    page.goto(f"{base}/calibrate/{camera_id}")
    page.wait_for_selector("#history tr[data-version='1'] .runs-now")
    state = page.inner_text("#edge-state")
    assert state.startswith("Edge not reachable right now: ") and "Edge connected" not in state, state
    assert "When last heard from, it ran the latest version 1" in state
    assert page.inner_text("#history tr[data-version='1'] .runs-now") == "ran it when last heard from"
