"""Calls from the installer API to a camera's edge over the ZeroMQ link (config push,
snapshot request, running config request), each turned into one outcome the page can show.

``control`` is the server's ``server.ingest.control.EdgeControl``, or None when this
server runs without the ingest (``fallwatch server --no-ingest``). What an edge says goes
to the page with the credentials of any URL in it masked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from edge.config.source_mask import mask_urls_in_text
from server.db.configs import PushStatus
from server.ingest.control import EdgeControl, EdgeUnavailable, RunningConfigReply

PUSH_TIMEOUT_S = 10.0
SNAPSHOT_TIMEOUT_S = 10.0
RUNNING_CONFIG_TIMEOUT_S = 5.0
T = TypeVar("T")
NO_INGEST = "this server runs without the ZeroMQ ingest, so it cannot reach edges"


@dataclass(frozen=True)
class PushOutcome:
    """``message`` is one line for the installer; ``edge_config_version`` what the edge
    says it runs after the push (None when it did not answer)."""

    status: PushStatus
    message: str
    edge_config_version: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "applied": self.status == "applied",
            "message": self.message,
            "edge_config_version": self.edge_config_version,
        }


class EdgeCallFailed(Exception):
    """The edge gave no image or config; ``status_code`` is 503 (unreachable, refused,
    imagery withheld) or 504 (no answer in time), the message says why."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(mask_urls_in_text(message))
        self.status_code = status_code


def push_config(control: EdgeControl | None, camera_id: str, yaml_text: str, version: int, digest: str) -> PushOutcome:
    """Send a saved version to the camera's edge and wait for its answer."""
    if control is None:
        return PushOutcome(
            "not_reached", f"edge not reached: {NO_INGEST}; a server with the ingest pushes version {version}"
        )
    try:
        result = control.push_config(camera_id, yaml_text, version, timeout_s=PUSH_TIMEOUT_S)
    except EdgeUnavailable as exc:
        return PushOutcome(
            "not_reached",
            f"edge not reached ({mask_urls_in_text(str(exc))}); it gets version {version} when it next connects",
        )
    except TimeoutError:
        return PushOutcome(
            "timeout",
            f"the edge did not answer within {PUSH_TIMEOUT_S:.0f} s; it gets version {version} when it next connects",
        )
    if not result.applied:
        return PushOutcome(
            "rejected",
            f"the edge refused version {version} and keeps running its previous config: "
            + mask_urls_in_text(result.error or "no reason given"),
            result.config_version or None,
        )
    if result.config_version != digest:
        return PushOutcome(
            "applied",
            f"the edge applied version {version} but reports config {result.config_version}, expected {digest}",
            result.config_version,
        )
    return PushOutcome("applied", f"the edge applied version {version} (config {digest})", result.config_version)


def request_snapshot(control: EdgeControl | None, camera_id: str) -> bytes:
    """A fresh, anonymised JPEG of the camera's current frame from its edge."""
    if control is None:
        raise EdgeCallFailed(503, f"{NO_INGEST}; upload an image instead")
    return _ask(
        lambda: control.request_snapshot(camera_id, timeout_s=SNAPSHOT_TIMEOUT_S),
        camera_id, "an image", SNAPSHOT_TIMEOUT_S,
    )


def running_config(control: EdgeControl | None, camera_id: str) -> RunningConfigReply:
    """The config the camera's edge runs now (its YAML holds the source's credentials)."""
    if control is None:
        raise EdgeCallFailed(503, NO_INGEST)
    return _ask(
        lambda: control.request_running_config(camera_id, timeout_s=RUNNING_CONFIG_TIMEOUT_S),
        camera_id, "its running config", RUNNING_CONFIG_TIMEOUT_S,
    )


def _ask(call: Callable[[], T], camera_id: str, what: str, timeout_s: float) -> T:
    """One request to the camera's edge; an unreachable or silent edge becomes a 503/504."""
    try:
        return call()
    except EdgeUnavailable as exc:
        # The reason may already name the camera; once is enough on the page.
        reason = str(exc).removeprefix(f"camera {camera_id}: ")
        raise EdgeCallFailed(503, f"the edge of {camera_id} did not send {what}: {reason}") from None
    except TimeoutError:
        raise EdgeCallFailed(504, f"the edge of {camera_id} did not send {what} within {timeout_s:.0f} s") from None
