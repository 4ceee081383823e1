"""A camera's edge on the real CURVE link (edge.transport.link.EdgeLink) without the
detection node, for installer tests: it answers control requests the way the node
does. A pushed config must validate and keep the edge's source, else the previous one
stays; a snapshot is the JPEG it was given; the running config is the YAML it started
with (``yaml_text``) or the one last pushed. It heartbeats its config's digest."""

from __future__ import annotations

from pathlib import Path

from edge.config.camera import CameraConfig, config_digest, dump_camera_config, parse_camera_yaml
from edge.protocol.keys import load_curve_keypair, load_curve_public
from edge.protocol.messages import Message, MessageType, control_refusal
from edge.spool.spool import Spool
from edge.transport.link import EdgeLink, LinkConfig


class LinkedEdge:
    """``key``: the edge's CURVE key pair file; ``server_public``: the server's public key file."""

    def __init__(
        self,
        root: Path,
        key: Path,
        server_public: Path,
        endpoint: str,
        config: CameraConfig,
        snapshot_jpeg: bytes,
        yaml_text: str | None = None,
    ) -> None:
        self.config = config
        self.yaml_text = yaml_text if yaml_text is not None else dump_camera_config(config)
        self.snapshot_jpeg = snapshot_jpeg
        self.camera_id = config.camera_id
        self.spool = Spool(root / "spool", 1 << 24)
        self.link = EdgeLink(
            self.spool,
            LinkConfig(endpoint, self.camera_id, heartbeat_s=0.2, ack_timeout_s=1.0, backoff_cap_s=0.5),
            lambda: {"config_version": config_digest(self.config)},
            load_curve_keypair(key),
            load_curve_public(server_public),
            on_request=self.answer,
        )
        self.link.start()

    def answer(self, request: Message) -> None:
        if request.type is MessageType.SNAPSHOT_REQUEST:
            fields = {"camera_id": self.camera_id, "ok": True}
            self.link.send_reply(Message(MessageType.SNAPSHOT, request.seq, "", fields, self.snapshot_jpeg))
            return
        if request.type is MessageType.RUNNING_CONFIG_REQUEST:
            fields = {
                "camera_id": self.camera_id,
                "ok": True,
                "yaml": self.yaml_text,
                "config_version": config_digest(self.config),
                "version": None,
                "error": None,
            }
            self.link.send_reply(Message(MessageType.RUNNING_CONFIG, request.seq, "", fields))
            return
        try:
            new = parse_camera_yaml(str(request.fields["yaml"]))
        except ValueError as exc:
            self.link.send_reply(control_refusal(request, str(exc)))
            return
        if new.source != self.config.source:
            self.link.send_reply(control_refusal(request, f"source: this edge opens {self.config.source}"))
            return
        self.config, self.yaml_text = new, str(request.fields["yaml"])
        fields = {
            "camera_id": self.camera_id,
            "applied": True,
            "version": request.fields["version"],
            "config_version": config_digest(new),
            "error": None,
        }
        self.link.send_reply(Message(MessageType.CONFIG_RESULT, request.seq, "", fields))
        self.link.heartbeat_soon()

    def close(self) -> None:
        self.link.stop()
        self.spool.close()
