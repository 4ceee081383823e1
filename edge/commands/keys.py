"""``fallwatch keys gen NAME [--dir D]``: a CURVE certificate and an Ed25519 signing key."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("keys", help="create key pairs for the encrypted edge-server link")
    keys_sub = p.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    gen = keys_sub.add_parser(
        "gen",
        help="write NAME.key (secret), NAME.key_public, NAME.sign (secret) and NAME.sign_public",
    )
    gen.add_argument("name", help="key name, e.g. server or cam-07")
    gen.add_argument("--dir", default=".", help="output folder (default: current folder)")
    gen.add_argument("--force", action="store_true", help="overwrite existing keys")
    gen.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from edge.protocol.keys import KeyFileError, generate_keys
    from edge.protocol.messages import valid_id

    if not valid_id(args.name):
        print(f"fallwatch keys: name {args.name!r} must match [A-Za-z0-9][A-Za-z0-9._-]*", file=sys.stderr)
        return 2
    try:
        paths = generate_keys(args.name, Path(args.dir), overwrite=args.force)
    except (KeyFileError, OSError) as exc:
        print(f"fallwatch keys: {exc}", file=sys.stderr)
        return 2
    for p in paths:
        print(p)
    return 0
