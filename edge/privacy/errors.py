"""The one error that means "imagery must not leave the edge"."""

from __future__ import annotations


class PrivacyUnavailable(RuntimeError):
    """The face model cannot be loaded or failed on a frame.

    Callers fail closed: the event still goes out as metadata, flagged
    ``"privacy": "withheld"``, and no image of it leaves the device.
    """
