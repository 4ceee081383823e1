"""Retry delays: exponential backoff with jitter, so edges that lost the server
together do not all come back at the same instant."""

from __future__ import annotations

import random


def backoff_s(attempt: int, base_s: float = 0.2, cap_s: float = 10.0, rng: random.Random | None = None) -> float:
    """Delay before retry number ``attempt`` (1-based): up to base * 2^(attempt-1), capped,
    drawn uniformly from its upper half."""
    if attempt < 1:
        return 0.0
    ceiling = min(cap_s, base_s * 2.0 ** min(attempt - 1, 30))
    return (rng or random).uniform(ceiling / 2.0, ceiling)
