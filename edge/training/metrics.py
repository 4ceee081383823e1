"""Held-out metrics of an exported verifier, measured through the edge runtime itself."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from edge.training.labels import OTHER, THROW
from edge.verifier.model import Verifier
from edge.verifier.tube import CROP_PX, TUBE_FRAMES


def _load(folder: Path) -> np.ndarray:
    paths = sorted(folder.glob("*.png"))
    if not paths:
        return np.zeros((0, 1, 1), np.uint8)
    return np.stack([cv2.imread(str(p), cv2.IMREAD_GRAYSCALE) for p in paths])


def roc_auc(pos: np.ndarray, neg: np.ndarray) -> float | None:
    """Probability that a random positive scores above a random negative (ties count half)."""
    if len(pos) == 0 or len(neg) == 0:
        return None
    scores = np.concatenate([pos, neg])
    ranks = np.argsort(np.argsort(scores, kind="stable"), kind="stable").astype(np.float64) + 1
    # Average the ranks of tied scores.
    for s in np.unique(scores):
        tied = scores == s
        ranks[tied] = ranks[tied].mean()
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def evaluate_split(model: Path, split_dir: Path, threshold: float = 0.5) -> dict[str, Any]:
    """Accuracy, throw precision/recall and ROC AUC on one split folder (throw/, other/)."""
    verifier = Verifier(model)
    pos = verifier.score_mosaics(_load(split_dir / THROW)) if (split_dir / THROW).is_dir() else np.zeros(0)
    neg = verifier.score_mosaics(_load(split_dir / OTHER)) if (split_dir / OTHER).is_dir() else np.zeros(0)
    tp, fn = int((pos >= threshold).sum()), int((pos < threshold).sum())
    fp, tn = int((neg >= threshold).sum()), int((neg < threshold).sum())
    total = tp + fn + fp + tn
    auc = roc_auc(pos, neg)
    return {
        "threshold": threshold,
        "throw_tubes": len(pos),
        "other_tubes": len(neg),
        "accuracy": round((tp + tn) / total, 4) if total else None,
        "throw_precision": round(tp / (tp + fp), 4) if tp + fp else None,
        "throw_recall": round(tp / (tp + fn), 4) if tp + fn else None,
        "other_rejected": round(tn / (tn + fp), 4) if tn + fp else None,
        "roc_auc": None if auc is None else round(auc, 4),
    }


def latency_ms(model: Path, repeats: int = 200) -> float:
    """Median milliseconds to score one track's tube (mosaic + inference) on one thread."""
    verifier = Verifier(model, threads=1)
    rng = np.random.default_rng(0)
    tube = rng.integers(0, 255, (TUBE_FRAMES, CROP_PX, CROP_PX), dtype=np.uint8)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        verifier.score_tube(tube)
        times.append(time.perf_counter() - start)
    return round(1000.0 * float(np.median(times)), 3)
