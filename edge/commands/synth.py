"""``fallwatch synth OUTDIR``: render a set of synthetic scenes with ground truth."""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time

from edge.commands.arguments import at_least

log = logging.getLogger("fallwatch.synth")

# Low-discrepancy choice of distractor-only scenes: about the asked share of any run of
# consecutive indices, and a scene's kind does not depend on how many scenes are made.
_GOLDEN = (math.sqrt(5) - 1) / 2


def is_distractor_only(seed: int, index: int, share: float) -> bool:
    offset = (seed * 0.7548776662466927) % 1.0
    return (offset + index * _GOLDEN) % 1.0 < share


def _resolution(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"resolution {text!r}: expected WIDTHxHEIGHT, e.g. 1920x1080") from None
    if w < 64 or h < 64 or w % 2 or h % 2:
        raise argparse.ArgumentTypeError(f"resolution {text!r}: width and height must be even and >= 64")
    return w, h


def _share(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= v <= 1.0:
        raise argparse.ArgumentTypeError(f"share {v} must be between 0 and 1")
    return v


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "synth",
        help="render synthetic throw/distractor scenes with ground truth",
        description="Render N physically based scenes (H.264 MP4 + camera YAML + ground-truth JSON) "
        "into OUTDIR. The same seed gives the same files.",
    )
    p.add_argument("outdir", help="output folder (created if missing)")
    p.add_argument("--scenes", type=at_least(1), default=10, help="number of scenes (default 10)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--first-index", type=int, default=0, help="index of the first scene (default 0)")
    p.add_argument("--resolution", type=_resolution, default=(1920, 1080), help="WxH (default 1920x1080)")
    p.add_argument("--duration", type=float, default=12.0, help="seconds per scene (default 12)")
    p.add_argument("--fps", type=float, default=25.0, help="frames per second (default 25)")
    p.add_argument(
        "--distractor-only-share",
        type=_share,
        default=0.33,
        help="share of scenes with distractors only, no throws (default 0.33)",
    )
    p.add_argument("--threads", type=at_least(0), default=0, help="encoder threads (default 0: automatic)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from edge.synth.scene import SceneSpecError, make_scene_spec
    from edge.synth.writer import write_index, write_scene

    if args.scenes < 1:
        print(f"fallwatch synth: --scenes must be at least 1, got {args.scenes}", file=sys.stderr)
        return 2
    if args.first_index < 0:
        print(f"fallwatch synth: --first-index must be >= 0, got {args.first_index}", file=sys.stderr)
        return 2
    width, height = args.resolution
    specs = []
    n_throws = 0
    started = time.perf_counter()
    for k in range(args.scenes):
        index = args.first_index + k
        try:
            spec = make_scene_spec(
                args.seed,
                index,
                width,
                height,
                args.duration,
                args.fps,
                distractor_only=is_distractor_only(args.seed, index, args.distractor_only_share),
            )
        except SceneSpecError as exc:
            print(f"fallwatch synth: {exc}", file=sys.stderr)
            return 2
        t0 = time.perf_counter()
        write_scene(spec, args.outdir, threads=args.threads)
        specs.append(spec)
        n_throws += len(spec.throws)
        log.info(
            "%s: %s, %d throw(s), distractors [%s], %.1f s",
            spec.scene_id,
            spec.lighting.mode,
            len(spec.throws),
            ", ".join(d.cls for d in spec.distractors),
            time.perf_counter() - t0,
        )
    write_index(args.outdir, args.seed, specs)
    print(f"wrote {len(specs)} scenes ({n_throws} throws) to {args.outdir} in {time.perf_counter() - started:.1f} s")
    return 0
