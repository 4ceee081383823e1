"""Exponential backoff with jitter for reconnecting live sources."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Delay in seconds before reconnect attempt ``attempt`` (0-based).

    The delay doubles (``factor``) from ``initial_s`` up to ``max_s``; jitter spreads it
    uniformly by +/- ``jitter`` of itself so that dozens of cameras behind one switch
    that failed together do not all reconnect in the same instant.
    """

    initial_s: float = 0.5
    max_s: float = 30.0
    factor: float = 2.0
    jitter: float = 0.25
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        if not 0.0 < self.initial_s <= self.max_s:
            raise ValueError("backoff needs 0 < initial_s <= max_s")
        if self.factor < 1.0:
            raise ValueError("backoff factor must be >= 1")
        if not 0.0 <= self.jitter < 1.0:
            raise ValueError("backoff jitter must be in [0, 1)")

    def delay_s(self, attempt: int) -> float:
        # Cap the exponent so a camera that stays away for days cannot overflow a float.
        base_s = min(self.max_s, self.initial_s * self.factor ** min(attempt, 64))
        return base_s * self.rng.uniform(1.0 - self.jitter, 1.0 + self.jitter)
