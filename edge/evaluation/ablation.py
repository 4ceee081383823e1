"""Ablation: physics gate alone against physics gate + learned verifier, same scenes.

The verifier earns its place (issue 3) only if, on the same scenes, it at least
halves the false alarms per hour, keeps recall equal or better, and loses not a
single compact throw of 4 px or more that physics alone caught.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from edge.evaluation.report import SceneResult, build_report, format_table
from edge.evaluation.runner import evaluate_results

PHYSICS = "physics"
WITH_VERIFIER = "physics+verifier"
MIN_FA_CUT = 0.5  # false alarms per hour must drop to at most this share
PROTECTED_SIZE_PX = 4.0


def compare(off: list[SceneResult], on: list[SceneResult]) -> dict[str, Any]:
    """Throw-by-throw and alarm-rate comparison of two runs over the same scenes."""
    lost: list[dict[str, Any]] = []
    gained: list[dict[str, Any]] = []
    for a, b in zip(off, on, strict=True):
        if a.scene_id != b.scene_id:
            raise ValueError(f"ablation runs are not aligned: {a.scene_id} vs {b.scene_id}")
        for ma, mb in zip(a.matches, b.matches, strict=True):
            t = ma.throw
            row = {"scene": a.scene_id, "class": t["class"], "kind": t["kind"], "size_px": t["size_px"]}
            if ma.event is not None and mb.event is None:
                lost.append(row)
            elif ma.event is None and mb.event is not None:
                gained.append(row)
    r_off, r_on = build_report(off), build_report(on)
    fa_off, fa_on = r_off["false_alarms_per_hour"], r_on["false_alarms_per_hour"]
    lost_protected = [x for x in lost if x["kind"] == "compact" and float(x["size_px"]) >= PROTECTED_SIZE_PX]
    reasons = []
    if not r_off["false_alarms"]:
        reasons.append("physics alone raised no false alarm on these scenes: nothing to halve")
    elif fa_on > MIN_FA_CUT * fa_off:
        reasons.append(f"false alarms per hour {fa_off} -> {fa_on}: not halved")
    if (r_on["recall"] or 0.0) < (r_off["recall"] or 0.0):
        reasons.append(f"recall {r_off['recall']} -> {r_on['recall']}: lower")
    if lost_protected:
        reasons.append(f"{len(lost_protected)} compact throw(s) >= {PROTECTED_SIZE_PX:g} px lost")
    return {
        "false_alarms_per_hour": {PHYSICS: fa_off, WITH_VERIFIER: fa_on},
        "false_alarm_ratio": round(fa_on / fa_off, 3) if fa_off else None,
        "recall": {PHYSICS: r_off["recall"], WITH_VERIFIER: r_on["recall"]},
        "throws_lost": lost,
        "throws_gained": gained,
        "compact_4px_lost": len(lost_protected),
        "meets_bar": not reasons,
        "reasons": reasons,
    }


def run_ablation(folder: Path, jobs: int = 1, threads: int = 1) -> dict[str, Any]:
    off = evaluate_results(folder, jobs, threads, "off")
    on = evaluate_results(folder, jobs, threads, "on")
    return {PHYSICS: build_report(off), WITH_VERIFIER: build_report(on), "comparison": compare(off, on)}


def format_ablation(result: dict[str, Any]) -> str:
    c = result["comparison"]
    fa, rec = c["false_alarms_per_hour"], c["recall"]

    def pct(v: float | None) -> str:
        return "  n/a" if v is None else f"{100 * v:5.1f}%"

    ratio = "n/a" if c["false_alarm_ratio"] is None else f"{c['false_alarm_ratio']:.2f}x"
    lines = [
        "== physics only ==",
        format_table(result[PHYSICS]),
        "",
        "== physics + verifier ==",
        format_table(result[WITH_VERIFIER]),
        "",
        "== ablation ==",
        f"{'':32s} {'physics':>9s} {'+verifier':>10s}",
        f"{'recall':32s} {pct(rec[PHYSICS]):>9s} {pct(rec[WITH_VERIFIER]):>10s}",
        f"{'false alarms per hour':32s} {fa[PHYSICS]!s:>9s} {fa[WITH_VERIFIER]!s:>10s}   ({ratio})",
        f"{'throws lost / gained':32s} {len(c['throws_lost'])} / {len(c['throws_gained'])}",
        f"{'compact throws >= 4 px lost':32s} {c['compact_4px_lost']}",
        "verdict: " + ("meets the bar" if c["meets_bar"] else "does NOT meet the bar: " + "; ".join(c["reasons"])),
    ]
    return "\n".join(lines)
