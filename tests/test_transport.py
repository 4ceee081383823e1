"""The encrypted, acknowledged link on real sockets: delivery, security, integrity."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest
import zmq

from edge.protocol.keys import load_signing_key
from edge.protocol.manifest import FileEntry, build_manifest, sign_manifest, verify_manifest
from edge.protocol.messages import Message, MessageType, encode
from edge.spool.spool import Spool, SpoolEntry
from tests.link_helpers import counts, make_keys, make_link, open_store, start_service
from tests.transport_procs import clip_bytes, make_event, spool_events


def _wait(cond, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return False


def test_curve_link_delivers_every_event_and_clip_once(tmp_path: Path, db_url: str) -> None:
    keys = make_keys(tmp_path / "keys")
    store, db = open_store(tmp_path, db_url)
    service = start_service(store, keys, tmp_path / "work")
    spool = Spool(tmp_path / "spool", 1 << 30)
    spool_events(spool, keys / "edge1.sign", 6, 300_000)
    link = make_link(spool, service.endpoint, keys)
    link.start()
    try:
        assert link.wait_drained(30.0), link.stats
        assert _wait(lambda: service.counters()["heartbeats_total"] >= 1, 5.0)
    finally:
        link.stop()
        service.stop()
    assert counts(db) == (6, 6, 6)
    c = service.counters()
    assert c["events_ingested_total"] == 6 and c["files_ingested_total"] == 6
    assert sum(v for k, v in c.items() if k.startswith("rejected_")) == 0
    for i in range(6):  # byte-exact in the clip store, and the signature is kept
        stored = store.clips.path(f"{make_event(i)['event_id'][:2]}/{make_event(i)['event_id']}/clip-clip.mp4")
        assert hashlib.sha256(stored.read_bytes()).digest() == hashlib.sha256(clip_bytes(i, 300_000)).digest()
    from server.db.models import EventRow

    with db.session() as s:
        row = s.query(EventRow).first()
        assert row.edge_id == "edge1"
        verify_manifest(row.envelope, row.data, {load_signing_key(keys / "edge1.sign").verify_key.encode().hex()})
    db.close()


def test_unknown_keys_and_plaintext_clients_get_nothing_and_are_counted(tmp_path: Path) -> None:
    keys = make_keys(tmp_path / "keys")
    store, db = open_store(tmp_path)
    service = start_service(store, keys, tmp_path / "work")
    rogue = Spool(tmp_path / "rogue", 1 << 30)
    spool_events(rogue, keys / "rogue.sign", 2, 1000)
    rogue_link = make_link(rogue, service.endpoint, keys, name="rogue")
    plain = zmq.Context.instance().socket(zmq.DEALER)
    plain.setsockopt(zmq.LINGER, 0)
    plain.connect(service.endpoint)
    event = make_event(0)
    env = sign_manifest(build_manifest(event, [], final=False), load_signing_key(keys / "edge1.sign"))
    rogue_link.start()
    try:
        msg = Message(MessageType.EVENT, 1, event["event_id"], {"event": event, "envelope": env})
        plain.send_multipart(encode(msg))
        assert _wait(lambda: service.counters()["rejected_unknown_key_total"] >= 1, 5.0)
        assert _wait(lambda: service.counters()["rejected_handshake_total"] >= 2, 5.0)
        assert plain.poll(1000) == 0  # the plaintext client never hears back
        assert not rogue_link.wait_drained(1.0) and rogue_link.stats.acks == 0
    finally:
        rogue_link.stop()
        plain.close()
        service.stop()
    assert counts(db) == (0, 0, 0)
    db.close()


def test_evidence_signed_with_another_edges_key_is_rejected_and_counted(tmp_path: Path) -> None:
    keys = make_keys(tmp_path / "keys")
    store, db = open_store(tmp_path)
    service = start_service(store, keys, tmp_path / "work")
    spool = Spool(tmp_path / "spool", 1 << 30)
    spool_events(spool, keys / "edge2.sign", 1, 1000)  # edge2's key over edge1's connection
    good = make_event(7, "cam-good")
    data = b"genuine" * 100
    entry = FileEntry("clip", "clip.mp4", len(data), hashlib.sha256(data).hexdigest())
    sk = load_signing_key(keys / "edge1.sign")
    env = sign_manifest(build_manifest(good, [entry], final=True), sk)
    # The clip's bytes were swapped after signing: the checksum no longer matches.
    spool.commit([SpoolEntry(good["event_id"], {"event": good, "envelope": env}),
                  SpoolEntry(good["event_id"], {"envelope": env}, "clip", "clip.mp4", b"forged!" * 100, entry.sha256)])
    link = make_link(spool, service.endpoint, keys, max_transfers=1)
    link.start()
    try:
        assert _wait(lambda: service.counters()["rejected_tampered_total"] >= 2, 10.0), service.counters()
        assert _wait(lambda: service.counters()["rejected_checksum_total"] >= 1, 10.0), service.counters()
        assert _wait(lambda: counts(db)[0] == 1, 10.0)
    finally:
        link.stop()
        service.stop()
    assert counts(db) == (1, 0, 0)  # only the honest alert; the forged clip never stored
    assert spool.stats()["rejected_items"] >= 2
    db.close()


def test_a_full_clip_store_defers_and_recovers_once_space_is_freed(tmp_path: Path) -> None:
    keys = make_keys(tmp_path / "keys")
    store, db = open_store(tmp_path, clip_limit=700_000)
    service = start_service(store, keys, tmp_path / "work")
    spool = Spool(tmp_path / "spool", 1 << 30)
    spool_events(spool, keys / "edge1.sign", 4, 300_000)
    link = make_link(spool, service.endpoint, keys)
    link.start()
    try:
        assert _wait(lambda: service.counters()["storage_full_total"] >= 1, 15.0)
        # The link takes the server's reply to the last stored clip off the spool on its
        # own thread, a moment after the server counted the full store.
        assert _wait(lambda: counts(db)[1] == 2 and spool.stats()["depth"] == 2, 10.0), (counts(db), spool.stats())
        store.clips.max_bytes = 1 << 30  # an operator frees space
        assert link.wait_drained(30.0)
    finally:
        link.stop()
        service.stop()
    assert counts(db) == (4, 4, 4)
    assert service.counters()["files_ingested_total"] == 4
    db.close()


@pytest.mark.parametrize("oversize", [True, False])
def test_malformed_and_oversized_messages_do_not_disturb_the_server(tmp_path: Path, oversize: bool) -> None:
    keys = make_keys(tmp_path / "keys")
    store, db = open_store(tmp_path)
    service = start_service(store, keys, tmp_path / "work", insecure=True)
    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(service.endpoint)
    try:
        junk = [b"{" * 5000] if not oversize else [b'{"v":1}', b"x" * (1024 * 1024 + 10)]
        for _ in range(5):
            sock.send_multipart(junk)
        sock.send_multipart([b'{"v":2,"type":"event","seq":1,"event_id":"a"}'])
        replies = [sock.recv_multipart() for _ in range(6) if sock.poll(3000)]
        assert len(replies) == 6 and all(b'"nack"' in r[0] for r in replies)
        c = service.counters()
        assert c["rejected_version_total"] == 1
        assert c["rejected_oversized_total" if oversize else "rejected_malformed_total"] == 5
    finally:
        sock.close()
        service.stop()
    assert counts(db) == (0, 0, 0)
    db.close()
