"""Evaluate a folder of synthesized scenes: detect, match, report."""

from __future__ import annotations

import json
import logging
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from edge.config.camera import load_camera_config
from edge.detect_video import detect_video
from edge.evaluation.matching import match_events
from edge.evaluation.misses import TrackLog, explain_miss
from edge.evaluation.observable import mark_observable
from edge.evaluation.report import SceneResult, build_report

log = logging.getLogger(__name__)


def evaluate_scene(
    truth_path: Path, threads: int = 1, verifier: str | None = None, explain_misses: bool = False
) -> SceneResult:
    """Detect and score one scene; ``verifier`` ("on"/"off") overrides the scene config's;
    ``explain_misses`` says for each missed throw where it was lost (slower)."""
    truth = json.loads(truth_path.read_text())
    config = load_camera_config(truth_path.with_suffix(".yaml"))
    if verifier is not None:
        config = config.model_copy(update={"detection": config.detection.model_copy(update={"verifier": verifier})})
    track_log = TrackLog() if explain_misses else None
    summary = detect_video(
        Path(str(config.source)), config, threads=threads,
        on_verdict=track_log.on_verdict if track_log else None,
        on_tracks=track_log.on_tracks if track_log else None,
    )
    events = [e.to_dict() for e in summary.event_list]
    rule = truth.get("visibility_rule")
    if rule is not None:
        mark_observable(truth["throws"], config, int(truth["width"]), int(truth["height"]), rule, float(truth["fps"]))
    matches, false_alarms = match_events(truth["throws"], events)
    reasons = {}
    if track_log is not None:
        reasons = {m.throw["id"]: explain_miss(m.throw, track_log) for m in matches if m.event is None}
    return SceneResult(
        scene_id=truth["scene_id"],
        width=int(truth["width"]),
        height=int(truth["height"]),
        video_s=summary.video_s,
        wall_s=summary.wall_s,
        distractor_only=bool(truth.get("distractor_only", False)),
        matches=matches,
        false_alarms=false_alarms,
        distractors=sorted({d["class"] for d in truth.get("distractors", [])}),
        miss_reasons=reasons,
        visibility_rule=truth.get("visibility_rule"),
    )


def scene_truths(folder: Path) -> list[Path]:
    paths = sorted(p for p in folder.glob("scene_*.json"))
    if not paths:
        raise ValueError(f"{folder}: no scene_*.json ground truth (write scenes with `fallwatch synth`)")
    return paths


def evaluate_results(
    folder: Path, jobs: int = 1, threads: int = 1, verifier: str | None = None, explain_misses: bool = False
) -> list[SceneResult]:
    paths = scene_truths(folder)
    n = len(paths)
    if jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            return list(pool.map(evaluate_scene, paths, [threads] * n, [verifier] * n, [explain_misses] * n))
    results = []
    for i, p in enumerate(paths, 1):
        results.append(evaluate_scene(p, threads, verifier, explain_misses))
        log.info("[%d/%d] %s", i, n, p.stem)
    return results


def evaluate_folder(
    folder: Path, jobs: int = 1, threads: int = 1, verifier: str | None = None, explain_misses: bool = False
) -> dict[str, Any]:
    return build_report(evaluate_results(folder, jobs, threads, verifier, explain_misses))
