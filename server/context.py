"""Everything a request handler needs, built once per server process."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from server.auth.network import NetworkAllowList
from server.auth.rate_limit import LoginRateLimiter
from server.clips.directory import DirectoryClipStore
from server.clips.store import ClipStore
from server.config import ServerConfig
from server.db.engine import Database
from server.db.store import DatabaseStore

if TYPE_CHECKING:
    from server.ingest.control import EdgeControl


@dataclass
class ServerContext:
    config: ServerConfig
    db: Database
    clips: ClipStore
    store: DatabaseStore
    limiter: LoginRateLimiter
    monitoring: NetworkAllowList
    clock: Callable[[], float] = time.time
    extra_counters: list[Callable[[], dict[str, int]]] = field(default_factory=list)
    # Config push and snapshot requests to edges; None when this process runs no ingest.
    edge_control: EdgeControl | None = None

    @classmethod
    def open(cls, config: ServerConfig, clock: Callable[[], float] = time.time) -> ServerContext:
        """Open (and migrate) the database and the clip store named by ``config``."""
        config.data_dir.mkdir(parents=True, exist_ok=True)
        db = Database.open(config.database_url)
        clips = DirectoryClipStore(config.clips_dir, config.retention.clip_store_max_bytes)
        return cls(
            config=config,
            db=db,
            clips=clips,
            store=DatabaseStore(db, clips, clock),
            limiter=LoginRateLimiter(config.auth.login_failures_allowed, config.auth.login_window_s),
            monitoring=NetworkAllowList(config.monitoring_networks),
            clock=clock,
        )

    def counters(self) -> dict[str, int]:
        """Store counters overlaid with those of attached services (the ZeroMQ ingest)."""
        out = self.store.counters()
        for source in self.extra_counters:
            out.update(source())
        return out

    def close(self) -> None:
        self.db.close()
