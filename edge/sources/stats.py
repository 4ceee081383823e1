"""Counters that tell operations how healthy a frame source is."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass
class SourceStats:
    """Running totals of one source since it was opened.

    Written only by the source's reader thread and read live by others (a health
    endpoint may keep the object); ``snapshot()`` gives a copy that no longer changes.
    """

    connections: int = 0  # successful opens, the first one included
    reconnects: int = 0  # successful opens after the first one (a live source came back)
    loops: int = 0  # replays of a looping file
    connect_failures: int = 0  # opens that failed
    frames: int = 0  # frames read from the input (dropped ones included)
    dropped_frames: int = 0  # live frames dropped because the consumer fell behind
    decode_errors: int = 0  # corrupt packets skipped by the decoder
    stalls: int = 0  # connections abandoned because no frame arrived in time
    stream_errors: int = 0  # connections that broke (EOF of a live stream, I/O error)
    connected: bool = False
    last_error: str | None = None

    def snapshot(self) -> SourceStats:
        return dataclasses.replace(self)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
