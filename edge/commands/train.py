"""``fallwatch train verifier --out models/verifier.onnx``: build data, train, export, measure.

Needs the optional ``[train]`` extra (ultralytics, onnx, onnxslim) and torch, best
in a separate virtual environment so the edge's stays light. Runs with no network:
scenes are rendered locally, real negatives are local video files, and
ultralytics is set up offline (``edge.training.offline``).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import sys
import time
from pathlib import Path

log = logging.getLogger("fallwatch.train")

TRAIN_MODULES = ("torch", "torchvision", "ultralytics", "onnx", "onnxslim")
INSTALL_HINT = (
    "pip install torch==2.14.1 torchvision==0.29.1 && pip install -e '.[train]' "
    "(see models/VERIFIER.md; a separate venv such as .venv-train keeps the edge's light)"
)
REPO = Path(__file__).resolve().parents[2]
DEFAULT_NEGATIVES = (REPO / "tests" / "data" / "negatives", REPO.parent / "shared" / "data" / "negatives")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a model offline (needs the [train] extra)")
    what = p.add_subparsers(dest="what", metavar="MODEL", required=True)
    v = what.add_parser("verifier", help="the candidate verifier: synth + real tubes -> ultralytics -> ONNX")
    v.add_argument("--out", required=True, help="ONNX file to write (e.g. models/verifier.onnx)")
    v.add_argument("--work", default="out/verifier-train", help="scenes, dataset and runs go here")
    v.add_argument("--train-seed", type=int, default=1001, help="synth seed of the training scenes")
    v.add_argument("--val-seed", type=int, default=2002, help="synth seed of the held-out scenes")
    v.add_argument("--train-scenes", type=int, default=128)
    v.add_argument("--val-scenes", type=int, default=32)
    v.add_argument("--negatives", action="append", default=None,
                   help="folder of real videos without throws (repeatable; default tests/data/negatives "
                        "and ../shared/data/negatives)")
    v.add_argument("--epochs", type=int, default=10)
    v.add_argument("--device", default="cpu", help="torch device: cpu, or a CUDA index such as 0")
    v.add_argument("--jobs", type=int, default=2, help="scenes rendered and mined in parallel")
    v.add_argument("--data-only", action="store_true", help="build the dataset and stop")
    v.add_argument("--reuse-data", action="store_true", help="train on the dataset already in --work")
    v.set_defaults(func=run)


def missing_train_modules() -> list[str]:
    return [m for m in TRAIN_MODULES if importlib.util.find_spec(m) is None]


def run(args: argparse.Namespace) -> int:
    missing = missing_train_modules()
    if missing and not args.data_only:
        print(f"fallwatch train: {', '.join(missing)} not installed; training needs the [train] extra: "
              f"{INSTALL_HINT}", file=sys.stderr)
        return 2
    from edge.training.dataset import DatasetPlan, build_dataset, negative_videos

    # Mining runs the detection pipeline; its per-event log lines are noise here.
    logging.getLogger("edge.pipeline").setLevel(logging.WARNING)
    work = Path(args.work).resolve()
    out = Path(args.out).resolve()
    folders = [Path(f) for f in args.negatives] if args.negatives is not None else list(DEFAULT_NEGATIVES)
    plan = DatasetPlan(
        train_seed=args.train_seed,
        val_seed=args.val_seed,
        train_scenes=args.train_scenes,
        val_scenes=args.val_scenes,
        negative_videos=negative_videos(folders),
    )
    data = work / "data"
    stats_file = data / "stats.json"
    start = time.perf_counter()
    if args.reuse_data:
        if not stats_file.is_file():
            print(f"fallwatch train: --reuse-data: no finished dataset in {data}", file=sys.stderr)
            return 2
        data_stats = json.loads(stats_file.read_text())
    elif (data / "train").exists() or (data / "val").exists():
        print(f"fallwatch train: {data} already holds a dataset; pass --reuse-data, remove it or choose "
              "another --work", file=sys.stderr)
        return 2
    else:
        stats = build_dataset(data, work / "scenes", plan, jobs=args.jobs)
        data_stats = {
            "train_seed": plan.train_seed,
            "val_seed": plan.val_seed,
            "train_scenes": plan.train_scenes,
            "val_scenes": plan.val_scenes,
            "negative_videos": [p.name for p in plan.negative_videos],
            **{split: {"tubes": dict(s.tubes), "images": dict(s.images), "ambiguous": s.ambiguous}
               for split, s in stats.items()},
            "build_s": round(time.perf_counter() - start, 1),
        }
        stats_file.write_text(json.dumps(data_stats, indent=2) + "\n")
    log.info("dataset: %s", json.dumps(data_stats))
    if args.data_only:
        return 0

    from edge.training.metrics import evaluate_split, latency_ms
    from edge.training.train import TrainSettings, train_and_export

    start = time.perf_counter()
    train_and_export(data, work, out, TrainSettings(epochs=args.epochs, device=args.device))
    train_s = time.perf_counter() - start
    report = {
        "model": out.name,
        "size_bytes": out.stat().st_size,
        "data": data_stats,
        "held_out": evaluate_split(out, data / "val"),
        "latency_ms_per_track_1_thread": latency_ms(out),
        "epochs": args.epochs,
        "device": args.device,
        "train_s": round(train_s, 1),
    }
    out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report["held_out"]))
    return 0
