"""A changed blob in one frame: what motion hands to the tracker."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    """A connected blob of changed pixels (``width_px``/``height_px``: its extent, to 4 px).

    ``x_px``, ``y_px``: contrast-weighted centroid in full-image px. ``contrast``:
    mean signed grey-level difference against the background (negative = darker).
    """

    x_px: float
    y_px: float
    area_px: int
    width_px: int
    height_px: int
    contrast: float
    strong: bool = True  # crossed the full threshold (weak blobs may only extend tracks)
    # Centroid in the margin beside a facade (``motion.facade_margin_m``): nothing is
    # released there, so such a blob may carry a track on but never start one.
    beside_facade: bool = False
    # Found by looking below the threshold where a followed fall had to be
    # (``FrameSignal.look``): evidence of position, not of a clear object.
    probed: bool = False
    # Steepest step of its left and right edges as a share of its contrast (see
    # edge.motion.sharpness); None where the blob is too narrow to say.
    edge_sharpness: float | None = None

    @property
    def may_start_track(self) -> bool:
        return self.strong and not self.beside_facade
