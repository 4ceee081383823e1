"""The real edge node in threads of this process, for the control-path tests and bench:
``edge.node.assemble`` (detection pipeline, recorder, anonymisers, link, control) fed
one BGR frame over and over at 25 fps, with a CURVE link to a real ingest."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import yaml

from edge.config.camera import config_digest, parse_camera_yaml
from edge.node.assemble import NodeParts, assemble_node
from edge.node.config_store import PushedConfigStore
from edge.node.startup_config import startup_config
from edge.pipeline import DetectionPipeline
from edge.protocol.keys import load_curve_keypair, load_curve_public, load_signing_key
from edge.recording.recorder import RecorderConfig
from edge.sources.frame import Frame
from edge.spool.spool import Spool
from edge.transport.link import LinkConfig
from tests import scenes

CAMERA = "cam-test"
CORNERS = [[200, 20], [440, 20], [440, 350], [200, 350]]


def camera_yaml(floors: int = 10, corners: list[list[int]] = CORNERS, **extra: object) -> str:
    data: dict[str, object] = {
        "camera_id": CAMERA,
        "source": "street.mp4",  # relative: resolved against the --config folder
        "facades": [{"name": "f", "corners": corners,
                     "floors": floors, "columns": 4, "width_m": 14.0}],
        **extra,
    }
    return yaml.safe_dump(data, sort_keys=False)


def digest_of(text: str) -> str:
    return config_digest(parse_camera_yaml(text))


def wait_for(cond: Callable[[], object], timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return bool(cond())



class Edge:
    """The real node in threads, fed ``frame`` at 25 fps, with ``--config`` at ``config_path``."""

    def __init__(
        self, tmp: Path, keys: Path, endpoint: str, config_path: Path, frame: np.ndarray,
        models_dir: Path | None = None, discard_pushed: bool = False,
    ) -> None:
        self.store = PushedConfigStore(tmp / "edge")
        self.running = startup_config(config_path, self.store, discard_pushed)
        self.spool = Spool(tmp / "edge" / "spool", 1 << 28)
        self.frame = frame
        self.frame_times_s: list[float] = []  # monotonic time each frame was asked for
        self.parts: NodeParts = assemble_node(
            self.running,
            lambda cfg: DetectionPipeline(cfg, scenes.FPS),
            RecorderConfig(fps=scenes.FPS, pre_s=1.0, post_s=1.0),
            self.spool,
            load_signing_key(keys / "edge1.sign"),
            LinkConfig(endpoint, CAMERA, heartbeat_s=0.3, ack_timeout_s=1.0),
            load_curve_keypair(keys / "edge1.key"),
            load_curve_public(keys / "server.key_public"),
            self.store,
            models_dir,
        )
        self.node = self.parts.node
        self._thread = threading.Thread(target=self.node.run, args=(self._frames(),), daemon=True)

    def _frames(self) -> Iterator[Frame]:
        i = 0
        while True:
            self.frame_times_s.append(time.monotonic())
            yield Frame.from_bgr(i, i / scenes.FPS, self.frame)
            i += 1
            time.sleep(1 / scenes.FPS)

    def __enter__(self) -> Edge:
        self.parts.start()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.node.stop_requested.set()
        self._thread.join(timeout=10)
        self.parts.stop(1.0)
        self.spool.close()
