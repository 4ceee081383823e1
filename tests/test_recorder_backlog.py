"""The recorder bounds the memory of clips waiting for the anonymiser."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from edge.config.camera import PrivacyConfig
from edge.events.event import Event, Origin
from edge.privacy.anonymizer import Anonymizer
from edge.recording.recorder import EvidenceRecorder, RecorderConfig
from edge.sources.frame import Frame

MODELS = Path(__file__).resolve().parent.parent / "models"


class _Sink:
    def __init__(self) -> None:
        self.alerts: list[str] = []
        self.evidence_for: list[str] = []

    def alert(self, event: dict[str, Any], files: list, final: bool) -> None:
        self.alerts.append(event["event_id"])

    def evidence(self, event: dict[str, Any], files: list) -> None:
        self.evidence_for.append(event["event_id"])


class _HeldBackAnonymizer:
    """The real anonymiser, held back until released: it cannot keep up meanwhile."""

    def __init__(self, gate: threading.Event) -> None:
        self.gate = gate
        self.real = Anonymizer.from_config(PrivacyConfig(), MODELS)
        self.state = self.real.state
        self.model_version = self.real.model_version

    def anonymize_iter(self, frames: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
        self.gate.wait(30)
        return self.real.anonymize_iter(frames)

    def anonymize_snapshot(self, bgr: np.ndarray) -> np.ndarray:
        return self.real.anonymize_snapshot(bgr)


def _event(i: int, t: float) -> Event:
    return Event(
        camera_id="c", t_start=t, t_end=t, detected_at=t, origin=Origin(3, 1, 10.0, 10.0),
        trajectory=[(t, 10.0, 10.0)], score=0.9, event_id=f"e{i}",
    )


def test_clips_end_early_when_the_backlog_is_full_and_memory_stays_bounded() -> None:
    gate = threading.Event()
    sink = _Sink()
    budget = 2 * 1024 * 1024
    rec = EvidenceRecorder(
        RecorderConfig(fps=25.0, pre_s=1.0, post_s=2.0, max_backlog_bytes=budget),
        lambda: _HeldBackAnonymizer(gate),
        sink,
    )
    rec.start()
    rng = np.random.default_rng(0)
    peak = 0
    for i in range(400):
        bgr = rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)  # noise: large JPEGs
        frame = Frame.from_bgr(i, i / 25.0, bgr)
        rec.on_frame(frame, live_event_ids=set())
        if i % 20 == 10:
            rec.on_event(_event(i, frame.t_s), _event(i, frame.t_s).to_dict())
        peak = max(peak, rec.backlog_bytes)
    # The detection frame of each clip is always kept, so the budget may be passed by a few frames.
    assert peak <= budget + 20 * 300_000
    assert rec.clips_truncated > 0
    gate.set()
    rec.stop(timeout_s=60)
    assert rec.backlog_bytes == 0
    # Every event still got its alert and its (possibly shortened) clip.
    assert sorted(sink.alerts) == sorted(sink.evidence_for)
    assert len(sink.alerts) == 20
