"""How much of each throw the encoded video still shows: ground truth for visibility.

A thrown object's own colour may differ from the facade by 60 grey levels, yet a 2-px
object is drawn, motion-blurred and anti-aliased, as a smear whose pixels differ by
20-30, and H.264 at the synth's quality smooths much of that away. The truth has to
say what is in the video, or a recall figure counts throws no detector could see.

While a scene renders, ``SpriteTrace`` keeps each throw's drawn change ``d`` (grey
levels, the trees painted over it included) and the finished frame ``F`` around it.
After encoding, the decoded frame ``D`` minus the frame without the object, ``e = D -
(F - d)``, is what the video kept of it; its projection on ``d`` (a matched filter,
robust to compression noise) is the share of the drawn change that survived. The
object's signal is that share times the largest drawn change: the grey levels by which
the object still stands out in the video, in the frame's px around its true position.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np


@dataclass
class _Patch:
    key: int
    frame: int
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in frame px
    drawn: np.ndarray  # float32 grey-level change the sprite made (after - before)
    rendered: np.ndarray | None = None  # int16 luma of the finished frame there

    def signal(self, decoded_luma: np.ndarray) -> float:
        """Grey levels by which the sprite stands out in the decoded frame."""
        assert self.rendered is not None, "close_frame() was not called for this frame"
        x0, y0, x1, y1 = self.box
        d = self.drawn
        kept = decoded_luma[y0:y1, x0:x1].astype(np.float32) - (self.rendered - d)
        share = float(np.clip(np.sum(kept * d) / float(np.sum(d * d)), 0.0, 1.0))
        return share * float(np.abs(d).max())


class SpriteTrace:
    """Collects, frame by frame, the grey-level change each traced sprite made."""

    def __init__(self) -> None:
        self._patches: list[_Patch] = []
        self._open: list[_Patch] = []

    def add(self, key: int, frame: int, box: tuple[int, int, int, int], before_bgr: np.ndarray,
            after_bgr: np.ndarray) -> None:
        """Sprite ``key`` changed frame ``frame`` inside ``box`` from ``before_bgr`` to ``after_bgr``."""
        drawn = _luma(after_bgr) - _luma(before_bgr)
        if np.any(drawn):
            patch = _Patch(key, frame, box, drawn)
            self._patches.append(patch)
            self._open.append(patch)

    def close_frame(self, luma: np.ndarray) -> None:
        """The frame whose sprites were just added is finished: keep its luma around them."""
        for patch in self._open:
            x0, y0, x1, y1 = patch.box
            patch.rendered = luma[y0:y1, x0:x1].astype(np.int16)
        self._open.clear()

    def signals(self, decoded_luma: Iterable[np.ndarray]) -> dict[int, dict[int, float]]:
        """Per key, per frame index: the grey levels by which the sprite stands out in the
        decoded frames (frame 0 first)."""
        by_frame: dict[int, list[_Patch]] = {}
        for patch in self._patches:
            by_frame.setdefault(patch.frame, []).append(patch)
        out: dict[int, dict[int, float]] = {}
        for i, luma in enumerate(decoded_luma):
            for patch in by_frame.get(i, ()):
                out.setdefault(patch.key, {})[i] = patch.signal(luma)
        return out


def seen_descent(heights_m: np.ndarray, seen: np.ndarray, max_gap_frames: int) -> float:
    """The most a throw descends (m) within one stretch of frames where it is seen.

    ``heights_m`` (N,) per trajectory frame, ``seen`` (N,) bool. A stretch may skip up to
    ``max_gap_frames`` unseen frames (a balcony, a frame lost in noise), as a tracker
    bridges them; a longer gap starts a new stretch, since a fall seen only in pieces
    (released behind a tree crown, seen again near the ground) cannot be followed.
    """
    idx = np.flatnonzero(seen)
    if len(idx) == 0:
        return 0.0
    breaks = np.flatnonzero(np.diff(idx) > max_gap_frames + 1) + 1
    return max(float(np.ptp(heights_m[run])) for run in np.split(idx, breaks))


# The luma the encoder gets: cv2's BGR -> I420 is BT.601 in video range (16-235), so a
# change of 1 in the BGR grey becomes 219/255 there; the offset cancels in differences.
_Y_PER_BGR = np.array([0.114, 0.587, 0.299], np.float32) * np.float32(219 / 255)


def _luma(bgr: np.ndarray) -> np.ndarray:
    return bgr.astype(np.float32) @ _Y_PER_BGR
