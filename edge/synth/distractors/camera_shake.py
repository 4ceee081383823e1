"""Camera shake: the whole image jumps by 1-6 px for a few frames, then settles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from edge.synth.canvas import Stage
from edge.synth.distractors.base import Distractor, SceneFacts


@dataclass(frozen=True)
class CameraShake(Distractor):
    first_frame: int
    offsets_px: tuple[tuple[int, int], ...]  # one (dx, dy) per shaken frame

    cls: ClassVar[str] = "camera_shake"
    stage: ClassVar[Stage] = Stage.SCENERY

    def shift_px(self, index: int) -> tuple[int, int]:
        k = index - self.first_frame
        if 0 <= k < len(self.offsets_px):
            return self.offsets_px[k]
        return (0, 0)

    def details(self) -> dict[str, object]:
        return {"max_shift_px": max(max(abs(dx), abs(dy)) for dx, dy in self.offsets_px)}


def sample(rng: np.random.Generator, scene: SceneFacts) -> CameraShake:
    n_frames = round(scene.duration_s * scene.fps)
    count = int(rng.integers(3, 13))
    first = int(rng.integers(0, max(1, n_frames - count)))
    amp = int(rng.integers(1, 7))
    offsets = [tuple(int(v) for v in rng.integers(-amp, amp + 1, 2)) for _ in range(count)]
    offsets[int(rng.integers(count))] = (amp if rng.random() < 0.5 else -amp, int(rng.integers(-amp, amp + 1)))
    return CameraShake(
        t_start_s=first / scene.fps,
        t_end_s=(first + count - 1) / scene.fps,
        first_frame=first,
        offsets_px=tuple(offsets),  # type: ignore[arg-type]
    )
