"""``fallwatch edge --config CAM.yaml --server tcp://HOST:PORT --data-dir DIR``: one camera's node.

Keys (CurveZMQ is on unless ``--insecure``): ``--key`` is this edge's secret
certificate (``NAME.key``; its signing key ``NAME.sign`` sits beside it) and
``--server-key`` the server's ``.key_public``; both default to ``DIR/keys/``.
A file source is processed once, the spool drained (``--drain-timeout-s``) and the
command exits 0 (3 when acks are still missing; the spool keeps them). SIGTERM or
Ctrl-C stops capture, finishes the recordings in progress into the spool and exits.

The server can push a new config (applied between two frames, without a restart)
and ask for an anonymised snapshot. A pushed config is kept in ``DIR/config/`` and
wins over ``--config`` at the next start (logged); ``--discard-pushed-config`` sets
it aside and runs ``--config`` (see ``edge.node.startup_config``).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

log = logging.getLogger("fallwatch.edge")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("edge", help="run one camera: detect, record, spool and send events")
    p.add_argument("--config", required=True, help="camera config YAML")
    p.add_argument("--server", required=True, help="ingest endpoint, e.g. tcp://10.0.0.2:5555")
    p.add_argument("--data-dir", required=True, type=Path, help="spool and keys live here")
    p.add_argument("--key", type=Path, help="this edge's secret certificate (default DIR/keys/edge.key)")
    p.add_argument("--server-key", type=Path, help="server public key (default DIR/keys/server.key_public)")
    p.add_argument("--insecure", action="store_true", help="plaintext, unauthenticated link (development only)")
    p.add_argument("--loop", action="store_true",
                   help="replay a file source forever, at its frame rate like a camera (demo)")
    p.add_argument("--realtime", action="store_true",
                   help="play a file source at its frame rate instead of as fast as it can be processed")
    p.add_argument("--health-port", type=int, default=0, help="loopback /healthz port (0: pick a free one)")
    p.add_argument("--heartbeat-s", type=float, default=10.0, help="seconds between heartbeats")
    p.add_argument("--pre-s", type=float, default=5.0, help="seconds of clip before the event")
    p.add_argument("--post-s", type=float, default=5.0, help="seconds of clip after the track ends")
    p.add_argument("--spool-max-mb", type=float, default=1024.0, help="spool size limit in MiB")
    p.add_argument("--drain-timeout-s", type=float, default=60.0, help="wait for acks before exiting")
    p.add_argument("--ack-timeout-s", type=float, default=5.0, help="resend when no ack came this long")
    p.add_argument("--models-dir", type=Path, help="face model folder (default: the repository's models/)")
    p.add_argument("--discard-pushed-config", action="store_true",
                   help="set aside the config the server pushed (DIR/config/pushed.json) and run --config")
    p.set_defaults(func=run)


def _positive(args: argparse.Namespace) -> str | None:
    for name in ("heartbeat_s", "pre_s", "post_s", "spool_max_mb", "drain_timeout_s", "ack_timeout_s"):
        value = getattr(args, name)
        if not value > 0:
            return f"--{name.replace('_', '-')} must be positive, got {value}"
    return None


def run(args: argparse.Namespace) -> int:
    from edge.config.camera import ConfigError
    from edge.node.assemble import assemble_node
    from edge.node.config_store import PushedConfigStore
    from edge.node.health import HealthServer
    from edge.node.startup_config import startup_config
    from edge.pipeline import DetectionPipeline
    from edge.protocol.keys import KeyFileError, load_curve_keypair, load_curve_public, load_signing_key
    from edge.recording.recorder import RecorderConfig
    from edge.sources.errors import SourceError
    from edge.sources.open import open_source
    from edge.spool.spool import Spool, SpoolError
    from edge.transport.link import LinkConfig

    problem = _positive(args)
    if problem:
        print(f"fallwatch edge: {problem}", file=sys.stderr)
        return 2
    store = PushedConfigStore(args.data_dir)
    try:
        running = startup_config(Path(args.config), store, args.discard_pushed_config)
    except ConfigError as exc:
        print(f"fallwatch edge: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # setting a bad pushed config aside failed
        print(f"fallwatch edge: {args.data_dir / 'config'}: {exc}", file=sys.stderr)
        return 2
    config = running.config
    keys_dir = args.data_dir / "keys"
    key_path = args.key or keys_dir / "edge.key"
    try:
        signing_key = load_signing_key(key_path.with_suffix(".sign"))
        if args.insecure:
            log.warning("INSECURE: CURVE is off; events travel in plaintext to an unauthenticated server")
            curve, server_public = None, None
        else:
            curve = load_curve_keypair(key_path)
            server_public = load_curve_public(args.server_key or keys_dir / "server.key_public")
    except KeyFileError as exc:
        print(f"fallwatch edge: {exc} (create keys with `fallwatch keys gen NAME`)", file=sys.stderr)
        return 2
    try:
        source = open_source(config.source, loop=args.loop, realtime=args.loop or args.realtime)
        spool = Spool(args.data_dir / "spool", int(args.spool_max_mb * 1024 * 1024))
    except (SourceError, SpoolError, OSError) as exc:
        print(f"fallwatch edge: {exc}", file=sys.stderr)
        return 2
    source.wait_ready(10.0)
    fps = source.fps or 25.0
    try:
        # Loads the verifier when it is on: a missing or corrupt model stops here.
        parts = assemble_node(
            running,
            lambda cfg: DetectionPipeline(cfg, fps),
            RecorderConfig(fps=fps, pre_s=args.pre_s, post_s=args.post_s),
            spool,
            signing_key,
            LinkConfig(args.server, config.camera_id, heartbeat_s=args.heartbeat_s, ack_timeout_s=args.ack_timeout_s),
            curve,
            server_public,
            store,
            args.models_dir,
            source.stats,
        )
    except ValueError as exc:
        source.close()
        spool.close()
        print(f"fallwatch edge: {exc}", file=sys.stderr)
        return 2
    node = parts.node
    health = HealthServer(node.health, args.health_port)
    (args.data_dir / "health_port").write_text(f"{health.port}\n")

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: stopping capture, keeping everything in the spool", signum)
        node.stop_requested.set()
        # close() joins the source's reader thread; never do that inside a handler.
        threading.Thread(target=source.close, daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    parts.start()
    health.start()
    log.info("edge %s -> %s, healthz on 127.0.0.1:%d", config.camera_id, args.server, health.port)
    try:
        node.run(source)
    finally:
        source.close()
        stopping = node.stop_requested.is_set()
        drained = parts.stop(min(args.drain_timeout_s, 5.0) if stopping else args.drain_timeout_s)
        health.stop()
        left = spool.stats()
        spool.close()
    log.info(
        "stopped: %d frames, %d events, spool %d items", node.stats.frames_processed, node.stats.events, left["depth"]
    )
    if not drained and not stopping:
        print(f"fallwatch edge: {left['depth']} items not acknowledged in time; kept in the spool", file=sys.stderr)
        return 3
    return 0
