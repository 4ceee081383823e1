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
    # The truth's rule for "observable" throws; None: the set predates visibility truth.
    visibility_rule: dict[str, float] | None = None


def _ratio(hit: int, total: int) -> float | None:
    return round(hit / total, 4) if total else None


def _rates(groups: dict[str, list[bool]]) -> dict[str, dict[str, Any]]:
    return {k: {"recall": _ratio(sum(v), len(v)), "n": len(v)} for k, v in sorted(groups.items())}


def _observable_recall(results: list[SceneResult]) -> dict[str, Any]:
    """Recall over the throws a camera could see well enough for the default alarm rule
    (the truth's ``observable``), overall and by kind, size and both; {} for sets whose
    truth predates visibility (any scene without a rule)."""
    if not results or any(r.visibility_rule is None for r in results):
        return {}
    seen = [m for r in results for m in r.matches if m.throw["observable"]]
    by_kind: dict[str, list[bool]] = defaultdict(list)
    by_size: dict[str, list[bool]] = defaultdict(list)
    by_kind_size: dict[str, list[bool]] = defaultdict(list)
    for m in seen:
        hit, kind, bucket = m.event is not None, m.throw["kind"], size_bucket(float(m.throw["size_px"]))
        by_kind[kind].append(hit)
        by_size[bucket].append(hit)
        by_kind_size[f"{kind} {bucket}"].append(hit)
    return {
        "throws_observable": len(seen),
        "recall_observable": _ratio(sum(m.event is not None for m in seen), len(seen)),
        "recall_observable_by_kind": _rates(by_kind),
        "recall_observable_by_size": _rates(by_size),
        "recall_observable_by_kind_and_size": _rates(by_kind_size),
        "observable_rule": results[0].visibility_rule,
    }


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
    found = [
        {
            **_throw_row(r, m),
            "detected_floor": m.event["origin"]["floor"],
            "detected_column": m.event["origin"]["column"],
            "latency_s": round(m.event["detected_at"] - m.throw["t_release"], 3),
        }
        for r in results
        for m in r.matches
        if m.event is not None
    ]
    return {
        "scenes": len(results),
        "throws": len(throws),
        "video_s": round(sum(r.video_s for r in results), 2),
        "recall": _ratio(sum(m.event is not None for m in throws), len(throws)),
        "recall_by_kind": _rates(by_kind),
        "recall_by_size": _rates(by_size),
        "recall_by_kind_and_size": _rates(by_kind_size),
        "recall_by_class": _rates(by_class),
        **_observable_recall(results),
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
        "found": found,
        "origin_errors": [
            f for f in found if (f["detected_floor"], f["detected_column"]) != (f["floor"], f["column"])
        ],
        "missed": [
            {
                **_throw_row(r, m),
                **({"observable": m.throw["observable"]} if "observable" in m.throw else {}),
                **r.miss_reasons.get(m.throw.get("id", ""), {}),
            }
            for r in results
            for m in r.matches
            if m.event is None
        ],
    }


def _throw_row(result: SceneResult, match: Match) -> dict[str, Any]:
    """Which throw of which scene, as the truth describes it."""
    t = match.throw
    return {
        "scene": result.scene_id,
        "throw": t.get("id", ""),
        "class": t["class"],
        "size_px": t["size_px"],
        "floor": t["floor"],
        "column": t["column"],
    }


def _pct(v: float | None) -> str:
    return "  n/a" if v is None else f"{100 * v:5.1f}%"


def _per_hour(v: float | None) -> str:
    return "(n/a: no such video)" if v is None else f"({v} per hour)"


def _or_na(v: float | None, unit: str) -> str:
    return "n/a" if v is None else f"{v}{unit}"


def format_table(report: dict[str, Any]) -> str:
    lines = [
        f"scenes {report['scenes']}, throws {report['throws']}, video {report['video_s']:.0f} s",
        "",
        f"{'recall':32s} {_pct(report['recall'])}",
    ]
    for title, key in (("by kind", "recall_by_kind"), ("by size", "recall_by_size"),
                       ("by kind and size", "recall_by_kind_and_size"), ("by class", "recall_by_class")):
        lines.append(f"  {title}")
        for name, v in report[key].items():
            lines.append(f"    {name:28s} {_pct(v['recall'])}  (n={v['n']})")
    lat_med, lat_p95 = report["latency_median_s"], report["latency_p95_s"]
    lines += [
        f"{'origin floor exact':32s} {_pct(report['floor_exact'])}",
        f"{'origin floor within one':32s} {_pct(report['floor_within_one'])}",
        f"{'origin column exact':32s} {_pct(report['column_exact'])}",
        f"{'false alarms':32s} {report['false_alarms']:6d}  {_per_hour(report['false_alarms_per_hour'])}",
        f"{'  on distractor-only scenes':32s} {report['distractor_only_false_alarms']:6d}"
        f"  {_per_hour(report['distractor_only_false_alarms_per_hour'])}",
        f"{'latency median / p95':32s} {_or_na(lat_med, ' s')} / {_or_na(lat_p95, ' s')}",
        f"{'realtime factor':32s} {_or_na(report['realtime_factor'], 'x')}  "
        + "  ".join(f"{res}: {_or_na(v, 'x')}" for res, v in report["realtime_factor_by_resolution"].items()),
        "",
        *_observable_lines(report),
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


def _observable_lines(report: dict[str, Any]) -> list[str]:
    """The observable-throws section of the table (new lines only: the ones above stay
    as they were for the tools that parse them)."""
    rule = report.get("observable_rule")
    if rule is None:
        return ["observable throws: n/a (this set's ground truth predates visibility truth; re-synthesize it)"]
    gap = f" with no gap over {rule['max_gap_s']:g} s" if "max_gap_s" in rule else ""
    where = f" in the {rule['contrast_in']}" if "contrast_in" in rule else ""
    lines = [
        f"observable throws (seen over >= {rule['min_descent_floors']:g} floors{gap}, "
        f"contrast >= {rule['min_contrast_grey']:g}{where}, not behind trees, in the watched region): "
        f"{report['throws_observable']} of {report['throws']}",
        f"  {'recall (observable)':30s} {_pct(report['recall_observable'])}",
    ]
    for title, key in (("by kind", "recall_observable_by_kind"), ("by size", "recall_observable_by_size"),
                       ("by kind and size", "recall_observable_by_kind_and_size")):
        lines.append(f"    {title}")
        for name, v in report[key].items():
            lines.append(f"      {name:26s} {_pct(v['recall'])}  (n={v['n']})")
    return lines
