"""``fallwatch demo`` as a newcomer meets it: the real command with its real children
(server, simulated cameras, edge nodes), Debian's Chromium driven by Playwright to log
in with the printed credentials and see events with anonymised clips arrive, then
Ctrl-C and a clean exit. Plus the demo's refusals and its parts on their own."""

from __future__ import annotations

import io
import itertools
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from edge.recording.mp4 import write_mp4
from edge.sources.open import open_source
from fallwatch.progress import ProgressBar

CHROMIUM = "/usr/bin/chromium"
DEMO_TIME_LIMIT_S = 90.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _demo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fallwatch.cli", "demo", *args],
                          capture_output=True, text=True, timeout=60)


def test_demo_refuses_a_folder_that_is_not_empty_and_touches_nothing(tmp_path: Path) -> None:
    keep = tmp_path / "precious.txt"
    keep.write_text("do not lose me")
    done = _demo("--data-dir", str(tmp_path), "--http", f"127.0.0.1:{_free_port()}")
    assert done.returncode == 2
    assert str(tmp_path) in done.stderr and "not an empty folder" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["precious.txt"]
    assert keep.read_text() == "do not lose me"


def test_demo_refuses_an_http_address_in_use_before_starting_anything(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = _demo("--data-dir", str(tmp_path / "d"), "--http", f"127.0.0.1:{port}")
    assert done.returncode == 2 and f"127.0.0.1:{port}" in done.stderr and "pick another" in done.stderr
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize("bad", ["8080", "localhost:", "127.0.0.1:99999"])
def test_demo_names_a_malformed_http_address(bad: str) -> None:
    done = _demo("--http", bad)
    assert done.returncode == 2 and "HOST:PORT" in done.stderr and repr(bad) in done.stderr


@pytest.mark.parametrize("scenes", ["0", "9"])
def test_demo_bounds_the_number_of_scenes_before_touching_the_folder(scenes: str, tmp_path: Path) -> None:
    done = _demo("--scenes", scenes, "--data-dir", str(tmp_path / "d"), "--http", f"127.0.0.1:{_free_port()}")
    assert done.returncode == 2 and "--scenes must be from 1 to 8" in done.stderr and f"got {scenes}" in done.stderr
    assert not (tmp_path / "d").exists()


def test_progress_bar_writes_whole_lines_off_a_terminal() -> None:
    out = io.StringIO()
    bar = ProgressBar("scenes", 4, out, width=8)
    bar.update(0)
    bar.update(3, "scene_0002")
    bar.update(9)  # clamped
    lines = out.getvalue().splitlines()
    assert [ln.split("]")[0] for ln in lines] == ["scenes [--------", "scenes [######--", "scenes [########"]
    assert " 3/4 " in lines[1] and lines[1].endswith("scene_0002") and " 4/4 " in lines[2]
    with pytest.raises(ValueError, match="at least one step"):
        ProgressBar("x", 0, out)


def test_simulated_camera_streams_in_real_time_and_loops_with_rising_timestamps(tmp_path: Path) -> None:
    """A 1-s file read over the camera's TCP stream: 40 frames take about 1.6 s and their
    times keep rising across the loop, as a live camera's would."""
    frames = []
    for i in range(25):
        img = np.full((120, 160, 3), 40, np.uint8)
        img[50:70, 5 * i : 5 * i + 20] = 255
        frames.append(img)
    video = tmp_path / "one_second.mp4"
    write_mp4(frames, 25.0, video)
    port = _free_port()
    camera = subprocess.Popen([sys.executable, "-m", "fallwatch.camera_sim", str(video), str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.0)  # the camera is listening well before the edge connects
        source = open_source(f"tcp://127.0.0.1:{port}")
        give_up = threading.Timer(30.0, source.close)  # ends the iteration if no frames come
        give_up.start()
        times_s: list[float] = []
        start = None
        for frame in source:
            if start is None:
                start = time.monotonic()
            times_s.append(frame.t_s)
            if len(times_s) == 40:
                break
        wall_s = time.monotonic() - (start or 0.0)
        # A live source drops the oldest frames when its reader gets ahead of us (the
        # start-up burst on a busy machine): those are gaps in the times, not a jump.
        dropped = source.stats.dropped_frames
        give_up.cancel()
        source.close()
    finally:
        camera.terminate()
        camera.wait(10)
    assert len(times_s) == 40
    assert all(b > a for a, b in itertools.pairwise(times_s))
    # Paced, not read as fast as possible; frames of the first second may come at once
    # (the stream's start-up buffer), the second loop arrives at 25 fps.
    assert wall_s > 0.45, f"40 frames in {wall_s:.2f} s: the stream is not paced"
    # Whole frame intervals apart across the loop too: no gap where the file starts
    # again. Frames are missing only where the source dropped some (counted once the
    # reading stopped, so the count may include a frame dropped after the last one).
    steps = [(b - a) * 25.0 for a, b in itertools.pairwise(times_s)]
    assert all(abs(step - round(step)) < 0.1 for step in steps), steps
    assert sum(round(step) - 1 for step in steps) <= dropped


def test_simulated_camera_names_a_file_that_is_not_a_video(tmp_path: Path) -> None:
    bad = tmp_path / "notes.mp4"
    bad.write_text("not a video")
    done = subprocess.run([sys.executable, "-m", "fallwatch.camera_sim", str(bad), str(_free_port())],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and str(bad) in done.stderr and "not a playable video" in done.stderr


def _lines(stream: io.TextIOBase) -> queue.Queue[str]:
    q: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:
            q.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return q


def _credentials(lines: queue.Queue[str], demo: subprocess.Popen[str], deadline: float) -> dict[str, str]:
    found: dict[str, str] = {}
    while not {"review page", "login", "password"} <= found.keys():
        assert demo.poll() is None, f"the demo exited with {demo.returncode}"
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            pytest.fail(f"the demo printed no login in time; got {found}")
        if line.startswith("fallwatch demo: "):
            key, _, value = line.removeprefix("fallwatch demo: ").partition("  ")
            found[key.strip()] = value.strip().split()[0] if value.strip() else ""
    return found


def _wait_for_line(lines: queue.Queue[str], text: str, deadline: float) -> None:
    while True:
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            pytest.fail(f"the demo never printed {text!r}")
        if text in line:
            return


@pytest.mark.slow
def test_demo_shows_events_with_anonymised_clips_in_the_browser_then_stops_cleanly(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        msg = f"{CHROMIUM} not found (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    from playwright.sync_api import sync_playwright

    data = tmp_path / "demo"
    port = _free_port()
    started = time.monotonic()
    deadline = started + DEMO_TIME_LIMIT_S
    err_path = tmp_path / "demo.stderr"
    with err_path.open("w") as err:
        demo = subprocess.Popen(
            [sys.executable, "-m", "fallwatch.cli", "demo", "--data-dir", str(data), "--http", f"127.0.0.1:{port}"],
            stdout=subprocess.PIPE, stderr=err, text=True,
        )
    try:
        assert demo.stdout is not None
        lines = _lines(demo.stdout)
        creds = _credentials(lines, demo, started + 60)
        base = creds["review page"].rstrip("/")
        assert base == f"http://127.0.0.1:{port}" and creds["login"] == "demo" and len(creds["password"]) >= 12
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM,
                args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(base + "/")
            page.fill("input[name=name]", creds["login"])
            page.fill("input[name=password]", creds["password"])
            page.click("button[type=submit]")
            page.wait_for_selector("#queue")
            left_ms = max(1.0, deadline - 25 - time.monotonic()) * 1000
            row = page.wait_for_selector("tr[data-event-id]", timeout=left_ms)
            first_event_s = time.monotonic() - started
            assert row.get_attribute("data-event-id")
            # The clip follows the alert; it must arrive anonymised (privacy "ok").
            with_clip = None
            while with_clip is None and time.monotonic() < deadline - 20:
                listed = page.request.get(base + "/api/events?limit=50").json()["events"]
                with_clip = next((e for e in listed if e["has_clip"] and e["privacy"] == "ok"), None)
                if with_clip is None:
                    time.sleep(1.0)
            assert with_clip is not None, "no event with an anonymised clip arrived in time"
            assert with_clip["camera_id"].startswith("demo-cam-")
            clip = page.request.get(base + f"/api/events/{with_clip['event_id']}/files/clip")
            assert clip.status == 200 and clip.body()[4:8] == b"ftyp"
            browser.close()
        # The first camera's events may come before the last scene is synthesized (on a
        # loaded machine): stop only once every edge runs, so that all of them are stopped.
        _wait_for_line(lines, "simulated camera(s) stream", deadline - 15)
        demo.send_signal(signal.SIGINT)
        code = demo.wait(timeout=max(5.0, deadline - time.monotonic() + 30))
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    log = err_path.read_text()
    assert code == 0, log[-3000:]
    assert "stopped edge-1 (exit 0), edge-2 (exit 0)" in log and "server (exit 0)" in log
    # The password was shown once and only its hash is stored.
    assert creds["password"].encode() not in (data / "server" / "fallwatch.db").read_bytes()
    print(f"\nfirst event in the browser {first_event_s:.1f} s after `fallwatch demo` started; "
          f"whole test {time.monotonic() - started:.1f} s")
