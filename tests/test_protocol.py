"""Wire format, signed manifests and the server's decoder under random and mutated input."""

from __future__ import annotations

import copy
import hashlib
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nacl.signing import SigningKey

from edge.protocol.manifest import (
    FileEntry,
    ManifestError,
    build_manifest,
    canonical_json,
    sign_manifest,
    verify_manifest,
)
from edge.protocol.messages import (
    MAX_CHUNK_BYTES,
    SCHEMA_VERSION,
    Message,
    MessageType,
    ProtocolError,
    decode,
    encode,
)
from server.clips.directory import DirectoryClipStore
from server.db.engine import Database
from server.db.store import DatabaseStore
from server.ingest.counters import Counters
from server.ingest.handler import IngestHandler
from tests.transport_procs import make_event

KEY = SigningKey(bytes(range(32)))


def _chunk(event: dict, data: bytes, key: SigningKey = KEY, offset: int = 0) -> Message:
    entry = FileEntry("clip", "clip.mp4", len(data), hashlib.sha256(data).hexdigest())
    env = sign_manifest(build_manifest(event, [entry], final=True), key)
    fields = {"file_kind": "clip", "name": "clip.mp4", "size": len(data), "sha256": entry.sha256,
              "offset": offset, "envelope": env}
    return Message(MessageType.CHUNK, 7, event["event_id"], fields, data[offset:])


def _event_msg(event: dict, key: SigningKey = KEY) -> Message:
    env = sign_manifest(build_manifest(event, [], final=False), key)
    return Message(MessageType.EVENT, 3, event["event_id"], {"event": event, "envelope": env})


def test_messages_round_trip_with_version_type_event_and_sequence() -> None:
    ev = make_event(1)
    for msg in (_event_msg(ev), _chunk(ev, b"x" * 1000),
                Message(MessageType.HEARTBEAT, 9, "", {"camera_id": "cam-1", "stats": {"fps": 25.0}})):
        frames = encode(msg)
        header = json.loads(frames[0])
        assert header["v"] == SCHEMA_VERSION and header["type"] == msg.type.value and header["seq"] == msg.seq
        back = decode(frames)
        assert (back.type, back.seq, back.event_id, back.fields) == (msg.type, msg.seq, msg.event_id, msg.fields)
        assert (bytes(back.payload) if back.payload is not None else None) == msg.payload


@pytest.mark.parametrize(
    ("frames", "reason"),
    [
        ([b"not json"], "malformed"),
        ([b"[1,2]"], "malformed"),
        ([json.dumps({"v": 99, "type": "event", "seq": 1, "event_id": "a"}).encode()], "version"),
        ([json.dumps({"v": 1, "type": "teleport", "seq": 1, "event_id": "a"}).encode()], "unknown_type"),
        ([json.dumps({"v": 1, "type": "heartbeat", "seq": -1, "event_id": "",
                      "camera_id": "c", "stats": {}}).encode()], "malformed"),
        ([json.dumps({"v": 1, "type": "heartbeat", "seq": True, "event_id": "",
                      "camera_id": "c", "stats": {}}).encode()], "malformed"),
        ([b"{}", b"", b""], "malformed"),
        ([b" " * (300 * 1024)], "oversized"),
    ],
)
def test_bad_frames_are_rejected_with_a_reason(frames: list[bytes], reason: str) -> None:
    with pytest.raises(ProtocolError) as err:
        decode(frames)
    assert err.value.reason == reason


def test_unsigned_oversized_and_path_escaping_messages_are_rejected() -> None:
    ev = make_event(2)
    head = _event_msg(ev).header()
    del head["envelope"]
    with pytest.raises(ProtocolError, match="unsigned"):
        decode([json.dumps(head).encode()])
    big = _chunk(ev, b"y" * 10)
    with pytest.raises(ProtocolError, match="oversized"):
        decode([encode(big)[0], b"z" * (MAX_CHUNK_BYTES + 1)])
    evil = _chunk({**ev, "event_id": "../../etc"}, b"y" * 10)
    with pytest.raises(ProtocolError, match="event_id"):
        decode(encode(evil))
    past_end = _chunk(ev, b"y" * 10)
    head = past_end.header()
    head["offset"] = 5
    with pytest.raises(ProtocolError, match="outside the file"):
        decode([json.dumps(head).encode(), b"y" * 10])


def test_manifest_verifies_and_detects_every_kind_of_tampering() -> None:
    ev = make_event(3)
    files = [FileEntry("snapshot", "snapshot.jpg", 10, "ab" * 32)]
    env = sign_manifest(build_manifest(ev, files, final=False), KEY)
    ok = verify_manifest(env, ev, {KEY.verify_key.encode().hex()})
    assert ok.event_id == ev["event_id"] and ok.file("snapshot", "snapshot.jpg") == files[0]
    # Server-added fields are not part of what the edge signed.
    verify_manifest(env, {**ev, "evidence": env, "edge_id": "e", "received_at": 1.0})
    with pytest.raises(ManifestError, match="event_sha256"):
        verify_manifest(env, {**ev, "score": 0.1})
    forged = copy.deepcopy(env)
    forged["manifest"]["files"][0]["sha256"] = "cd" * 32
    with pytest.raises(ManifestError, match="bad signature"):
        verify_manifest(forged)
    with pytest.raises(ManifestError, match="not allowed"):
        verify_manifest(env, ev, {SigningKey.generate().verify_key.encode().hex()})
    other = sign_manifest(build_manifest(ev, files, final=False), SigningKey.generate())
    other["public_key"] = env["public_key"]
    with pytest.raises(ManifestError, match="bad signature"):
        verify_manifest(other)
    assert canonical_json({"b": 1, "a": [1.5, "ü"]}) == '{"a":[1.5,"ü"],"b":1}'.encode()


# -- fuzz: the server's decoder and handler -------------------------------------

@pytest.fixture(scope="module")
def handler_and_store():
    tmp = Path(tempfile.mkdtemp(prefix="fw-fuzz-"))
    db = Database.open(f"sqlite:///{tmp}/db.sqlite3")
    store = DatabaseStore(db, DirectoryClipStore(tmp / "clips", 1 << 30))
    counters = Counters()
    from edge.protocol.keys import AllowedEdge

    edge = AllowedEdge("edge1", b"x" * 40, KEY.verify_key.encode().hex())
    handler = IngestHandler(store, tmp / "work", {"k": edge}, True, counters)
    yield handler, store, db
    db.close()


def _stored(db: Database) -> tuple[int, int]:
    from sqlalchemy import func, select

    from server.db.models import EventFileRow, EventRow

    with db.session() as s:
        events = s.scalar(select(func.count()).select_from(EventRow))
        return events, s.scalar(select(func.count()).select_from(EventFileRow))


json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True),
                      st.text(max_size=20))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frames=st.lists(st.binary(max_size=300), min_size=0, max_size=4))
def test_random_frames_never_raise_and_store_nothing(handler_and_store, frames: list[bytes]) -> None:
    handler, _store, db = handler_and_store
    reply = handler.handle(frames, "")
    assert reply.type is MessageType.NACK
    assert _stored(db) == (0, 0)


def _paths(obj: object, prefix: tuple = ()) -> list[tuple]:
    if isinstance(obj, dict):
        return [p for k, v in obj.items() for p in _paths(v, (*prefix, k))] or [prefix]
    if isinstance(obj, list):
        return [p for i, v in enumerate(obj) for p in _paths(v, (*prefix, i))] or [prefix]
    return [prefix]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), kind=st.sampled_from(["event", "chunk"]), value=json_leaf)
def test_mutated_signed_messages_never_raise_and_store_nothing(handler_and_store, data, kind: str, value) -> None:
    handler, _store, db = handler_and_store
    ev = make_event(data.draw(st.integers(0, 50)))
    msg = _event_msg(ev) if kind == "event" else _chunk(ev, b"q" * data.draw(st.integers(1, 3000)))
    header = msg.header()
    signed = ("event", "envelope") if kind == "event" else ("envelope", "size", "sha256", "name", "file_kind")
    path = data.draw(st.sampled_from([p for p in _paths(header) if p and p[0] in signed]))
    target = header
    for part in path[:-1]:
        target = target[part]
    if target[path[-1]] == value:
        return  # not a mutation
    target[path[-1]] = value
    frames = [json.dumps(header).encode()] + ([msg.payload] if msg.payload is not None else [])
    handler.handle(frames, "")
    assert _stored(db) == (0, 0)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flip=st.integers(0, 10_000), size=st.integers(1, 4000))
def test_a_chunk_with_altered_bytes_is_never_stored(handler_and_store, flip: int, size: int) -> None:
    handler, _store, db = handler_and_store
    data = bytearray(hashlib.sha256(str(size).encode()).digest() * (size // 32 + 1))[:size]
    msg = _chunk(make_event(900 + flip % 50, "cam-flip"), bytes(data))
    data[flip % size] ^= 0x01
    reply = handler.handle([encode(msg)[0], bytes(data)], "")
    assert reply.type is MessageType.NACK and reply.fields["reason"] == "checksum"
    assert _stored(db) == (0, 0)
