"""Wires one camera's node: recorder -> outbox -> spool -> link, and the control path
(config push, snapshot) between the link and the node. The ``fallwatch edge`` command
and the tests build it the same way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nacl.signing import SigningKey

from edge.config.camera import CameraConfig
from edge.node.config_store import PushedConfigStore
from edge.node.control import NodeControl
from edge.node.outbox import Outbox
from edge.node.privacy_switch import PrivacySettings, SwitchableAnonymizer
from edge.node.runner import Detector, EdgeNode
from edge.node.running_config import RunningConfig
from edge.protocol.keys import CurveKeyPair
from edge.recording.recorder import EvidenceRecorder, RecorderConfig
from edge.spool.spool import Spool
from edge.transport.link import EdgeLink, LinkConfig


@dataclass
class NodeParts:
    node: EdgeNode
    link: EdgeLink
    recorder: EvidenceRecorder
    control: NodeControl
    privacy: PrivacySettings

    def start(self) -> None:
        self.recorder.start()
        self.control.start()
        self.link.start()

    def stop(self, drain_timeout_s: float) -> bool:
        """After ``node.run`` returned: finish recordings, wait for acks (True when drained)."""
        self.control.stop()
        return self.node.shutdown(drain_timeout_s)


def assemble_node(
    running: RunningConfig,
    build_detector: Callable[[CameraConfig], Detector],
    recorder_config: RecorderConfig,
    spool: Spool,
    signing_key: SigningKey,
    link_config: LinkConfig,
    curve: CurveKeyPair | None,
    server_public: bytes | None,
    store: PushedConfigStore,
    models_dir: Path | None = None,
    source_stats: Any = None,
) -> NodeParts:
    """``build_detector`` makes the detection pipeline for a resolved config (also for
    pushed configs); it runs here once, so a broken verifier model stops start-up."""
    detector = build_detector(running.config)
    privacy = PrivacySettings(running.config.privacy, models_dir)
    link_ref: list[EdgeLink] = []
    outbox = Outbox(spool, signing_key, on_commit=lambda: link_ref[0].wake())
    recorder = EvidenceRecorder(recorder_config, lambda: SwitchableAnonymizer(privacy), outbox)
    node: EdgeNode
    control: NodeControl
    link = EdgeLink(
        spool,
        link_config,
        heartbeat_fn=lambda: node.heartbeat(),
        curve=curve,
        server_public=server_public,
        on_request=lambda request: control.on_request(request),
    )
    link_ref.append(link)
    node = EdgeNode(running, detector, recorder, spool, link, source_stats=source_stats)
    control = NodeControl(node, store, privacy, build_detector, link.send_reply, on_applied=link.heartbeat_soon)
    return NodeParts(node, link, recorder, control, privacy)
