"""Login rate limiting: failures per key (client address, user name) in a sliding window."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class LoginRateLimiter:
    """Allows ``max_failures`` failed logins per key within ``window_s`` seconds.

    Kept in memory: a restart clears it, which costs an attacker a restart per
    handful of guesses, and argon2 keeps each guess slow anyway.
    """

    def __init__(self, max_failures: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and q[0] <= now - self.window_s:
            q.popleft()
        return q

    def retry_after_s(self, keys: list[str]) -> float:
        """Seconds until a login may be tried again for every key; 0 when allowed now."""
        now = self.clock()
        with self._lock:
            waits = [
                q[0] + self.window_s - now
                for q in (self._recent(k, now) for k in keys)
                if len(q) >= self.max_failures
            ]
        return max(waits, default=0.0)

    def failed(self, keys: list[str]) -> None:
        now = self.clock()
        with self._lock:
            for k in keys:
                self._recent(k, now).append(now)
            if len(self._failures) > 100_000:
                # Bound memory under a spray of names: forget keys with no recent failures.
                for k in [k for k, q in self._failures.items() if not q or q[-1] <= now - self.window_s]:
                    del self._failures[k]

    def succeeded(self, keys: list[str]) -> None:
        """Forget failures of ``keys`` (the user name only: a valid login must not reset the address)."""
        with self._lock:
            for k in keys:
                self._failures.pop(k, None)
