"""What the rest of the edge may rely on from a frame source.

Two layers: a ``Decoder`` is one open file, stream connection or device, which ends
or raises when its input does; a ``FrameSource`` (what ``open_source`` returns) owns
decoders, reconnects them and never lets a passing failure of a live camera escape.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from edge.sources.frame import Frame
from edge.sources.stats import SourceStats


class Decoder(Protocol):
    """One opened input. ``fps`` is nominal frames per second, sizes in image px."""

    fps: float
    width: int
    height: int
    decode_errors: int

    def __iter__(self) -> Iterator[Frame]: ...

    def close(self) -> None: ...


class FrameSource(Protocol):
    """A robust source of frames with increasing ``t_s`` (seconds) and ``index``."""

    @property
    def fps(self) -> float | None: ...

    @property
    def size_px(self) -> tuple[int, int] | None: ...

    @property
    def stats(self) -> SourceStats: ...

    def wait_ready(self, timeout_s: float) -> bool: ...

    def __iter__(self) -> Iterator[Frame]: ...

    def close(self) -> None: ...
