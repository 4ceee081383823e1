"""Independent, named random streams per scene.

Each part of a scene (camera, facade, throws, each distractor, noise) draws from its
own stream derived from (seed, scene index, name), so overriding one part (say, no
distractors) leaves every other part of the scene exactly as it was.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, index: int, name: str) -> np.random.Generator:
    """A generator that depends only on the seed, the scene index and the stream name."""
    return np.random.default_rng(np.random.SeedSequence([seed, index, zlib.crc32(name.encode())]))
