"""Group commit in the store and chunk assembly with one fsync per file (issue 5, load target).

Real SQLite and PostgreSQL, a real clip store and the real ingest handler with
signed messages. The writer is held on purpose (a first write that waits on a gate)
so that the writes queued behind it deterministically form one batch.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from nacl.signing import SigningKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from edge.protocol.keys import AllowedEdge
from edge.protocol.manifest import FileEntry, build_manifest, sign_manifest
from edge.protocol.messages import Message, MessageType, encode
from server.clips.directory import DirectoryClipStore
from server.db.engine import Database
from server.db.models import CameraRow, EventFileRow, EventRow
from server.db.store import DatabaseStore
from server.ingest.counters import Counters
from server.ingest.handler import IngestHandler
from tests.transport_procs import clip_bytes, make_event

KEY = SigningKey(bytes(range(1, 33)))


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[DatabaseStore]:
    db = Database.open(db_url)
    yield DatabaseStore(db, DirectoryClipStore(tmp_path / "clips", 1 << 30))
    db.close()


def _held_batch(store: DatabaseStore, calls: list[Callable[[], Any]]) -> tuple[list[Any], int]:
    """Run ``calls`` in threads while the writer is held, so their writes queue up and
    are committed together; return each call's result (or exception) and the commits
    the writer made for them."""
    gate = threading.Event()
    entered = threading.Event()

    def hold(_s: Session) -> None:
        entered.set()
        gate.wait(10)

    holder = threading.Thread(target=store.writer.run, args=(hold,))
    holder.start()
    assert entered.wait(10)
    commits_before = store.writer.commits + 1  # the holder's own commit
    results: list[Any] = [None] * len(calls)

    def call(i: int) -> None:
        try:
            results[i] = calls[i]()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while store.writer._jobs.qsize() < len(calls):
        assert time.monotonic() < deadline, "the writes did not queue up"
        time.sleep(0.005)
    gate.set()
    for t in [holder, *threads]:
        t.join(10)
    return results, store.writer.commits - commits_before


def _count(store: DatabaseStore, row: type) -> int:
    with store.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(row)) or 0)


def test_concurrent_events_and_heartbeats_share_one_commit(store: DatabaseStore) -> None:
    events = [make_event(i, f"cam-{i % 3}") for i in range(24)]
    calls: list[Callable[[], Any]] = [lambda e=e: store.put_event(e) for e in events]
    calls.append(lambda: store.put_heartbeats({"cam-0": {"fps": 25.0}, "cam-9": {"fps": 12.5}}))
    results, commits = _held_batch(store, calls)
    assert results == [True] * 24 + [None]
    assert commits == 1  # 25 writes, one transaction
    assert store.counters()["db_writes_total"] - store.counters()["db_commits_total"] == 24  # for /metrics
    assert _count(store, EventRow) == 24
    with store.db.session() as s:
        cams = {c.camera_id: c for c in s.scalars(select(CameraRow))}
    # New cameras first seen inside the batch are inserted once and then updated.
    assert sorted(cams) == ["cam-0", "cam-1", "cam-2", "cam-9"]
    assert cams["cam-0"].heartbeat == {"fps": 25.0} and cams["cam-0"].last_event_at_s is not None
    assert cams["cam-9"].heartbeat == {"fps": 12.5} and cams["cam-9"].last_event_at_s is None


def test_a_failing_write_gets_its_own_error_and_the_batch_is_still_stored(store: DatabaseStore) -> None:
    ev = make_event(1)

    def broken(_s: Session) -> None:
        raise RuntimeError("disk on fire")

    calls: list[Callable[[], Any]] = [
        lambda: store.put_event(ev),
        lambda: store.put_event(ev),  # the same event twice in one batch: stored once
        lambda: store.writer.run(broken),
        lambda: store.put_event(make_event(2)),
    ]
    results, commits = _held_batch(store, calls)
    assert sorted(r for r in results if isinstance(r, bool)) == [False, True, True]
    assert isinstance(results[2], RuntimeError) and "disk on fire" in str(results[2])
    assert commits == 3  # the batch was rolled back, then the three good writes committed alone
    assert _count(store, EventRow) == 2
    assert store.counters()["events_duplicate_total"] == 1


def test_the_same_file_attached_twice_in_one_batch_is_stored_once(store: DatabaseStore, tmp_path: Path) -> None:
    ev = make_event(3)
    store.put_event(ev)
    data = clip_bytes(3, 5000)
    sha = hashlib.sha256(data).hexdigest()
    srcs = []
    for i in range(2):
        srcs.append(tmp_path / f"src{i}.mp4")
        srcs[-1].write_bytes(data)
    results, _ = _held_batch(store, [lambda p=p: store.put_file(ev["event_id"], "clip", "clip.mp4", p, sha)
                                     for p in srcs])
    assert sorted(results) == [False, True]
    assert _count(store, EventFileRow) == 1
    assert store.clips.path(f"{ev['event_id'][:2]}/{ev['event_id']}/clip-clip.mp4").read_bytes() == data


def test_heartbeats_of_many_cameras_are_one_commit(store: DatabaseStore) -> None:
    store.put_heartbeats({f"cam-{i}": {"fps": 1.0} for i in range(100)})
    before = store.writer.commits
    store.put_heartbeats({f"cam-{i}": {"fps": float(i)} for i in range(300)})
    assert store.writer.commits == before + 1
    with store.db.session() as s:
        cams = {c.camera_id: c.heartbeat["fps"] for c in s.scalars(select(CameraRow))}
    assert len(cams) == 300 and cams["cam-7"] == 7.0 and cams["cam-299"] == 299.0


# -- chunks: "received" acks, one fsync per file before the done ack ---------------

CHUNK = 4096


@pytest.fixture
def handler(tmp_path: Path) -> Iterator[tuple[IngestHandler, DatabaseStore]]:
    db = Database.open(f"sqlite:///{tmp_path}/db.sqlite3")
    store = DatabaseStore(db, DirectoryClipStore(tmp_path / "clips", 1 << 30))
    yield _handler(store, tmp_path), store
    db.close()


def _handler(store: DatabaseStore, tmp_path: Path) -> IngestHandler:
    edge = AllowedEdge("edge1", b"x" * 40, KEY.verify_key.encode().hex())
    return IngestHandler(store, tmp_path / "work", {"k": edge}, True, Counters())


class _Sender:
    """Signed event and clip chunks exactly as the edge link frames them."""

    def __init__(self, i: int, size: int) -> None:
        self.event = make_event(i, "cam-b")
        self.data = clip_bytes(i, size)
        self.sha = hashlib.sha256(self.data).hexdigest()
        entry = FileEntry("clip", "clip.mp4", size, self.sha)
        self.alert = sign_manifest(build_manifest(self.event, [], final=False), KEY)
        self.final = sign_manifest(build_manifest(self.event, [entry], final=True), KEY)

    def event_frames(self) -> list[Any]:
        return encode(Message(MessageType.EVENT, 1, self.event["event_id"],
                              {"event": self.event, "envelope": self.alert}))

    def chunk(self, offset: int) -> list[Any]:
        fields = {"file_kind": "clip", "name": "clip.mp4", "size": len(self.data), "sha256": self.sha,
                  "offset": offset, "envelope": self.final}
        payload = self.data[offset : offset + CHUNK]
        return encode(Message(MessageType.CHUNK, 2 + offset, self.event["event_id"], fields, payload))

    def send_from(self, h: IngestHandler, offset: int) -> Message:
        """Send chunks from ``offset`` until a reply is not a plain "received" ack."""
        while True:
            reply = h.handle(self.chunk(offset), "")
            if reply.type is not MessageType.ACK or reply.fields.get("done"):
                return reply
            assert reply.fields["have"] == offset + min(CHUNK, len(self.data) - offset)
            offset = reply.fields["have"]


def _stored_clip(store: DatabaseStore, event_id: str) -> bytes:
    with store.db.session() as s:
        row = s.scalars(select(EventFileRow).where(EventFileRow.event_id == event_id)).one()
    return store.clips.path(row.rel_path).read_bytes()


def test_only_the_complete_file_is_fsynced_and_before_its_done_ack(
    handler: tuple[IngestHandler, DatabaseStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    h, store = handler
    snd = _Sender(1, 5 * CHUNK + 100)
    assert h.handle(snd.event_frames(), "").type is MessageType.ACK
    partial = h.assembler.partial_path("insecure", snd.event["event_id"], "clip", "clip.mp4")
    synced: list[tuple[int, int]] = []  # (inode, size) of every file fsynced, in order
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        st = os.fstat(fd)
        synced.append((st.st_ino, st.st_size))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    offset = 0
    inode = None
    while offset + CHUNK < len(snd.data):
        reply = h.handle(snd.chunk(offset), "")
        assert reply.type is MessageType.ACK and not reply.fields["done"]
        offset = reply.fields["have"]
        inode = partial.stat().st_ino
    assert synced == []  # "received" acks cost no fsync
    reply = h.handle(snd.chunk(offset), "")
    assert reply.type is MessageType.ACK and reply.fields["done"] is True
    assert (inode, len(snd.data)) in synced  # the whole file was durable before "done"
    assert _stored_clip(store, snd.event["event_id"]) == snd.data


def test_a_tail_lost_in_a_power_cut_is_resent_from_what_the_server_holds(
    handler: tuple[IngestHandler, DatabaseStore],
) -> None:
    h, store = handler
    snd = _Sender(2, 4 * CHUNK)
    h.handle(snd.event_frames(), "")
    for offset in (0, CHUNK, 2 * CHUNK):
        assert h.handle(snd.chunk(offset), "").fields["have"] == offset + CHUNK
    partial = h.assembler.partial_path("insecure", snd.event["event_id"], "clip", "clip.mp4")
    with open(partial, "r+b") as f:  # unsynced bytes the power cut took, although acknowledged
        f.truncate(CHUNK + 1000)
    reply = h.handle(snd.chunk(3 * CHUNK), "")
    assert reply.type is MessageType.NACK and reply.fields["reason"] == "gap"
    assert reply.fields["have"] == CHUNK + 1000
    reply = snd.send_from(h, CHUNK)  # the edge resumes at its last chunk boundary below "have"
    assert reply.fields["done"] is True
    assert _stored_clip(store, snd.event["event_id"]) == snd.data


@pytest.mark.parametrize("restarted", [True, False], ids=["after-restart", "read-back-by-store"])
def test_a_torn_tail_fails_the_checksum_and_the_file_starts_over(
    handler: tuple[IngestHandler, DatabaseStore], tmp_path: Path, restarted: bool
) -> None:
    """With or without a restart in between, the read-back of the bytes on disk catches
    it, and the file starts over instead of being refused for good."""
    h, store = handler
    snd = _Sender(3, 3 * CHUNK)
    h.handle(snd.event_frames(), "")
    h.handle(snd.chunk(0), "")
    h.handle(snd.chunk(CHUNK), "")
    partial = h.assembler.partial_path("insecure", snd.event["event_id"], "clip", "clip.mp4")
    with open(partial, "r+b") as f:  # right length, wrong bytes: blocks that never reached the disk
        f.seek(CHUNK + 10)
        f.write(b"\0" * 100)
    if restarted:
        h = _handler(store, tmp_path)
    reply = h.handle(snd.chunk(2 * CHUNK), "")
    assert reply.type is MessageType.NACK and reply.fields["reason"] == "checksum" and reply.fields["have"] == 0
    assert _count(store, EventFileRow) == 0
    assert snd.send_from(h, 0).fields["done"] is True
    assert _stored_clip(store, snd.event["event_id"]) == snd.data


def test_after_a_restart_a_partial_file_is_finished_and_stored_once(
    handler: tuple[IngestHandler, DatabaseStore], tmp_path: Path
) -> None:
    h, store = handler
    snd = _Sender(4, 3 * CHUNK - 7)
    h.handle(snd.event_frames(), "")
    h.handle(snd.chunk(0), "")
    h.handle(snd.chunk(CHUNK), "")
    restarted = _handler(store, tmp_path)  # a new process: nothing in memory about the file
    reply = restarted.handle(snd.chunk(2 * CHUNK), "")
    assert reply.type is MessageType.ACK and reply.fields["done"] is True and not reply.fields["duplicate"]
    again = restarted.handle(snd.chunk(2 * CHUNK), "")  # a resend after a lost ack
    assert again.fields["done"] is True and again.fields["duplicate"] is True
    assert _count(store, EventFileRow) == 1
    assert _stored_clip(store, snd.event["event_id"]) == snd.data


def test_folders_made_for_a_clip_are_fsynced_into_their_parents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clips = DirectoryClipStore(tmp_path / "clips", 1 << 20)
    (tmp_path / "clips" / "ab").mkdir()
    synced: list[Path] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        synced.append(Path(os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    clips.put_bytes(b"x" * 100, "ab/abcd/clip-clip.mp4")
    root = tmp_path / "clips"
    # The file, its new folder, and the existing folder that got a new entry; not the root.
    assert synced[0].parent == root / "ab" / "abcd"
    assert synced[1:] == [root / "ab" / "abcd", root / "ab"]
    synced.clear()
    clips.put_bytes(b"y" * 100, "ab/abcd/snapshot-snap.jpg")  # nothing new above the file's folder
    assert synced[1:] == [root / "ab" / "abcd"]


def test_the_handler_flushes_every_cameras_latest_heartbeat_in_one_commit(
    handler: tuple[IngestHandler, DatabaseStore],
) -> None:
    h, store = handler
    for seq in range(3):
        for i in range(50):
            frames = encode(Message(MessageType.HEARTBEAT, seq, "", {"camera_id": f"cam-{i}", "stats": {"n": seq}}))
            assert h.handle(frames, "").type is MessageType.ACK
    before = store.writer.commits
    h.flush_heartbeats()
    h.flush_heartbeats()  # nothing new: no commit
    assert store.writer.commits == before + 1
    with store.db.session() as s:
        beats = {c.camera_id: c.heartbeat for c in s.scalars(select(CameraRow))}
    assert len(beats) == 50 and all(hb["n"] == 2 and hb["edge_id"] == "insecure" for hb in beats.values())


def test_a_torn_manifest_file_starts_over_and_is_not_taken_for_tampering(
    handler: tuple[IngestHandler, DatabaseStore],
) -> None:
    h, store = handler
    snd = _Sender(5, 100)
    h.handle(snd.event_frames(), "")
    body = json.dumps(snd.final).encode()
    sha = hashlib.sha256(body).hexdigest()

    def chunk(offset: int, payload: bytes) -> list[Any]:
        fields = {"file_kind": "manifest", "name": "manifest.json", "size": len(body), "sha256": sha,
                  "offset": offset, "envelope": snd.final}
        return encode(Message(MessageType.CHUNK, 9, snd.event["event_id"], fields, payload))

    half = len(body) // 2
    assert h.handle(chunk(0, body[:half]), "").fields["have"] == half
    partial = h.assembler.partial_path("insecure", snd.event["event_id"], "manifest", "manifest.json")
    with open(partial, "r+b") as f:
        f.write(b"#" * 10)
    reply = h.handle(chunk(half, body[half:]), "")
    assert reply.type is MessageType.NACK and reply.fields["reason"] == "checksum" and reply.fields["have"] == 0
    assert h.handle(chunk(0, body), "").fields["done"] is True
    assert h.counters.snapshot()["rejected_tampered_total"] == 0
    assert _count(store, EventFileRow) == 1
