"""A one-line progress bar on a text stream (standard error by default).

On a terminal the line is redrawn in place; anywhere else (a log file, a pipe, a
test) each update is its own line, so nothing is lost to carriage returns.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """``done`` out of ``total`` steps, with elapsed wall seconds and a label."""

    def __init__(self, title: str, total: int, stream: TextIO | None = None, width: int = 24) -> None:
        if total < 1:
            raise ValueError(f"a progress bar needs at least one step, got total={total}")
        self.title = title
        self.total = total
        self.width = width
        self.stream = stream if stream is not None else sys.stderr
        self.done = 0
        self._start_s = time.monotonic()
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def line(self, label: str = "") -> str:
        """The bar as text, e.g. ``scenes [############------------] 1/2 12.3 s scene_0000``."""
        filled = round(self.width * self.done / self.total)
        elapsed_s = time.monotonic() - self._start_s
        bar = "#" * filled + "-" * (self.width - filled)
        return f"{self.title} [{bar}] {self.done}/{self.total} {elapsed_s:5.1f} s {label}".rstrip()

    def update(self, done: int, label: str = "") -> None:
        """Show ``done`` steps finished (clamped to 0..total)."""
        self.done = max(0, min(self.total, done))
        if self._tty:
            self.stream.write("\r\x1b[K" + self.line(label))
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(self.line(label) + "\n")
        self.stream.flush()
