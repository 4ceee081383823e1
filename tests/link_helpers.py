"""Shared set-up for the link tests: keys, a real database store, an ingest service."""

from __future__ import annotations

import socket
from pathlib import Path

from sqlalchemy import func, select

from edge.protocol.keys import generate_keys, load_curve_keypair, load_curve_public
from edge.spool.spool import Spool
from edge.transport.link import EdgeLink, LinkConfig
from server.clips.directory import DirectoryClipStore
from server.db.engine import Database
from server.db.models import EventFileRow, EventRow
from server.db.store import DatabaseStore
from server.ingest.service import IngestService


def make_keys(root: Path) -> Path:
    """server.key in ROOT, edge1/edge2 pairs in ROOT/edges (both allowed) and ROOT/rogue.*."""
    generate_keys("server", root)
    generate_keys("edge1", root / "edges")
    generate_keys("edge2", root / "edges")
    generate_keys("rogue", root)
    for name in ("edge1", "edge2"):
        for ext in (".key", ".sign"):
            (root / f"{name}{ext}").write_bytes((root / "edges" / f"{name}{ext}").read_bytes())
            (root / "edges" / f"{name}{ext}").unlink()
    return root


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def open_store(root: Path, url: str | None = None, clip_limit: int = 1 << 34) -> tuple[DatabaseStore, Database]:
    db = Database.open(url or f"sqlite:///{root}/server.sqlite3")
    return DatabaseStore(db, DirectoryClipStore(root / "clips", clip_limit)), db


def start_service(store: DatabaseStore, keys: Path, work: Path, insecure: bool = False) -> IngestService:
    service = IngestService(
        store, "tcp://127.0.0.1:*", None if insecure else load_curve_keypair(keys / "server.key"),
        keys / "edges", insecure, work,
    )
    service.start()
    return service


def make_link(spool: Spool, endpoint: str, keys: Path | None, name: str = "edge1", **cfg: float) -> EdgeLink:
    config = LinkConfig(endpoint, "cam-test", **{"heartbeat_s": 0.5, "ack_timeout_s": 1.0, "backoff_cap_s": 1.0,
                                                 "chunk_bytes": 64 * 1024, **cfg})
    if keys is None:
        return EdgeLink(spool, config, lambda: {"spool_depth": spool.stats()["depth"]}, None, None)
    return EdgeLink(spool, config, lambda: {"spool_depth": spool.stats()["depth"]},
                    load_curve_keypair(keys / f"{name}.key"), load_curve_public(keys / "server.key_public"))


def counts(db: Database) -> tuple[int, int, int]:
    """Events, files, and distinct (event, kind, name) files stored."""
    with db.session() as s:
        events = s.scalar(select(func.count()).select_from(EventRow))
        files = s.scalar(select(func.count()).select_from(EventFileRow))
        distinct = s.scalar(select(func.count()).select_from(
            select(EventFileRow.event_id, EventFileRow.kind, EventFileRow.name).distinct().subquery()))
    return int(events or 0), int(files or 0), int(distinct or 0)
