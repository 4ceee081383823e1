"""``fallwatch demo``: server, demo admin, keys, synthetic scenes and two edge nodes in one command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _host_port(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, e.g. 127.0.0.1:8080, got {text!r}")
    return host.strip("[]"), int(port)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "demo",
        help="run the whole product locally: server, synthetic cameras, events in the review page",
        description="Start a server (SQLite, local clips), create a demo admin with a random password, "
        "generate keys, synthesize scenes with throws and replay them through edge nodes. Prints the "
        "review page URL and login; Ctrl-C stops everything.",
    )
    p.add_argument("--data-dir", type=Path, help="a new or empty folder to keep (default: a temporary one)")
    p.add_argument("--http", type=_host_port, default=("127.0.0.1", 8080), metavar="HOST:PORT",
                   help="review page address (default 127.0.0.1:8080)")
    p.add_argument("--scenes", type=int, default=2, help="synthetic cameras, one edge node each (default 2)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from fallwatch.demo import DemoError, DemoOptions, run_demo

    host, port = args.http
    try:
        return run_demo(DemoOptions(args.data_dir, host, port, args.scenes))
    except DemoError as exc:
        print(f"fallwatch demo: {exc}", file=sys.stderr)
        return 2
