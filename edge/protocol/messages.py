"""Versioned multipart messages between an edge DEALER and the server ROUTER.

A message is one or two ZeroMQ frames: a UTF-8 JSON header, then for a file chunk
the chunk's (or snapshot's) raw bytes. Every header carries ``v`` (schema version), ``type``,
``event_id`` (empty for heartbeats) and ``seq`` (the sender's sequence number; a
reply repeats the ``seq`` of the request it answers). ``decode`` never trusts its
input: every field is type- and bound-checked and any problem raises
``ProtocolError`` with a ``reason`` the server counts.

Most messages go edge -> server and the server answers ``ack``/``nack``. Control
requests go the other way: the server sends ``config_push``, ``snapshot_request`` or
``running_config_request`` (its own ``seq``) and the edge answers ``config_result``,
``snapshot`` or ``running_config`` with that ``seq``; the server does not acknowledge
those answers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

SCHEMA_VERSION = 1
MAX_HEADER_BYTES = 256 * 1024
MAX_CHUNK_BYTES = 1024 * 1024
MAX_FILE_BYTES = 256 * 1024 * 1024
DEFAULT_CHUNK_BYTES = 1024 * 1024
MAX_CONFIG_BYTES = 64 * 1024  # a camera YAML is a few KiB; anything near this is not a config
MAX_SNAPSHOT_BYTES = MAX_CHUNK_BYTES  # one frame, so the server's per-frame size limit holds
MAX_ERROR_CHARS = 4000

# Identifiers end up in file paths on the server, so they are restricted to a
# safe alphabet instead of being escaped.
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class MessageType(StrEnum):
    EVENT = "event"
    CHUNK = "chunk"
    HEARTBEAT = "heartbeat"
    ACK = "ack"
    NACK = "nack"
    CONFIG_PUSH = "config_push"
    CONFIG_RESULT = "config_result"
    SNAPSHOT_REQUEST = "snapshot_request"
    SNAPSHOT = "snapshot"
    RUNNING_CONFIG_REQUEST = "running_config_request"
    RUNNING_CONFIG = "running_config"


# Server -> edge requests, and the edge's answers to them.
CONTROL_REQUESTS = frozenset(
    {MessageType.CONFIG_PUSH, MessageType.SNAPSHOT_REQUEST, MessageType.RUNNING_CONFIG_REQUEST}
)
CONTROL_REPLIES = frozenset({MessageType.CONFIG_RESULT, MessageType.SNAPSHOT, MessageType.RUNNING_CONFIG})


class FileKind(StrEnum):
    CLIP = "clip"
    SNAPSHOT = "snapshot"
    SNAPSHOT_CLEAN = "snapshot_clean"
    MANIFEST = "manifest"


class ProtocolError(ValueError):
    """A message that cannot be accepted. ``reason`` is a short counter name."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Message:
    """A decoded message: the validated header and, for chunks, the payload bytes."""

    type: MessageType
    seq: int
    event_id: str
    fields: dict[str, Any] = field(default_factory=dict)
    payload: bytes | memoryview | None = None

    def header(self) -> dict[str, Any]:
        return {
            "v": SCHEMA_VERSION,
            "type": self.type.value,
            "event_id": self.event_id,
            "seq": self.seq,
            **self.fields,
        }


def encode(msg: Message) -> list[bytes | memoryview]:
    """Frames ready for ``send_multipart`` (header first, payload second)."""
    head = json.dumps(msg.header(), separators=(",", ":")).encode()
    if len(head) > MAX_HEADER_BYTES:
        raise ProtocolError("oversized", f"header of {len(head)} bytes exceeds {MAX_HEADER_BYTES}")
    return [head] if msg.payload is None else [head, msg.payload]


def _need(fields: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    if key not in fields:
        raise ProtocolError("malformed", f"header field {key!r} is missing")
    value = fields[key]
    # bool is an int subclass; a count given as true/false is malformed.
    if isinstance(value, bool) and kind is not bool:
        raise ProtocolError("malformed", f"header field {key!r} must be {kind}, got bool")
    if not isinstance(value, kind):
        raise ProtocolError("malformed", f"header field {key!r} has type {type(value).__name__}")
    return value


def _need_envelope(fields: dict[str, Any]) -> None:
    if not isinstance(fields.get("envelope"), dict):
        raise ProtocolError("unsigned", "the message carries no signed manifest envelope")


def valid_id(value: str) -> bool:
    return bool(_ID_RE.match(value))


def _check_chunk(fields: dict[str, Any], payload: bytes | memoryview | None) -> None:
    kind = _need(fields, "file_kind", str)
    if kind not in FileKind.__members__.values():
        raise ProtocolError("malformed", f"unknown file_kind {kind!r}")
    if not _NAME_RE.match(_need(fields, "name", str)):
        raise ProtocolError("malformed", "file name has characters outside [A-Za-z0-9._-]")
    if not _SHA256_RE.match(_need(fields, "sha256", str)):
        raise ProtocolError("malformed", "sha256 must be 64 lowercase hex digits")
    size = _need(fields, "size", int)
    offset = _need(fields, "offset", int)
    _need_envelope(fields)
    if payload is None:
        raise ProtocolError("malformed", "a chunk needs a payload frame")
    if len(payload) > MAX_CHUNK_BYTES:
        raise ProtocolError("oversized", f"chunk of {len(payload)} bytes exceeds {MAX_CHUNK_BYTES}")
    if not 0 < size <= MAX_FILE_BYTES:
        raise ProtocolError("oversized", f"file size {size} is outside 1..{MAX_FILE_BYTES}")
    if offset < 0 or offset + len(payload) > size or (len(payload) == 0 and offset != size):
        raise ProtocolError("malformed", f"chunk [{offset}, +{len(payload)}) lies outside the file")


def check_event(event: dict[str, Any]) -> None:
    """The DESIGN.md detection contract, as far as the server relies on it."""
    for key in ("event_id", "camera_id"):
        if not isinstance(event.get(key), str) or not valid_id(event[key]):
            raise ProtocolError("malformed", f"event.{key} must be an identifier")
    for key in ("t_start", "t_end", "detected_at", "score"):
        value = event.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ProtocolError("malformed", f"event.{key} must be a number")
    origin = event.get("origin")
    if not isinstance(origin, dict) or not all(
        isinstance(origin.get(k), int) and not isinstance(origin.get(k), bool) for k in ("floor", "column")
    ):
        raise ProtocolError("malformed", "event.origin needs integer floor and column")
    if not isinstance(event.get("trajectory"), list):
        raise ProtocolError("malformed", "event.trajectory must be a list")


def _check_camera_id(fields: dict[str, Any]) -> None:
    if not valid_id(_need(fields, "camera_id", str)):
        raise ProtocolError("malformed", "camera_id has characters outside [A-Za-z0-9._-]")


def _check_error(fields: dict[str, Any]) -> None:
    error = fields.get("error")
    if error is not None and (not isinstance(error, str) or len(error) > MAX_ERROR_CHARS):
        raise ProtocolError("malformed", f"error must be null or a string of at most {MAX_ERROR_CHARS} characters")


def _check_control(mtype: MessageType, fields: dict[str, Any], payload: bytes | memoryview | None) -> None:
    """Bounds of the control messages (config push, snapshot request and their answers)."""
    _check_camera_id(fields)
    if mtype is MessageType.CONFIG_PUSH:
        version = _need(fields, "version", int)
        if not 1 <= version < 2**31:
            raise ProtocolError("malformed", "version must be a positive 32-bit integer")
        if len(_need(fields, "yaml", str).encode()) > MAX_CONFIG_BYTES:
            raise ProtocolError("oversized", f"config YAML exceeds {MAX_CONFIG_BYTES} bytes")
    elif mtype is MessageType.CONFIG_RESULT:
        _need(fields, "applied", bool)
        _need(fields, "version", int)
        if len(_need(fields, "config_version", str)) > 64:
            raise ProtocolError("malformed", "config_version is longer than 64 characters")
        _check_error(fields)
    elif mtype is MessageType.SNAPSHOT:
        ok = _need(fields, "ok", bool)
        _check_error(fields)
        if ok and payload is None:
            raise ProtocolError("malformed", "a snapshot needs its JPEG as payload frame")
        if not ok and payload is not None:
            raise ProtocolError("malformed", "a refused snapshot has no payload frame")
        if payload is not None and len(payload) > MAX_SNAPSHOT_BYTES:
            raise ProtocolError("oversized", f"snapshot of {len(payload)} bytes exceeds {MAX_SNAPSHOT_BYTES}")
    elif mtype is MessageType.RUNNING_CONFIG:
        _check_running_config(fields)


def _check_running_config(fields: dict[str, Any]) -> None:
    """``yaml`` (the config text the edge runs) and its ``config_version`` digest when
    ``ok``; ``version`` is the server's number of a pushed config, null for ``--config``."""
    _check_error(fields)
    version = fields.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int) or version < 1):
        raise ProtocolError("malformed", "version must be null or a positive integer")
    if not _need(fields, "ok", bool):
        if fields.get("yaml") is not None:
            raise ProtocolError("malformed", "a refused running config carries no yaml")
        return
    if len(_need(fields, "yaml", str).encode()) > MAX_CONFIG_BYTES:
        raise ProtocolError("oversized", f"running config YAML exceeds {MAX_CONFIG_BYTES} bytes")
    if not 1 <= len(_need(fields, "config_version", str)) <= 64:
        raise ProtocolError("malformed", "config_version must be 1 to 64 characters")


def decode(frames: list[bytes] | list[memoryview] | list[Any]) -> Message:
    """Validate and decode the frames of one message (without a routing id)."""
    if not 1 <= len(frames) <= 2:
        raise ProtocolError("malformed", f"expected 1 or 2 frames, got {len(frames)}")
    if len(frames) == 2 and len(frames[1]) > MAX_CHUNK_BYTES:
        raise ProtocolError("oversized", f"payload of {len(frames[1])} bytes exceeds {MAX_CHUNK_BYTES}")
    if len(frames[0]) > MAX_HEADER_BYTES:
        raise ProtocolError("oversized", f"header of {len(frames[0])} bytes exceeds {MAX_HEADER_BYTES}")
    head = bytes(frames[0])
    try:
        fields = json.loads(head)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ProtocolError("malformed", f"header is not JSON: {exc}") from None
    if not isinstance(fields, dict):
        raise ProtocolError("malformed", "header must be a JSON object")
    version = fields.pop("v", None)
    if version != SCHEMA_VERSION:
        raise ProtocolError("version", f"schema version {version!r} is not {SCHEMA_VERSION}")
    type_name = _need(fields, "type", str)
    if type_name not in MessageType.__members__.values():
        raise ProtocolError("unknown_type", f"message type {type_name!r} is unknown")
    mtype = MessageType(type_name)
    fields.pop("type")
    seq = _need(fields, "seq", int)
    if not 0 <= seq < 2**63:
        raise ProtocolError("malformed", "seq must be a non-negative 64-bit integer")
    fields.pop("seq")
    event_id = _need(fields, "event_id", str)
    fields.pop("event_id")
    payload = frames[1] if len(frames) == 2 else None
    if mtype is MessageType.CHUNK:
        _check_chunk(fields, payload)
    elif payload is not None and mtype is not MessageType.SNAPSHOT:
        raise ProtocolError("malformed", f"a {mtype.value} message has no payload frame")
    if mtype in (MessageType.EVENT, MessageType.CHUNK) and not valid_id(event_id):
        raise ProtocolError("malformed", "event_id must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}")
    if mtype is MessageType.EVENT:
        check_event(_need(fields, "event", dict))
        _need_envelope(fields)
    elif mtype is MessageType.HEARTBEAT:
        _check_camera_id(fields)
        _need(fields, "stats", dict)
    elif mtype is MessageType.NACK:
        _need(fields, "reason", str)
    elif mtype in CONTROL_REQUESTS or mtype in CONTROL_REPLIES:
        _check_control(mtype, fields, payload)
    return Message(mtype, seq, event_id, fields, payload)


def control_refusal(request: Message, error: str) -> Message:
    """The answer to a control request that is not carried out, naming why."""
    camera_id = str(request.fields.get("camera_id", ""))
    error = error[:MAX_ERROR_CHARS]
    if request.type is MessageType.CONFIG_PUSH:
        fields = {"camera_id": camera_id, "applied": False, "version": request.fields.get("version", 0),
                  "config_version": "", "error": error}
        return Message(MessageType.CONFIG_RESULT, request.seq, "", fields)
    if request.type is MessageType.SNAPSHOT_REQUEST:
        return Message(MessageType.SNAPSHOT, request.seq, "", {"camera_id": camera_id, "ok": False, "error": error})
    if request.type is MessageType.RUNNING_CONFIG_REQUEST:
        fields = {"camera_id": camera_id, "ok": False, "yaml": None, "config_version": "", "version": None,
                  "error": error}
        return Message(MessageType.RUNNING_CONFIG, request.seq, "", fields)
    raise ValueError(f"{request.type.value} is not a control request")
