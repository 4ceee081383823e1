"""``fallwatch verify EXPORT.zip``: check an evidence export offline."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("verify", help="verify an evidence export (signature and file hashes)")
    p.add_argument("export", type=Path, help="the evidence zip from the review page")
    p.add_argument("--key", help="require this Ed25519 public key (hex), the camera's registered key")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from server.evidence.verify import verify_export

    if args.key is not None and not re.fullmatch(r"[0-9a-f]{64}", args.key):
        print("fallwatch verify: --key must be 64 lowercase hex digits", file=sys.stderr)
        return 2
    report = verify_export(args.export, args.key)
    for line in report.checked:
        print(f"ok    {line}")
    for line in report.problems:
        print(f"FAIL  {line}")
    if report.ok:
        print(
            f"VERIFIED: event {report.event_id} of camera {report.camera_id}, signed by edge key "
            f"{report.public_key}{' (pinned)' if args.key else ''}"
        )
        if not args.key:
            print("Compare that key with the one registered for the camera, or pass it with --key.")
        return 0
    print("NOT VERIFIED: this export is incomplete or was altered.")
    return 1
