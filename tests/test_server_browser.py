"""A guard's session end to end: the real ``fallwatch server`` process, an event sent
through its real CURVE-encrypted ZeroMQ ingest, and Debian's Chromium driven by
Playwright: log in, see the event arrive live, review it with the keyboard, play the
clip, export the evidence and verify it with ``fallwatch verify``.

Screenshots go to $FALLWATCH_SCREENSHOTS (the docs/ images were made that way), else
to the test's temporary directory.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import zmq
from nacl.signing import SigningKey
from server_helpers import make_clip, make_event, make_jpeg

from edge.protocol.keys import generate_keys, load_curve_keypair, load_curve_public, load_signing_key
from edge.protocol.manifest import FileEntry, build_manifest, sha256_hex, sign_manifest
from edge.protocol.messages import Message, MessageType, decode, encode

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "correct horse battery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fallwatch.cli", *args], input=stdin, capture_output=True, text=True, timeout=60
    )


class Edge:
    """A minimal edge: a CURVE DEALER that sends an event and its files, waiting for acks."""

    def __init__(self, endpoint: str, server_public: bytes, key_dir: Path, name: str) -> None:
        pair = load_curve_keypair(key_dir / f"{name}.key")
        self.sign: SigningKey = load_signing_key(key_dir / f"{name}.sign")
        self.ctx = zmq.Context()
        self.sock = self.ctx.socket(zmq.DEALER)
        self.sock.curve_secretkey, self.sock.curve_publickey, self.sock.curve_serverkey = (
            pair.secret, pair.public, server_public,
        )
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.connect(endpoint)
        self.seq = 0

    def request(self, mtype: MessageType, event_id: str, fields: dict, payload: bytes | None = None) -> Message:
        self.seq += 1
        self.sock.send_multipart(encode(Message(mtype, self.seq, event_id, fields, payload)))
        assert self.sock.poll(10_000), "the server did not answer"
        reply = decode(self.sock.recv_multipart())
        assert reply.type is MessageType.ACK, reply.fields
        return reply

    def send_event(self, event: dict, files: list[tuple[str, Path]]) -> None:
        entries = [FileEntry(kind, p.name, p.stat().st_size, sha256_hex(p.read_bytes())) for kind, p in files]
        first = sign_manifest(build_manifest(event, entries[:2], final=False), self.sign)
        self.request(MessageType.EVENT, event["event_id"], {"event": event, "envelope": first})
        final = sign_manifest(build_manifest(event, entries, final=True), self.sign)
        for (kind, path), entry in zip(files, entries, strict=True):
            env = first if kind.startswith("snapshot") else final
            self._send_file(event["event_id"], kind, path.name, path.read_bytes(), entry.sha256, env)
        blob = json.dumps(final).encode()
        self._send_file(event["event_id"], "manifest", "manifest-final.json", blob, sha256_hex(blob), final)

    def _send_file(self, event_id: str, kind: str, name: str, data: bytes, sha: str, env: dict) -> None:
        step = 256 * 1024
        for offset in range(0, len(data), step):
            fields = {"file_kind": kind, "name": name, "size": len(data), "sha256": sha, "offset": offset,
                      "envelope": env}
            self.request(MessageType.CHUNK, event_id, fields, data[offset : offset + step])

    def close(self) -> None:
        self.sock.close()
        self.ctx.term()


@pytest.fixture
def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        msg = f"{CHROMIUM} not found (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    data, keys, allowed = tmp_path / "data", tmp_path / "keys", tmp_path / "allowed"
    generate_keys("server", keys)
    generate_keys("edge-1", keys)
    allowed.mkdir()
    for ext in (".key_public", ".sign_public"):
        shutil.copy(keys / f"edge-1{ext}", allowed)
    added = _cli("user", "add", "gina", "--role", "guard", "--data-dir", str(data), stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    http_port, zmq_port = _free_port(), _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "fallwatch.cli", "server", "--data-dir", str(data),
         "--http", f"127.0.0.1:{http_port}", "--zmq", f"tcp://127.0.0.1:{zmq_port}",
         "--server-key", str(keys / "server.key"), "--edge-keys", str(allowed)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{http_port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"server did not start:\n{proc.stdout.read() if proc.stdout else ''}")
        time.sleep(0.2)
    edge = Edge(f"tcp://127.0.0.1:{zmq_port}", load_curve_public(keys / "server.key_public"), keys, "edge-1")
    yield base, edge, SigningKey(load_signing_key(keys / "edge-1.sign").encode())
    edge.close()
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_guard_reviews_a_live_event_with_the_keyboard(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    base, edge, sign = server
    shots = Path(os.environ.get("FALLWATCH_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--autoplay-policy=no-user-gesture-required"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 800}, accept_downloads=True)
        page.goto(base + "/")
        assert page.url.startswith(base + "/login")
        page.fill("input[name=name]", "gina")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#queue")
        page.evaluate("window.__sameDocument = true")

        # An edge sends an event through the encrypted ingest; it appears without a reload.
        event = make_event(camera_id="cam-07", floor=14, column=3)
        files = [("snapshot", make_jpeg(tmp_path / "snapshot.jpg")),
                 ("snapshot_clean", make_jpeg(tmp_path / "clean.jpg", "clean")),
                 ("clip", make_clip(tmp_path / "clip.mp4", frames=30))]
        t_sent = time.monotonic()
        edge.send_event(event, files)
        row = page.wait_for_selector(f"tr[data-event-id='{event['event_id']}']", timeout=10_000)
        live_s = time.monotonic() - t_sent
        assert page.evaluate("window.__sameDocument") is True
        assert row.query_selector("td.big").inner_text() == "14"
        page.screenshot(path=str(shots / "review-queue.png"))

        # Keyboard: j selects the newest event, Enter opens it.
        page.keyboard.press("j")
        assert "selected" in (row.get_attribute("class") or "")
        page.keyboard.press("Enter")
        page.wait_for_selector("#event")
        assert page.inner_text("#floor") == "14" and page.inner_text("#column") == "3"

        # The clip plays in the browser.
        page.wait_for_function("() => document.getElementById('clip').readyState >= 1", timeout=10_000)
        page.evaluate("document.getElementById('clip').play()")
        page.wait_for_function("() => document.getElementById('clip').currentTime > 0.2", timeout=10_000)
        duration = page.evaluate("document.getElementById('clip').duration")
        assert duration > 0

        # n: note (Ctrl+Enter saves), c: confirm; both land in the review trail.
        page.keyboard.press("n")
        page.keyboard.type("bottle from a balcony, <b>not</b> a bird")
        with page.expect_navigation():
            page.keyboard.press("Control+Enter")
        with page.expect_navigation():
            page.keyboard.press("c")
        assert page.inner_text("#status").lower() == "confirmed"
        trail = page.inner_text("#audit")
        assert "gina confirmed" in trail and "<b>not</b> a bird" in trail
        page.screenshot(path=str(shots / "review-event.png"), full_page=False)

        # Evidence export, verified offline.
        with page.expect_download() as dl:
            page.click("#export")
        export = tmp_path / "evidence.zip"
        dl.value.save_as(export)
        browser.close()
    checked = _cli("verify", str(export), "--key", sign.verify_key.encode().hex())
    assert checked.returncode == 0 and "VERIFIED" in checked.stdout, checked.stdout + checked.stderr
    print(f"\nevent visible in the browser {live_s:.2f} s after the edge sent it; clip duration {duration:.2f} s")
