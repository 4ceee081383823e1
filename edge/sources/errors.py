"""Source failures, split by what a live source should do about them."""

from __future__ import annotations

from edge.sources.video_file import SourceError

__all__ = ["SourceError", "SourceStalled"]


class SourceStalled(SourceError):
    """No frame arrived within the stall timeout although the source is still open.

    Kept apart from a broken stream because operations need to tell a frozen camera
    (network up, encoder hung) from one that drops its connection.
    """
