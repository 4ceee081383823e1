"""Motion alone: in how many of its frames is a thrown object a candidate where it truly is?

Recall moves by whole throws, and a change to motion shifts a few marginal ones either
way whatever it does. This looks one stage down, frame by frame: for every visible
frame of every throw of >= 2 px in the synth folders, is there a candidate within
3 px plus half the object's size of its true position (any candidate, and one over
the full threshold)? One throw is tens of frames, so a change of a point or two is
seen on a single folder. Also printed: candidates per frame (clutter, also by lighting)
and frames motion could not look at (shake, exposure steps), so that a gain bought
with noise shows.

How visible each object is at all: the share of its frames in which the motion signal
within that distance reaches half the threshold, the level at which a fall already
followed is looked for (``FrameSignal.look``). With ``--report`` (the JSON of
``fallwatch eval`` on the same folder) recall is split by that share: a throw whose
signal reaches half the threshold in only a third of its frames is beyond what following
candidates can find, and recall there measures the video, not the tracker.

    .venv/bin/python bench/motion_hit_rate.py out/eval-20261201 out/eval-20261203 --jobs 2
    .venv/bin/python bench/motion_hit_rate.py out/eval-20261201 --report out/eval-20261201/report.json

Compare with another version by putting its code first on the path (a git worktree of
it; this script and this checkout's virtual environment):

    git worktree add /tmp/prev 236c81a
    PYTHONPATH=/tmp/prev .venv/bin/python bench/motion_hit_rate.py out/eval-20261201 --jobs 2
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from edge.config.camera import load_camera_config
from edge.motion.detector import MotionDetector
from edge.motion.region import watched_region
from edge.sources.video_file import VideoFileSource

MIN_SIZE_PX = 2.0
VISIBLE_SHARE = 0.5  # of the threshold: where a followed fall is looked for below it
VISIBILITY_BANDS = (0.0, 0.4, 0.6, 0.8)  # lower edges of the recall split by visible share


def scene_hits(truth_path: Path) -> dict[str, Any]:
    """Per throw of one scene: visible frames, frames with a candidate at it, with a strong one."""
    truth = json.loads(truth_path.read_text())
    config = load_camera_config(truth_path.with_suffix(".yaml"))
    wanted: dict[float, list[tuple[str, float, float, float]]] = defaultdict(list)
    for throw in truth["throws"]:
        if throw["size_px"] < MIN_SIZE_PX:
            continue
        near_px = 3.0 + throw["size_px"] / 2
        for (t_s, x_px, y_px), visible in zip(throw["trajectory"], throw["visible"], strict=False):
            if visible:
                wanted[round(t_s, 2)].append((throw["id"], x_px, y_px, near_px))
    throws = {t["id"]: {"kind": t["kind"], "frames": 0, "any": 0, "strong": 0, "visible": 0} for t in truth["throws"]}
    detector: MotionDetector | None = None
    candidates = blind = frames = 0
    for frame in VideoFileSource(Path(str(config.source))):
        if detector is None:
            region = watched_region(config, frame.width, frame.height)
            detector = MotionDetector(region, config.motion, float(truth["fps"]))
        result = detector.process(frame.gray, key_frame=frame.key_frame)
        frames += 1
        blind += result.disturbed
        candidates += len(result.candidates)
        for throw_id, x_px, y_px, near_px in wanted.get(round(frame.t_s, 2), []):
            near = [c for c in result.candidates if abs(c.x_px - x_px) <= near_px and abs(c.y_px - y_px) <= near_px]
            row = throws[throw_id]
            row["frames"] += 1
            row["any"] += bool(near)
            row["strong"] += any(c.strong for c in near)
            # What a followed fall's look below the threshold would find here.
            row["visible"] += result.signal is not None and (
                result.signal.look(x_px, y_px, near_px, VISIBLE_SHARE) is not None
            )
    return {
        "scene": truth["scene_id"], "lighting": truth["lighting"], "throws": throws,
        "frames": frames, "candidates": candidates, "blind": blind,
    }


def recall_by_visibility(scenes: list[dict[str, Any]], report: dict[str, Any]) -> list[str]:
    """Recall of the >= MIN_SIZE_PX throws of ``fallwatch eval``'s report, by kind and by the
    share of their frames in which the signal reaches VISIBLE_SHARE of the threshold."""
    found = {(f["scene"], f["throw"]) for f in report["found"]}
    bands: dict[tuple[str, int], list[bool]] = defaultdict(list)
    for s in scenes:
        for throw_id, row in s["throws"].items():
            if not row["frames"]:
                continue
            share = row["visible"] / row["frames"]
            band = max(i for i, edge in enumerate(VISIBILITY_BANDS) if share >= edge)
            bands[(row["kind"], band)].append((s["scene"], throw_id) in found)
    lines = [f"recall by the share of frames where the signal reaches {VISIBLE_SHARE:.0%} of the threshold:"]
    for kind in ("compact", "light"):
        cells = []
        for i, edge in enumerate(VISIBILITY_BANDS):
            hits = bands.get((kind, i), [])
            upper = f"{VISIBILITY_BANDS[i + 1]:.0%}" if i + 1 < len(VISIBILITY_BANDS) else "100%"
            cells.append(f"{edge:.0%}-{upper}: {sum(hits)} of {len(hits)}")
        lines.append(f"{kind:>8}: " + ", ".join(cells))
    return lines


def summary(scenes: list[dict[str, Any]]) -> list[str]:
    lines = []
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in scenes:
        for row in s["throws"].values():
            groups[row["kind"]].append(row)
            groups[s["lighting"]].append(row)
    for name in ("compact", "light", "day", "dusk", "night_ir"):
        rows = groups.get(name, [])
        n = sum(r["frames"] for r in rows)
        if n:
            hit, strong = sum(r["any"] for r in rows) / n, sum(r["strong"] for r in rows) / n
            visible = sum(r["visible"] for r in rows) / n
            lines.append(f"{name:>8}: {n:5d} frames; a candidate at the object {hit:6.1%}, a strong one {strong:6.1%}; "
                         f"signal at {VISIBLE_SHARE:.0%} of the threshold {visible:6.1%}")
    frames = sum(s["frames"] for s in scenes)
    lines.append(f"clutter: {_clutter(scenes):.1f} candidates per frame; "
                 f"{sum(s['blind'] for s in scenes)} of {frames} frames not searched (shake, exposure steps)")
    # A change to the thresholds moves clutter by lighting (night noise has another shape
    # than H.264's in daylight), and a gain at night bought with clutter shows here.
    by_lighting = []
    for lighting in ("day", "dusk", "night_ir"):
        if lit := [s for s in scenes if s["lighting"] == lighting]:
            by_lighting.append(f"{lighting} {_clutter(lit):.1f}")
    lines.append("clutter by lighting (candidates per frame): " + ", ".join(by_lighting))
    return lines


def _clutter(scenes: list[dict[str, Any]]) -> float:
    """Candidates per frame over the scenes' frames."""
    return sum(s["candidates"] for s in scenes) / max(1, sum(s["frames"] for s in scenes))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dirs", nargs="+", type=Path, help="folders written by `fallwatch synth`")
    parser.add_argument("--jobs", type=int, default=1, help="scenes measured in parallel")
    parser.add_argument("--json", type=Path, help="also write the per-scene counts here")
    parser.add_argument("--report", type=Path, help="JSON of `fallwatch eval` on the one folder: recall by visibility")
    args = parser.parse_args()
    paths = sorted(p for d in args.dirs for p in d.glob("scene_*.json"))
    if not paths:
        parser.error("no scene_*.json in the given folders")
    if args.report and len(args.dirs) != 1:
        parser.error("--report goes with one folder: `fallwatch eval` reports on one")
    with ProcessPoolExecutor(max(1, args.jobs)) as pool:
        scenes = list(pool.map(scene_hits, paths))
    print("\n".join(summary(scenes)))
    if args.report:
        print("\n".join(recall_by_visibility(scenes, json.loads(args.report.read_text()))))
    if args.json:
        args.json.write_text(json.dumps(scenes, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
