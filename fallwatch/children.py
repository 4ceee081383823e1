"""Child processes that a supervisor (``fallwatch demo``) starts, watches and stops.

Each child runs in its own session, so a Ctrl-C on the terminal reaches only the
supervisor, which then stops the children in an order that loses nothing (edges
first, so they hand their events to a server still up).
On Linux a child also gets SIGTERM when the supervisor dies, even by SIGKILL, so a
crashed demo never leaves edges replaying video forever.
"""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys
from collections import deque
from pathlib import Path

_PR_SET_PDEATHSIG = 1
# Loaded here, not in the child: between fork and exec only already-loaded code is safe.
_LIBC = ctypes.CDLL(None) if sys.platform.startswith("linux") else None


def _die_with_parent() -> None:
    """Runs in the child between fork and exec: ask the kernel for SIGTERM when the parent dies."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


class Child:
    """``python -m MODULE ARGS`` (by default a ``fallwatch`` sub-command) in the background,
    its output in ``log_path``. ``clean_exit_codes``: what counts as a clean stop after
    SIGTERM (a child with nothing to finish may simply die of the signal)."""

    def __init__(
        self,
        name: str,
        args: list[str],
        log_path: Path,
        module: str = "fallwatch.cli",
        clean_exit_codes: frozenset[int] = frozenset({0}),
    ) -> None:
        self.name = name
        self.clean_exit_codes = clean_exit_codes
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", module, *args],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )

    @property
    def exit_code(self) -> int | None:
        """None while running."""
        return self.proc.poll()

    def log_tail(self, lines: int = 20) -> str:
        try:
            with self.log_path.open(encoding="utf-8", errors="replace") as f:
                return "".join(deque(f, maxlen=lines))
        except OSError as exc:
            return f"(cannot read {self.log_path}: {exc.strerror or exc})"

    def terminate(self) -> None:
        """Ask the child to stop (SIGTERM: the commands finish their work in progress)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def wait(self, timeout_s: float) -> int:
        """Wait for the exit; SIGKILL after ``timeout_s``. Returns the exit code."""
        try:
            return self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def stop_all(groups: list[list[Child]], timeout_s: float) -> tuple[dict[str, int], list[str]]:
    """Stop ``groups`` one after the other (each group's children together).

    Returns the exit codes by name and the names of the children that did not stop cleanly."""
    codes: dict[str, int] = {}
    unclean: list[str] = []
    for group in groups:
        for child in group:
            child.terminate()
        for child in group:
            codes[child.name] = child.wait(timeout_s)
            if codes[child.name] not in child.clean_exit_codes:
                unclean.append(child.name)
    return codes, unclean
