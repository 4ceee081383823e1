"""``fallwatch eval DIR``: detection quality and speed on synthesized scenes."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from edge.commands.arguments import at_least


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="run detection on every scene of a synth folder and score it")
    p.add_argument("dir", help="folder written by `fallwatch synth`")
    p.add_argument("--json", dest="json_out", help="also write the report as JSON to this file")
    p.add_argument("--jobs", type=at_least(1), default=1,
                   help="scenes evaluated in parallel (default 1: one core)")
    p.add_argument("--threads", type=at_least(0), default=1,
                   help="decoder threads per scene (default 1; 0 = FFmpeg's choice)")
    p.add_argument("--explain-misses", action="store_true",
                   help="say for each missed throw where it was lost: no track, a track never judged, "
                   "or the physics verdict on the track that followed it best (slower)")
    p.add_argument("--ablation", action="store_true",
                   help="run twice: physics only, then physics + verifier (models/verifier.onnx)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from edge.evaluation.report import format_table
    from edge.evaluation.runner import evaluate_folder
    from edge.sources.video_file import SourceError

    folder = Path(args.dir)
    if not folder.is_dir():
        print(f"fallwatch eval: {folder}: no such folder", file=sys.stderr)
        return 2
    try:
        if args.ablation:
            from edge.evaluation.ablation import format_ablation, run_ablation

            report = run_ablation(folder, jobs=args.jobs, threads=args.threads)
        else:
            report = evaluate_folder(folder, jobs=args.jobs, threads=args.threads, explain_misses=args.explain_misses)
    except (OSError, ValueError, SourceError) as exc:
        # A scene left out would change every rate in the report: stop, naming it.
        print(f"fallwatch eval: {exc}", file=sys.stderr)
        return 2
    print(format_ablation(report) if args.ablation else format_table(report))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(report, indent=2) + "\n")
    return 0
