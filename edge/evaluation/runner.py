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
from edge.evaluation.report import SceneResult, build_report

log = logging.getLogger(__name__)


def evaluate_scene(truth_path: Path, threads: int = 1, verifier: str | None = None) -> SceneResult:
    """Detect and score one scene; ``verifier`` ("on"/"off") overrides the scene config's."""
    truth = json.loads(truth_path.read_text())
    config = load_camera_config(truth_path.with_suffix(".yaml"))
    if verifier is not None:
        config = config.model_copy(update={"detection": config.detection.model_copy(update={"verifier": verifier})})
    summary = detect_video(Path(str(config.source)), config, threads=threads)
    events = [e.to_dict() for e in summary.event_list]
    matches, false_alarms = match_events(truth["throws"], events)
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
    )


def scene_truths(folder: Path) -> list[Path]:
    paths = sorted(p for p in folder.glob("scene_*.json"))
    if not paths:
        raise ValueError(f"{folder}: no scene_*.json ground truth (write scenes with `fallwatch synth`)")
    return paths


def evaluate_results(
    folder: Path, jobs: int = 1, threads: int = 1, verifier: str | None = None
) -> list[SceneResult]:
    paths = scene_truths(folder)
    if jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            return list(pool.map(evaluate_scene, paths, [threads] * len(paths), [verifier] * len(paths)))
    results = []
    for i, p in enumerate(paths, 1):
        results.append(evaluate_scene(p, threads, verifier))
        log.info("[%d/%d] %s", i, len(paths), p.stem)
    return results


def evaluate_folder(folder: Path, jobs: int = 1, threads: int = 1, verifier: str | None = None) -> dict[str, Any]:
    return build_report(evaluate_results(folder, jobs, threads, verifier))
