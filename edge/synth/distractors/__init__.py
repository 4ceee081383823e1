"""Everything that changes the image but is not a throw, one module per kind.

``SAMPLERS`` maps each ground-truth class name to its sampler; ``WEIGHTS`` says how
often a class is picked when a scene's distractors are left to chance.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from edge.synth.distractors import (
    bird,
    camera_shake,
    cloth,
    cloud_shadow,
    insect,
    ir_switch,
    leaf,
    rain,
    tree_sway,
    window_light,
)
from edge.synth.distractors.base import Distractor, DistractorUnavailable, SceneFacts

Sampler = Callable[[np.random.Generator, SceneFacts], Distractor]

SAMPLERS: dict[str, Sampler] = {
    "bird": bird.sample,
    "leaf": leaf.sample,
    "rain": rain.sample,
    "insect": insect.sample,
    "laundry": cloth.sample_laundry,
    "curtain": cloth.sample_curtain,
    "window_light": window_light.sample,
    "cloud_shadow": cloud_shadow.sample,
    "ir_switch": ir_switch.sample,
    "camera_shake": camera_shake.sample,
    "tree_sway": tree_sway.sample,
}

WEIGHTS: dict[str, float] = {
    "bird": 3.0,
    "leaf": 2.0,
    "rain": 1.0,
    "insect": 1.5,
    "laundry": 1.0,
    "curtain": 1.0,
    "window_light": 1.0,
    "cloud_shadow": 1.0,
    "ir_switch": 0.5,
    "camera_shake": 1.0,
    "tree_sway": 1.0,
}

DISTRACTOR_CLASSES = tuple(SAMPLERS)

__all__ = ["DISTRACTOR_CLASSES", "SAMPLERS", "WEIGHTS", "Distractor", "DistractorUnavailable", "SceneFacts"]
