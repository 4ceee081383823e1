"""How the light on the view changed since the background: a gain and an offset per tile.

A cloud shadow, an exposure step or the IR switch changes the light on the whole
facade. Motion must take that change out before it compares a frame with its
background, or every tile's noise estimate swells and a 50-level object goes unseen.
Shadows and exposure scale the light rather than shift it: a shadow that darkens a
wall by 40 grey levels darkens its dark windows by 15, so a single shift per tile
leaves the facade's texture behind as "noise". Per tile the change is therefore
fitted as ``frame = gain x background + offset``. A tile keeps the median shift alone
where it has too little texture to tell a gain from an offset (a plain wall, the
sky), where a gain would move its pixels by less than ``MIN_SHIFT_GREY`` or fits them
little better than the shift, and where no two neighbouring tiles scaled the same way:
light changes over a wide area, while a person or a car may fill one tile.

Tiles are ``TILE_PX`` square in image px, sampled on every ``STEP_PX``-th pixel of
every ``STEP_PX``-th row (the light changes smoothly: 64 samples a tile suffice).
Grey levels: 0-255 luma.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

TILE_PX = 64
STEP_PX = 8
MIN_SHIFT_GREY = 2.0  # smaller changes are left to the noise threshold
MIN_TEXTURE_GREY = 8.0  # a sample this far from its tile's median grey tells a gain from an offset...
MIN_TEXTURED_SAMPLES = 8  # ...and a tile needs this many such samples (of 64) to be fitted a gain
MAX_GAIN_STEP = 0.6  # the most the light of a tile may scale up or down, as a share
GAIN_FIT_SHARE = 0.6  # a gain must leave at most this share of a shift's misfit


@dataclass(frozen=True)
class LightChange:
    """Per tile (rows x columns of ``TILE_PX`` tiles, float32): frame ~ gain x background + offset."""

    gain: np.ndarray
    offset: np.ndarray

    @property
    def scaled(self) -> bool:
        """Does any tile's light scale (a gain other than 1)?"""
        return bool(np.any(self.gain != 1.0))

    @property
    def steady(self) -> bool:
        """Is the change too small anywhere to matter (nothing to take out)?"""
        return not self.scaled and float(np.abs(self.offset).max()) < MIN_SHIFT_GREY


def light_change(frame: np.ndarray, background: np.ndarray) -> LightChange:
    """The change of light from ``background`` to ``frame`` (uint8 images of one shape).

    Both gain and offset are medians, so things that moved rather than light that
    changed (a person, a car, a falling object) do not move them while they cover
    less than half of a tile.
    """
    frame_s = frame[::STEP_PX, ::STEP_PX].astype(np.float32)
    back_s = background[::STEP_PX, ::STEP_PX].astype(np.float32)
    per_tile = TILE_PX // STEP_PX
    rows, cols = max(1, frame_s.shape[0] // per_tile), max(1, frame_s.shape[1] // per_tile)
    bh, bw = min(per_tile, frame_s.shape[0]), min(per_tile, frame_s.shape[1])

    def tiles(a: np.ndarray) -> np.ndarray:
        return a[: rows * bh, : cols * bw].reshape(rows, bh, cols, bw).transpose(0, 2, 1, 3).reshape(rows, cols, -1)

    back, front = tiles(back_s), tiles(frame_s)
    shift = np.median(front - back, axis=2)
    back_mid, front_mid = np.median(back, axis=2), np.median(front, axis=2)
    gain = np.ones(shift.shape, np.float32)
    offset = shift.astype(np.float32)
    dev = back - back_mid[..., None]
    textured = np.abs(dev) >= MIN_TEXTURE_GREY
    fit = textured.sum(axis=2) >= MIN_TEXTURED_SAMPLES
    if not fit.any():
        return LightChange(gain=gain, offset=offset)
    # Only the tiles with texture enough, each as a row of its samples; the others'
    # textured samples are NaN and drop out of the medians.
    tex = np.where(textured[fit], 1.0, np.nan)
    dev_t, front_t, back_t = dev[fit] * tex, front[fit] * tex, back[fit] * tex
    g = np.clip(_median_of_samples((front_t - front_mid[fit][:, None]) / dev_t), 1 - MAX_GAIN_STEP, 1 + MAX_GAIN_STEP)
    o = front_mid[fit] - g * back_mid[fit]
    # A gain counts where it moves the textured samples by a noticeable amount and fits
    # them much better than the shift does: scaled light (a shadow, an exposure step)
    # does, while someone walking through the tile merely tilts the fit.
    moved_by_gain = np.abs(g - 1.0) * _median_of_samples(np.abs(dev_t))
    off_shift = _median_of_samples(np.abs(front_t - back_t - shift[fit][:, None]))
    off_gain = _median_of_samples(np.abs(front_t - g[:, None] * back_t - o[:, None]))
    scaled = (moved_by_gain >= MIN_SHIFT_GREY) & (off_gain <= GAIN_FIT_SHARE * off_shift)
    gain[fit] = np.where(scaled, g, 1.0)
    # Light changes over a wide area: a tile scaled alone, without two of its neighbours
    # scaled the same way, is a person or a car filling it, not the light.
    darker, brighter = (gain < 1.0).astype(np.float32), (gain > 1.0).astype(np.float32)
    kernel = np.ones((3, 3), np.float32)
    alone = np.where(
        gain < 1.0, cv2.filter2D(darker, -1, kernel, borderType=cv2.BORDER_CONSTANT) < 3,
        cv2.filter2D(brighter, -1, kernel, borderType=cv2.BORDER_CONSTANT) < 3,
    ) & (gain != 1.0)
    gain[alone] = 1.0
    offset[fit] = np.where(scaled, o, shift[fit])
    offset[alone] = shift[alone]
    return LightChange(gain=gain, offset=offset)


def _median_of_samples(rows: np.ndarray) -> np.ndarray:
    """Median of each row's non-NaN values (each row has some). ``np.nanmedian`` gives the
    same, but for rows this short it goes through masked arrays, several times slower
    than the light fit's whole budget per frame."""
    ordered = np.sort(rows, axis=1)  # NaN last
    n = np.count_nonzero(~np.isnan(rows), axis=1)
    r = np.arange(len(rows))
    return (ordered[r, (n - 1) // 2] + ordered[r, n // 2]) / 2
