"""``fallwatch server``: ZeroMQ ingest, HTTP (review pages, API, health) and retention in one process."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from server.context import ServerContext
    from server.ingest.service import IngestService

log = logging.getLogger("fallwatch.server")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("server", help="run the central server (ingest + review pages + health)")
    p.add_argument("--data-dir", type=Path, help="database (SQLite default), clips and ingest work files")
    p.add_argument("--config", type=Path, help="server YAML config (same keys as server.config.ServerConfig)")
    p.add_argument("--db", help="database URL, e.g. postgresql://user:pw@host/db (default: SQLite in DATA_DIR)")
    p.add_argument("--http", metavar="HOST:PORT", help="HTTP listen address (default 127.0.0.1:8080)")
    p.add_argument("--zmq", metavar="tcp://HOST:PORT", help="ZeroMQ ingest bind (default tcp://0.0.0.0:5555)")
    p.add_argument("--server-key", type=Path, help="the server's CURVE secret key file (fallwatch keys gen)")
    p.add_argument("--edge-keys", type=Path, help="folder of allowed edge keys (*.key_public + *.sign_public)")
    p.add_argument("--insecure", action="store_true", default=None, help="ingest without CURVE (development only)")
    p.add_argument("--no-ingest", action="store_true", help="serve HTTP only (another process ingests)")
    p.add_argument("--tls-cert", type=Path, help="serve HTTPS with this certificate (PEM)")
    p.add_argument("--tls-key", type=Path, help="... and this key (PEM)")
    p.set_defaults(func=run)


def _split_host_port(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise ValueError(f"--http must look like HOST:PORT, got {value!r}")
    return host.strip("[]"), int(port)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from server.app import create_app
    from server.config import ServerConfigError, load_server_config
    from server.context import ServerContext
    from server.db.configs import latest_provider
    from server.db.engine import DatabaseError
    from server.retention.worker import RetentionWorker

    overrides: dict[str, object] = {
        "data_dir": args.data_dir,
        "db_url": args.db,
        "tls_cert": args.tls_cert,
        "tls_key": args.tls_key,
        "ingest.bind": args.zmq,
        "ingest.server_key": args.server_key,
        "ingest.allowed_edge_keys": args.edge_keys,
        "ingest.insecure": args.insecure,
    }
    try:
        if args.http:
            overrides["http_host"], overrides["http_port"] = _split_host_port(args.http)
        config = load_server_config(args.config, overrides)
        ctx = ServerContext.open(config)
    except (ValueError, ServerConfigError, DatabaseError) as exc:
        print(f"fallwatch server: {exc}", file=sys.stderr)
        return 2

    retention = RetentionWorker(ctx.db, ctx.clips, config.retention, ctx.clock)
    ctx.store.on_full = retention.wake
    ingest = None
    if not args.no_ingest:
        try:
            ingest = _start_ingest(ctx)
        except (ValueError, OSError) as exc:
            print(f"fallwatch server: cannot start the ingest: {exc}", file=sys.stderr)
            ctx.close()
            return 2
        ctx.extra_counters.append(ingest.counters)
        ctx.edge_control = ingest.control
        # An edge that was offline when a config was saved gets it when it reports an old one.
        ingest.control.set_latest_provider(latest_provider(ctx.db))
    retention.start()

    app = create_app(ctx)
    uv_config = uvicorn.Config(
        app,
        host=config.http_host,
        port=config.http_port,
        ssl_certfile=str(config.tls_cert) if config.tls else None,
        ssl_keyfile=str(config.tls_key) if config.tls else None,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
        timeout_graceful_shutdown=5,
    )
    http = uvicorn.Server(uv_config)
    log.info(
        "fallwatch server: http%s://%s:%d, database %s, clips %s",
        "s" if config.tls else "", config.http_host, config.http_port, ctx.db.backend, config.clips_dir,
    )
    signal.signal(signal.SIGTERM, lambda *_: setattr(http, "should_exit", True))
    try:
        http.run()
    finally:
        retention.stop()
        if ingest is not None:
            ingest.stop()
        ctx.close()
    return 0


def _start_ingest(ctx: ServerContext) -> IngestService:
    from edge.protocol.keys import load_curve_keypair
    from server.ingest.service import IngestService

    cfg = ctx.config.ingest
    if not cfg.insecure and cfg.server_key is None:
        raise ValueError("--server-key (or ingest.server_key) is required unless --insecure")
    keys = None if cfg.insecure or cfg.server_key is None else load_curve_keypair(cfg.server_key)
    edge_keys = cfg.allowed_edge_keys if cfg.allowed_edge_keys is not None else []
    service = IngestService(
        ctx.store,
        cfg.bind,
        keys,
        edge_keys,
        cfg.insecure,
        ctx.config.data_dir / "ingest",
    )
    service.start()
    log.info("ingest listening on %s%s", service.endpoint or cfg.bind, " (INSECURE)" if cfg.insecure else "")
    return service
