"""``fallwatch demo``: the whole product on one machine, from nothing, in a minute.

What it composes (each piece is the real command, run as a child process):

1. a data directory (temporary unless given) laid out as

   ``keys/``     server + edge CURVE certificates and signing keys (``fallwatch keys gen``)
   ``allowed/``  the edges' public keys: the server's allow-list
   ``server/``   SQLite database and clip directory (``fallwatch server``)
   ``scenes/``   synthesized 1280x720 scenes with throws (``fallwatch synth``'s renderer)
   ``cameras/``  each edge's camera config: the scene's facade, a simulated camera's stream
   ``edges/``    one spool per edge node (``fallwatch edge``)
   ``logs/``     each child's standard output and error

2. a demo admin with a random password, printed once and stored nowhere but as a hash;
3. the server, then the scenes one by one; as soon as a scene is written, a
   simulated camera (``fallwatch.camera_sim``) streams it in a loop in real time and
   an edge node reads that stream, so the first events arrive while later scenes
   still render, through the same stream path a real camera takes.

Ctrl-C or SIGTERM stops the edges first (they finish the clips in progress and hand
them to the server), then the server, and exits 0.
"""

from __future__ import annotations

import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TextIO

from fallwatch.children import Child, stop_all
from fallwatch.progress import ProgressBar

DEMO_SEED = 2026  # the detector finds 2 of the 3 throws of each of this seed's first scenes
SCENE_SIZE_PX = (1280, 720)
SCENE_DURATION_S = 12.0
SCENE_FPS = 25.0
THROWS_PER_SCENE = 3
MAX_SCENES = 8  # each is a camera and an edge process: more would swamp a laptop
ADMIN_NAME = "demo"
SERVER_START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 90.0  # an edge first finishes (anonymises, encodes, hands over) the clips in progress
# Shorter clips than the product's 5 s + 5 s: the same events at less CPU on a laptop.
CLIP_PRE_S = 2.0
CLIP_POST_S = 2.0


# No look-alikes (0/O, 1/l/I) and no punctuation: easy to read off a terminal and type.
_PASSWORD_ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class DemoError(Exception):
    """The demo cannot start or a part of it failed; the message says which and why."""


class DemoStopped(Exception):
    """Ctrl-C or SIGTERM: stop everything cleanly."""


@dataclass(frozen=True)
class DemoOptions:
    data_dir: Path | None
    http_host: str
    http_port: int
    scenes: int


@dataclass(frozen=True)
class DemoLayout:
    root: Path

    @property
    def keys(self) -> Path:
        return self.root / "keys"

    @property
    def allowed(self) -> Path:
        return self.root / "allowed"

    @property
    def server(self) -> Path:
        return self.root / "server"

    @property
    def scenes(self) -> Path:
        return self.root / "scenes"

    @property
    def cameras(self) -> Path:
        return self.root / "cameras"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def edge_dir(self, index: int) -> Path:
        return self.root / "edges" / edge_name(index)


def edge_name(index: int) -> str:
    return f"edge-{index + 1}"


def prepare_data_dir(path: Path | None) -> tuple[DemoLayout, bool]:
    """The layout and whether it is temporary. A given folder must be new or empty,
    so the demo never mixes with (or overwrites) anything already there."""
    if path is None:
        return DemoLayout(Path(tempfile.mkdtemp(prefix="fallwatch-demo-"))), True
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise DemoError(
            f"--data-dir {path}: not an empty folder; give a new or empty one "
            "(or leave --data-dir out for a temporary one)"
        )
    path.mkdir(parents=True, exist_ok=True)
    return DemoLayout(path.resolve()), False


def check_port_free(host: str, port: int) -> None:
    """Fail early with a clear message instead of a server that dies at start-up."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            s.bind((host, port))
    except OSError as exc:
        raise DemoError(f"--http {host}:{port}: cannot listen there ({exc.strerror or exc}); pick another") from None


def free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_keys(layout: DemoLayout, n_edges: int) -> None:
    """Server and edge keys, and the allow-list holding only the edges' public halves."""
    from edge.protocol.keys import generate_keys

    generate_keys("server", layout.keys)
    layout.allowed.mkdir(parents=True)
    for i in range(n_edges):
        generate_keys(edge_name(i), layout.keys)
        for ext in (".key_public", ".sign_public"):
            shutil.copy(layout.keys / f"{edge_name(i)}{ext}", layout.allowed)


def add_admin(layout: DemoLayout) -> str:
    """Create the demo admin through ``fallwatch user add``; return its random password."""
    password = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(16))
    done = subprocess.run(
        [sys.executable, "-m", "fallwatch.cli", "user", "add", ADMIN_NAME, "--role", "admin",
         "--data-dir", str(layout.server)],
        input=password + "\n", capture_output=True, text=True, timeout=120,
    )
    if done.returncode != 0:
        raise DemoError(f"could not create the demo admin: {done.stderr.strip() or done.stdout.strip()}")
    return password


def start_server(layout: DemoLayout, options: DemoOptions, zmq_port: int) -> Child:
    return Child(
        "server",
        ["server", "--data-dir", str(layout.server), "--http", f"{options.http_host}:{options.http_port}",
         "--zmq", f"tcp://127.0.0.1:{zmq_port}", "--server-key", str(layout.keys / "server.key"),
         "--edge-keys", str(layout.allowed)],
        layout.logs / "server.log",
    )


def wait_healthy(server: Child, base_url: str, timeout_s: float) -> None:
    """Poll /healthz until it answers 200; fail if the server exits or takes too long."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if server.exit_code is not None:
            raise DemoError(f"the server exited with code {server.exit_code}:\n{server.log_tail()}")
        if time.monotonic() > deadline:
            raise DemoError(f"the server did not answer {base_url}/healthz within {timeout_s:.0f} s:\n"
                            f"{server.log_tail()}")
        time.sleep(0.25)


def write_demo_scene(layout: DemoLayout, index: int) -> Path:
    """Render scene ``index`` of the demo set; return its camera config."""
    from edge.synth.scene import SceneSpecError, make_scene_spec
    from edge.synth.writer import write_scene

    width, height = SCENE_SIZE_PX
    try:
        spec = make_scene_spec(
            DEMO_SEED, index, width, height, SCENE_DURATION_S, SCENE_FPS,
            n_throws=THROWS_PER_SCENE, lighting="day",
        )
    except SceneSpecError as exc:
        raise DemoError(f"cannot plan demo scene {index}: {exc}") from None
    return write_scene(spec, layout.scenes).config


def start_camera(layout: DemoLayout, index: int, scene_config: Path) -> tuple[Child, Path]:
    """A simulated camera streaming the scene, and the edge's camera config that reads it."""
    import yaml

    port = free_loopback_port()
    config = yaml.safe_load(scene_config.read_text(encoding="utf-8"))
    video = (scene_config.parent / config["source"]).resolve()
    config.update(camera_id=f"demo-cam-{index + 1}", source=f"tcp://127.0.0.1:{port}")
    layout.cameras.mkdir(exist_ok=True)
    camera_yaml = layout.cameras / f"{edge_name(index)}.yaml"
    camera_yaml.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    camera = Child(f"camera-{index + 1}", [str(video), str(port)], layout.logs / f"camera-{index + 1}.log",
                   module="fallwatch.camera_sim", clean_exit_codes=frozenset({0, -signal.SIGTERM}))
    return camera, camera_yaml


def start_edge(layout: DemoLayout, index: int, camera_yaml: Path, zmq_port: int) -> Child:
    name = edge_name(index)
    return Child(
        name,
        ["edge", "--config", str(camera_yaml), "--server", f"tcp://127.0.0.1:{zmq_port}",
         "--data-dir", str(layout.edge_dir(index)), "--key", str(layout.keys / f"{name}.key"),
         "--server-key", str(layout.keys / "server.key_public"), "--heartbeat-s", "5",
         "--pre-s", str(CLIP_PRE_S), "--post-s", str(CLIP_POST_S)],
        layout.logs / f"{name}.log",
    )


def _check_alive(children: list[Child]) -> None:
    for child in children:
        if child.exit_code is not None:
            raise DemoError(f"{child.name} exited with code {child.exit_code}; its log "
                            f"({child.log_path}) ends with:\n{child.log_tail()}")


class _Signals:
    """Turn the first SIGINT/SIGTERM into DemoStopped; ignore repeats while stopping."""

    def __init__(self) -> None:
        self.stopping = False
        self._previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

    def install(self) -> None:
        for s in self._previous:
            signal.signal(s, self._handle)

    def restore(self) -> None:
        for s, handler in self._previous.items():
            signal.signal(s, handler)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if not self.stopping:
            self.stopping = True
            raise DemoStopped(signal.Signals(signum).name)


def run_demo(options: DemoOptions, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Run until Ctrl-C/SIGTERM (exit 0) or until a part fails (DemoError, after stopping the rest)."""
    if not 1 <= options.scenes <= MAX_SCENES:
        raise DemoError(f"--scenes must be from 1 to {MAX_SCENES} (one edge node each), got {options.scenes}")
    check_port_free(options.http_host, options.http_port)
    layout, temporary = prepare_data_dir(options.data_dir)
    signals = _Signals()
    signals.install()
    server: list[Child] = []
    cameras: list[Child] = []
    edges: list[Child] = []
    try:
        make_keys(layout, options.scenes)
        password = add_admin(layout)
        zmq_port = free_loopback_port()
        server.append(start_server(layout, options, zmq_port))
        probe_host = "127.0.0.1" if options.http_host in ("0.0.0.0", "::") else options.http_host
        base_url = f"http://{probe_host}:{options.http_port}"
        wait_healthy(server[0], base_url, SERVER_START_TIMEOUT_S)
        print(f"fallwatch demo: review page  {base_url}/", file=out)
        print(f"fallwatch demo: login        {ADMIN_NAME}", file=out)
        print(f"fallwatch demo: password     {password}   (shown once; only its hash is stored)", file=out)
        print(f"fallwatch demo: data folder  {layout.root}{' (temporary)' if temporary else ''}", file=out)
        out.flush()
        bar = ProgressBar("synthesizing scenes", options.scenes, err)
        bar.update(0)
        for i in range(options.scenes):
            scene_config = write_demo_scene(layout, i)
            camera, camera_yaml = start_camera(layout, i, scene_config)
            cameras.append(camera)
            edges.append(start_edge(layout, i, camera_yaml, zmq_port))
            bar.update(i + 1, f"{scene_config.stem} -> camera-{i + 1} -> {edge_name(i)}")
            _check_alive(server + cameras + edges)
        print(f"fallwatch demo: {len(edges)} simulated camera(s) stream the scenes in a loop to their edge "
              "nodes; events appear in the review page within a minute. Ctrl-C stops everything.", file=out)
        out.flush()
        while True:
            time.sleep(0.5)
            _check_alive(server + cameras + edges)
    except DemoStopped as stop:
        print(f"\nfallwatch demo: {stop}: stopping the edges, then the server", file=err)
        return _shutdown([edges, cameras, server], layout, temporary, err, failed=False)
    except BaseException:
        signals.stopping = True
        _shutdown([edges, cameras, server], layout, temporary, err, failed=True)
        raise
    finally:
        signals.restore()


def _shutdown(groups: list[list[Child]], layout: DemoLayout, temporary: bool, err: TextIO, failed: bool) -> int:
    """Stop the groups in order; 0 when every child exited 0 (and a temporary folder is gone)."""
    codes, unclean = stop_all(groups, STOP_TIMEOUT_S)
    if codes:
        print("fallwatch demo: stopped " + ", ".join(f"{n} (exit {c})" for n, c in codes.items()), file=err)
    if temporary and not failed and not unclean:
        shutil.rmtree(layout.root, ignore_errors=True)
    elif failed or unclean:
        print(f"fallwatch demo: logs kept in {layout.logs}", file=err)
    return 1 if unclean else 0
