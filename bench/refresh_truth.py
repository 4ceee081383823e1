"""Derive the ground truth of an already-synthesized set again, in place.

Sets written before the truth measured visibility in the encoded video (edge.synth.seen)
call a throw visible by its drawn colour. This renders every scene again (not encoding
it), decodes its video and rewrites its truth file; the video and the camera config are
left as they are. Prints how many throws were observable before and after.

    .venv/bin/python bench/refresh_truth.py DIR [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from edge.synth.writer import rewrite_truth


def _observable(path: Path) -> list[bool]:
    return [bool(t.get("observable")) for t in json.loads(path.read_text())["throws"]]


def _refresh(path: Path) -> tuple[str, list[bool], list[bool]]:
    before = _observable(path)
    rewrite_truth(path)
    return path.stem, before, _observable(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path, help="folder written by `fallwatch synth`")
    parser.add_argument("--jobs", type=int, default=1, help="scenes in parallel")
    args = parser.parse_args()
    truths = sorted(args.dir.glob("scene_*.json"))
    if not truths:
        print(f"{args.dir}: no scene_*.json here", file=sys.stderr)
        return 2
    totals = [0, 0, 0]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for scene, before, after in pool.map(_refresh, truths):
            totals = [totals[0] + len(before), totals[1] + sum(before), totals[2] + sum(after)]
            pairs = enumerate(zip(before, after, strict=True))
            changed = ", ".join(f"throw-{k} {int(b)} -> {int(a)}" for k, (b, a) in pairs if a != b)
            print(f"{scene}: {len(before)} throw(s)" + (f"; observable changed: {changed}" if changed else ""))
    print(f"{totals[0]} throws: observable {totals[1]} before, {totals[2]} now")
    return 0


if __name__ == "__main__":
    sys.exit(main())
