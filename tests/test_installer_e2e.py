"""The installer workflow end to end, every part real: a synthesized scene with three
throws played in a loop by a real ``fallwatch edge`` process that starts with a wrong
calibration, the real ``fallwatch server`` process (CURVE ingest, SQLite), and Debian's
Chromium driven by Playwright.

First the edge reports the scene's throws on the wrong floors. An installer then opens
the camera: the page starts from the config that edge runs (source, facade name and
sizes), so the installer only fetches a snapshot, clicks the facade's ground-truth
corners, enters floors and columns, and saves; the server pushes the new version, the
edge applies it without a restart, and the throws it reports from the next replay on
(tagged with the new config's digest) come from the ground-truth floors (columns within one).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
import zmq
from installer_page import login, open_camera, place_corners, save, versions
from test_server_browser import CHROMIUM, PASSWORD, _cli, server  # noqa: F401  (server: the fixture)

from edge.config.camera import parse_camera_config
from edge.geometry.facade import Facade
from edge.synth.scene import make_scene_spec
from edge.synth.writer import write_scene

# Seed 12 gives three compact throws from floors 5, 4 and 11 of a 12-storey facade,
# each found by the detector with the right floor and column when calibrated.
SCENE = dict(
    seed=12, index=0, width=960, height=540, duration_s=10.0, fps=25.0,
    lighting="day", n_throws=3, throw_kind="compact", throw_size_px=7.0, min_size_px=5.0,
    distractors=[], trees=False, floors=12, columns=5,
)
WAIT_S = 180.0


def _miscalibrated(truth_cfg: dict[str, Any]) -> dict[str, Any]:
    """The ground-truth config with the facade's top edge clicked a third of the way down."""
    wrong = json.loads(json.dumps(truth_cfg))
    (tl, tr, br, bl) = wrong["facades"][0]["corners"]
    for top, bottom in ((tl, bl), (tr, br)):
        top[1] = round(top[1] + (bottom[1] - top[1]) / 3.0, 1)
    return wrong


def _poll(fetch: Callable[[], list[dict[str, Any]]], done: Callable[[list[dict[str, Any]]], bool]) -> list[dict]:
    deadline = time.monotonic() + WAIT_S
    while True:
        got = fetch()
        if done(got) or time.monotonic() > deadline:
            return got
        time.sleep(1.0)


@pytest.fixture
def edge_process(server, tmp_path: Path) -> Iterator[tuple[Path, dict[str, Any], dict[str, Any]]]:  # type: ignore[no-untyped-def]  # noqa: F811
    """The scene, and ``fallwatch edge --loop`` on it (at its frame rate, like a camera)
    with the miscalibrated config."""
    _base, dealer, _sign = server
    endpoint = dealer.sock.getsockopt_string(zmq.LAST_ENDPOINT)
    scene_dir = tmp_path / "scene"
    spec = make_scene_spec(**SCENE)  # type: ignore[arg-type]
    paths = write_scene(spec, scene_dir)
    truth = json.loads(paths.truth.read_text())
    truth_cfg = yaml.safe_load(paths.config.read_text())
    wrong = scene_dir / "installed.yaml"
    wrong.write_text(yaml.safe_dump(_miscalibrated(truth_cfg), sort_keys=False))
    keys = tmp_path / "keys"
    log = (tmp_path / "edge.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "fallwatch.cli", "edge", "--config", str(wrong), "--server", endpoint,
         "--data-dir", str(tmp_path / "edge"), "--key", str(keys / "edge-1.key"),
         "--server-key", str(keys / "server.key_public"), "--loop", "--heartbeat-s", "1",
         "--pre-s", "1", "--post-s", "1"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    yield tmp_path / "edge.log", truth, truth_cfg
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def test_an_installer_calibrates_a_running_edge_and_its_floors_become_right(  # type: ignore[no-untyped-def]
    server, edge_process, tmp_path: Path  # noqa: F811
) -> None:
    from playwright.sync_api import sync_playwright

    base, _dealer, _sign = server
    edge_log, truth, truth_cfg = edge_process
    camera_id = truth_cfg["camera_id"]
    facade_truth = Facade(parse_camera_config(truth_cfg).facades[0])
    facade_wrong = Facade(parse_camera_config(_miscalibrated(truth_cfg)).facades[0])
    # The test means something only if the wrong calibration puts every throw elsewhere.
    for t in truth["throws"]:
        x, y = t["release_px"]
        assert facade_truth.cell_of_pixel(x, y).floor == t["floor"]
        assert facade_wrong.cell_of_pixel(x, y).floor != t["floor"]

    added = _cli("user", "add", "ivan", "--role", "installer", "--data-dir", str(tmp_path / "data"),
                 stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr

    def edge_said() -> str:
        return edge_log.read_text(errors="replace")[-3000:]

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        login(page, base, "ivan", PASSWORD)

        def events() -> list[dict[str, Any]]:
            r = page.request.get(f"{base}/api/cameras/{camera_id}/check-events?limit=50")
            assert r.ok, r.text()
            return list(r.json()["events"])

        # Before calibration the edge runs and reports the throws on wrong floors.
        before = _poll(events, lambda ev: len(ev) >= 1)
        assert before, f"no event from the miscalibrated edge in {WAIT_S:.0f} s:\n{edge_said()}"
        for e in before:
            assert e["floor"] != _nearest_throw(truth, e)["floor"], before
        old_digests = {e["config_version"] for e in before}

        # The installer takes a fresh (anonymised) frame from that edge and calibrates;
        # what the edge knows (its source, the facade's name and sizes) is prefilled.
        open_camera(page, base, camera_id, None)
        assert page.get_attribute("#config-origin", "data-origin") == "edge"
        assert "not yet saved" in page.inner_text("#config-origin")
        assert page.input_value("#camera-source") == truth_cfg["source"]
        assert page.evaluate("document.getElementById('camera-source').readOnly")
        assert page.input_value("#facade-name") == truth_cfg["facades"][0]["name"]
        place_corners(page, truth_cfg["facades"][0])
        save(page, "Saved as version 1")
        page.wait_for_selector("#push-result.push-applied", timeout=30_000)
        digest = versions(page, base, camera_id)[0]["digest"]
        assert digest not in old_digests
        saved = page.request.get(f"{base}/api/cameras/{camera_id}/configs/1").json()["config"]
        assert saved["source"] == truth_cfg["source"]
        got, want = parse_camera_config(saved).facades[0], parse_camera_config(truth_cfg).facades[0]
        assert got.model_dump(exclude={"corners"}) == want.model_dump(exclude={"corners"})
        assert max(abs(a - b) for p, q in zip(got.corners, want.corners, strict=True)
                   for a, b in zip(p, q, strict=True)) <= 1.5

        # From the next pass of the looped video on, the edge reports the throws from
        # their true floors. (A throw in flight when the new config arrived is
        # judged by the new pipeline from its later part only, so the pass of the
        # swap does not count.)
        def settled(ev: list[dict[str, Any]]) -> list[dict[str, Any]]:
            new = [e for e in ev if e["config_version"] == digest]
            first_pass = min((_pass(truth, e) for e in new), default=None)
            return [e for e in new if first_pass is not None and _pass(truth, e) > first_pass]

        def right_floor(e: dict[str, Any]) -> bool:
            return bool(e["floor"] == _nearest_throw(truth, e)["floor"])

        def throws_placed(ev: list[dict[str, Any]]) -> bool:
            # Two of the three: the detector, whose recall is still short of its target
            # (issue 2), misses the same throw replay after replay in some runs.
            placed = {_nearest_throw(truth, e)["id"] for e in settled(ev) if right_floor(e)}
            return len(placed) >= len(truth["throws"]) - 1

        seen = _poll(events, throws_placed)
        after = settled(seen)
        browser.close()
    assert after, f"no event under the new config after its first pass:\n{edge_said()}"
    # The throws are put on their true floors (the wrong calibration put each elsewhere),
    # and so are most events: the detector itself misplaces a release now and then (its
    # eval reports floor accuracy), which is not what this test is about. Columns within one.
    assert throws_placed(seen), [(e["t_start"], e["floor"], e["column"]) for e in after]
    assert sum(map(right_floor, after)) >= 0.6 * len(after), after
    for e in filter(right_floor, after):
        assert abs(e["column"] - _nearest_throw(truth, e)["column"]) <= 1, after


def _pass(truth: dict[str, Any], event: dict[str, Any]) -> int:
    """Which replay of the looped video an event comes from (stream time keeps running)."""
    return int(event["t_start"] // (truth["n_frames"] / truth["fps"]))


def _nearest_throw(truth: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    """The ground-truth throw whose release lies nearest the event's origin (image px)."""
    x, y = event["origin"]
    return min(truth["throws"], key=lambda t: (t["release_px"][0] - x) ** 2 + (t["release_px"][1] - y) ** 2)
