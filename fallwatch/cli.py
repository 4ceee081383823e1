"""The ``fallwatch`` console script.

Each sub-command lives in its own module with ``register(subparsers)`` that adds its
parser and sets ``func`` (args -> exit code). Command modules keep heavy imports
inside their functions so ``fallwatch --help`` stays fast. Edge commands live in
``edge.commands``, server commands in ``server.commands``; the edge never imports
the server.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from fallwatch import __version__

COMMAND_MODULES = [
    "edge.commands.detect",
    "edge.commands.config_check",
    "edge.commands.synth",
    "edge.commands.eval",
    "edge.commands.anonymize",
    "edge.commands.edge",
    "edge.commands.keys",
    "edge.commands.train",
    "server.commands.server",
    "server.commands.user",
    "server.commands.verify",
    "fallwatch.commands.demo",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fallwatch", description="Catch objects thrown from high-rise buildings."
    )
    parser.add_argument("--version", action="version", version=f"fallwatch {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            # A third-party package of an optional extra (the server's, say) is not
            # installed: that command is left out. Our own modules must always import.
            if (exc.name or "").split(".")[0] in {"edge", "server", "fallwatch"}:
                raise
            logging.getLogger("fallwatch").debug("command %s needs %s, which is not installed", name, exc.name)
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * args.verbose if args.verbose else logging.INFO
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
