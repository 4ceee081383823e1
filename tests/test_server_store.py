"""The SQLAlchemy store behind the ingest, on SQLite and PostgreSQL, with a real clip store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from nacl.signing import SigningKey
from server_helpers import make_event, make_jpeg, store_signed_event
from sqlalchemy import func, select

from server.clips.directory import DirectoryClipStore
from server.clips.store import ClipStoreFull
from server.config import RetentionConfig
from server.db import events as q
from server.db.audit import RETENTION_ACTOR, count_actions
from server.db.engine import Database
from server.db.models import Base, CameraRow, EventFileRow, EventRow
from server.db.store import DatabaseStore, StoreInputError
from server.retention.sweep import sweep


class Clock:
    def __init__(self, t: float = 1_750_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def setup(db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    db = Database.open(db_url)
    clips = DirectoryClipStore(tmp_path / "clips", max_bytes=50_000_000)
    clock = Clock()
    yield db, clips, DatabaseStore(db, clips, clock), clock
    db.close()


def test_migrations_match_the_models_and_rerun(setup, db_url: str) -> None:  # type: ignore[no-untyped-def]
    db, *_ = setup
    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    Database.open(db_url).close()  # upgrading an up-to-date schema is a no-op


def test_event_is_stored_once_with_its_evidence_apart(setup, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, _clips, store, _ = setup
    ev = make_event()
    record = {**ev, "evidence": {"manifest": {}, "signature": "00", "public_key": "00"}, "edge_id": "edge-1"}
    assert store.put_event(record) is True
    assert store.put_event(record) is False
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(EventRow)) == 1
        row = q.get_event(s, ev["event_id"])
        assert row.data == ev  # exactly the signed metadata, without the ingest's keys
        assert row.envelope["signature"] == "00" and row.edge_id == "edge-1"
        assert (row.origin_floor, row.origin_column, row.status) == (14, 3, "new")
        assert s.get(CameraRow, "cam-07").last_event_at_s is not None
    assert store.counters()["events_ingested_total"] == 1
    assert store.counters()["events_duplicate_total"] == 1


@pytest.mark.parametrize(
    ("patch", "problem"),
    [
        ({"event_id": "../../etc"}, "event_id"),
        ({"camera_id": "cam 7<script>"}, "camera_id"),
        ({"origin": {"floor": 0, "column": 1}}, "origin.floor"),
        ({"score": "high"}, "score"),
        ({"privacy": "maybe"}, "privacy"),
    ],
)
def test_bad_events_are_refused_and_nothing_stored(setup, patch: dict, problem: str) -> None:  # type: ignore[no-untyped-def]
    db, _, store, _ = setup
    with pytest.raises(StoreInputError, match=problem.split(".")[0]):
        store.put_event({**make_event(), **patch})
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(EventRow)) == 0


def test_files_move_into_the_clip_store_once(setup, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, clips, store, _ = setup
    ev = store_signed_event(store, SigningKey.generate(), tmp_path / "work")
    with db.session() as s:
        files = q.files_of(s, ev["event_id"])
    assert sorted(f.kind for f in files) == ["clip", "manifest", "snapshot", "snapshot_clean"]
    for f in files:
        assert clips.path(f.rel_path).is_file()
    assert clips.used_bytes() == sum(f.size_bytes for f in files)
    assert not list((tmp_path / "work").glob("*.mp4"))  # moved, not copied
    # The same file again (a resend after a lost ack): attached once, source removed.
    again = make_jpeg(tmp_path / "again.jpg")
    snap = next(f for f in files if f.kind == "snapshot")
    assert store.put_file(ev["event_id"], "snapshot", snap.name, again, snap.sha256) is False
    assert not again.exists()
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(EventFileRow)) == 4


def test_file_refusals_keep_the_source(setup, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, _, store, _ = setup
    src = make_jpeg(tmp_path / "x.jpg")
    good_sha = __import__("hashlib").sha256(src.read_bytes()).hexdigest()
    with pytest.raises(StoreInputError, match="unknown event"):
        store.put_file("nope", "snapshot", "x.jpg", src, good_sha)
    ev = make_event()
    store.put_event(ev)
    with pytest.raises(StoreInputError, match="differs"):
        store.put_file(ev["event_id"], "snapshot", "x.jpg", src, "0" * 64)
    with pytest.raises(StoreInputError, match="kind"):
        store.put_file(ev["event_id"], "video", "x.jpg", src, good_sha)
    with pytest.raises(StoreInputError, match="name"):
        store.put_file(ev["event_id"], "snapshot", "../x.jpg", src, good_sha)
    assert src.exists()
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(EventFileRow)) == 0


def test_full_clip_store_refuses_then_recovers(db_url: str, tmp_path: Path) -> None:
    db = Database.open(db_url)
    src = make_jpeg(tmp_path / "snap.jpg")
    size = src.stat().st_size
    woken = []
    clips = DirectoryClipStore(tmp_path / "clips", max_bytes=size - 1)
    store = DatabaseStore(db, clips, on_full=lambda: woken.append(1))
    ev = make_event()
    store.put_event(ev)
    sha = __import__("hashlib").sha256(src.read_bytes()).hexdigest()
    with pytest.raises(ClipStoreFull):
        store.put_file(ev["event_id"], "snapshot", "snap.jpg", src, sha)
    assert src.exists() and woken == [1]
    store.clips.max_bytes = size  # space freed
    assert store.put_file(ev["event_id"], "snapshot", "snap.jpg", src, sha) is True
    db.close()


def test_heartbeats_upsert_the_camera(setup) -> None:  # type: ignore[no-untyped-def]
    db, _, store, clock = setup
    store.put_heartbeat("cam-01", {"fps": 24.5, "spool_depth": 3})
    clock.t += 10
    store.put_heartbeat("cam-01", {"fps": 25.0, "spool_depth": 0})
    with db.session() as s:
        cam = s.get(CameraRow, "cam-01")
        assert cam.heartbeat == {"fps": 25.0, "spool_depth": 0}
        assert cam.last_heartbeat_at_s == clock.t
    with pytest.raises(StoreInputError):
        store.put_heartbeat("bad id!", {})


def test_retention_deletes_old_events_but_keeps_confirmed(setup, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, clips, store, clock = setup
    key = SigningKey.generate()
    old = store_signed_event(store, key, tmp_path / "w1")
    kept = store_signed_event(store, key, tmp_path / "w2")
    with db.session() as s:
        q.review(s, q.get_event(s, kept["event_id"]), "confirmed", "ann", clock())
        s.commit()
    clock.t += 3 * 86400
    recent = store_signed_event(store, key, tmp_path / "w3")
    report = sweep(db, clips, RetentionConfig(event_days=2), clock())
    assert report.events_deleted == 1 and report.files_deleted == 4
    with db.session() as s:
        assert q.get_event(s, old["event_id"]) is None
        assert q.get_event(s, kept["event_id"]) is not None
        assert q.get_event(s, recent["event_id"]) is not None
        assert count_actions(s, RETENTION_ACTOR) == {"delete_event": 1}
    assert not any(p.is_file() and old["event_id"] in str(p) for p in clips.root.rglob("*"))
    # With keep_confirmed off the confirmed one goes too.
    sweep(db, clips, RetentionConfig(event_days=2, keep_confirmed=False), clock())
    with db.session() as s:
        assert q.get_event(s, kept["event_id"]) is None


def test_retention_keeps_clip_store_under_its_size_oldest_first(setup, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, clips, store, clock = setup
    key = SigningKey.generate()
    ids = []
    for i in range(4):
        clock.t += 60
        ids.append(store_signed_event(store, key, tmp_path / f"w{i}")["event_id"])
    per_event = clips.used_bytes() / 4
    limit_gb = (per_event * 2.5) / 0.9 / 1e9  # low-water mark holds two and a half events
    clips.max_bytes = int(limit_gb * 1e9)
    report = sweep(db, clips, RetentionConfig(clip_store_max_gb=limit_gb), clock())
    assert clips.used_bytes() <= clips.max_bytes * 0.9
    assert report.events_deleted == 0 and report.files_deleted == 8
    with db.session() as s:
        remaining = {e for e in ids if q.files_of(s, e)}
        assert remaining == set(ids[2:])  # the two oldest lost their files first
        assert all(q.get_event(s, e) is not None for e in ids)  # metadata stays
        assert count_actions(s, RETENTION_ACTOR) == {"delete_files": 2}
        data = json.dumps([q.get_event(s, e).data for e in ids])
    assert "trajectory" in data
