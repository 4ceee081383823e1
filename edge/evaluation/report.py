"""Aggregate per-scene results into the evaluation report (pure, no I/O)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from edge.evaluation.matching import Match, size_bucket
from edge.evaluation.misses import reason_counts


@dataclass
class SceneResult:
    scene_id: str
    width: int
    height: int
    video_s: float
    wall_s: float
    distractor_only: bool
    matches: list[Match]
    false_alarms: list[dict[str, Any]]
    distractors: list[str] = field(default_factory=list)
    miss_reasons: dict[str, dict[str, Any]] = field(default_factory=dict)  # throw id -> explain_miss()


def _ratio(hit: int, total: int) -> float | None:
    return round(hit / total, 4) if total else None


def build_report(results: list[SceneResult]) -> dict[str, Any]:
    by_kind: dict[str, list[bool]] = defaultdict(list)
    by_class: dict[str, list[bool]] = defaultdict(list)
    by_size: dict[str, list[bool]] = defaultdict(list)
    by_kind_size: dict[str, list[bool]] = defaultdict(list)
    floor_exact, floor_within1, column_exact, latencies = [], [], [], []
    for r in results:
        for m in r.matches:
            t = m.throw
            hit = m.event is not None
            bucket = size_bucket(float(t["size_px"]))
            by_kind[t["kind"]].append(hit)
            by_class[t["class"]].append(hit)
            by_size[bucket].append(hit)
            by_kind_size[f"{t['kind']} {bucket}"].append(hit)
            if m.event is not None:
                o = m.event["origin"]
                floor_exact.append(o["floor"] == t["floor"])
                floor_within1.append(abs(o["floor"] - t["floor"]) <= 1)
                column_exact.append(o["column"] == t["column"])
                latencies.append(m.event["detected_at"] - t["t_release"])

    def rates(groups: dict[str, list[bool]]) -> dict[str, dict[str, Any]]:
        return {k: {"recall": _ratio(sum(v), len(v)), "n": len(v)} for k, v in sorted(groups.items())}

    video_h = sum(r.video_s for r in results) / 3600.0
    fa = sum(len(r.false_alarms) for r in results)
    distractor = [r for r in results if r.distractor_only]
    distractor_h = sum(r.video_s for r in distractor) / 3600.0
    distractor_fa = sum(len(r.false_alarms) for r in distractor)
    wall = sum(r.wall_s for r in results)
    by_res: dict[str, list[SceneResult]] = defaultdict(list)
    for r in results:
        by_res[f"{r.width}x{r.height}"].append(r)
    throws = [m for r in results for m in r.matches]
    return {
        "scenes": len(results),
        "throws": len(throws),
        "video_s": round(sum(r.video_s for r in results), 2),
        "recall": _ratio(sum(m.event is not None for m in throws), len(throws)),
        "recall_by_kind": rates(by_kind),
        "recall_by_size": rates(by_size),
        "recall_by_kind_and_size": rates(by_kind_size),
        "recall_by_class": rates(by_class),
        "floor_exact": _ratio(sum(floor_exact), len(floor_exact)),
        "floor_within_one": _ratio(sum(floor_within1), len(floor_within1)),
        "column_exact": _ratio(sum(column_exact), len(column_exact)),
        "false_alarms": fa,
        "false_alarms_per_hour": round(fa / video_h, 2) if video_h else None,
        "distractor_only_false_alarms": distractor_fa,
        "distractor_only_false_alarms_per_hour": round(distractor_fa / distractor_h, 2) if distractor_h else None,
        "latency_median_s": round(float(np.median(latencies)), 3) if latencies else None,
        "latency_p95_s": round(float(np.percentile(latencies, 95)), 3) if latencies else None,
        "realtime_factor": round(sum(r.video_s for r in results) / wall, 2) if wall else None,
        "realtime_factor_by_resolution": {
            k: round(sum(r.video_s for r in v) / max(1e-9, sum(r.wall_s for r in v)), 2)
            for k, v in sorted(by_res.items())
        },
        "false_alarm_details": [
            {"scene": r.scene_id, "t_start": e["t_start"], "floor": e["origin"]["floor"], "distractors": r.distractors}
            for r in results
            for e in r.false_alarms
        ],
        "missed": [
            {
                "scene": r.scene_id,
                "class": m.throw["class"],
                "size_px": m.throw["size_px"],
                "floor": m.throw["floor"],
                **r.miss_reasons.get(m.throw.get("id", ""), {}),
            }
            for r in results
            for m in r.matches
            if m.event is None
        ],
    }


def format_table(report: dict[str, Any]) -> str:
    def pct(v: float | None) -> str:
        return "  n/a" if v is None else f"{100 * v:5.1f}%"

    lines = [
        f"scenes {report['scenes']}, throws {report['throws']}, video {report['video_s']:.0f} s",
        "",
        f"{'recall':32s} {pct(report['recall'])}",
    ]
    for title, key in (("by kind", "recall_by_kind"), ("by size", "recall_by_size"),
                       ("by kind and size", "recall_by_kind_and_size"), ("by class", "recall_by_class")):
        lines.append(f"  {title}")
        for name, v in report[key].items():
            lines.append(f"    {name:28s} {pct(v['recall'])}  (n={v['n']})")
    lat_med, lat_p95 = report["latency_median_s"], report["latency_p95_s"]
    lines += [
        f"{'origin floor exact':32s} {pct(report['floor_exact'])}",
        f"{'origin floor within one':32s} {pct(report['floor_within_one'])}",
        f"{'origin column exact':32s} {pct(report['column_exact'])}",
        f"{'false alarms':32s} {report['false_alarms']:6d}  ({report['false_alarms_per_hour']} per hour)",
        f"{'  on distractor-only scenes':32s} {report['distractor_only_false_alarms']:6d}"
        f"  ({report['distractor_only_false_alarms_per_hour']} per hour)",
        f"{'latency median / p95':32s} {lat_med} s / {lat_p95} s",
        f"{'realtime factor':32s} {report['realtime_factor']}x  {report['realtime_factor_by_resolution']}",
    ]
    explained = [m for m in report["missed"] if "why" in m]
    if explained:
        lines += ["", "missed throws, why (the best covering track's last verdict)"]
        lines += [f"    {n:3d}  {why}" for why, n in reason_counts(explained)]
        lines += [
            f"    {m['scene']} {m['class']} floor {m['floor']} {m['size_px']:.1f} px: "
            f"{m['near_points']}/{m['throw_frames']} frames tracked -> {m['why']}"
            for m in explained
        ]
    return "\n".join(lines)
