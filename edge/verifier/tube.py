"""Tubes: the last few frames cropped around a track, as the verifier sees them.

A tube is ``TUBE_FRAMES`` consecutive luma frames, each cropped to a
``CROP_PX`` x ``CROP_PX`` window centred on the track's position at that frame's
time (image px, x right, y down), so the object stays in the centre while the
background slides past. The crops are tiled row by row into a square mosaic
(``GRID`` x ``GRID`` tiles), the input format of the classifier; training
(``edge.training``) writes the very same mosaics, which is why this module is the
single definition of cropping and normalisation.
"""

from __future__ import annotations

from collections import deque

import numpy as np

GRID = 3
TUBE_FRAMES = GRID * GRID
CROP_PX = 32
MOSAIC_PX = GRID * CROP_PX
# Below this grey-level spread a tube is stretched by at most MOSAIC_SPREAD /
# MIN_SPREAD, so the sensor noise of an empty dark tube is not blown up to look
# like an object.
MIN_SPREAD = 24.0
MOSAIC_SPREAD = 200.0


class FrameRing:
    """The latest ``size`` luma frames with their times (seconds of the stream).

    Holds references, not copies: decoders hand out a fresh array per frame.
    """

    def __init__(self, size: int = TUBE_FRAMES) -> None:
        self._frames: deque[tuple[float, np.ndarray]] = deque(maxlen=size)

    def push(self, t_s: float, gray: np.ndarray) -> None:
        self._frames.append((t_s, gray))

    def clear(self) -> None:
        self._frames.clear()

    def __len__(self) -> int:
        return len(self._frames)

    @property
    def full(self) -> bool:
        return len(self._frames) == self._frames.maxlen

    def items(self) -> list[tuple[float, np.ndarray]]:
        return list(self._frames)


def crop_centred(gray: np.ndarray, x_px: float, y_px: float, side_px: int) -> np.ndarray:
    """A ``side_px`` square of ``gray`` centred on (x_px, y_px); edges replicated outside."""
    h, w = gray.shape
    x0 = round(x_px) - side_px // 2
    y0 = round(y_px) - side_px // 2
    if x0 >= 0 and y0 >= 0 and x0 + side_px <= w and y0 + side_px <= h:
        return gray[y0 : y0 + side_px, x0 : x0 + side_px].copy()
    ys = np.clip(np.arange(y0, y0 + side_px), 0, h - 1)
    xs = np.clip(np.arange(x0, x0 + side_px), 0, w - 1)
    return gray[np.ix_(ys, xs)]


def track_positions(
    frame_times_s: np.ndarray, track_t_s: np.ndarray, track_x_px: np.ndarray, track_y_px: np.ndarray
) -> np.ndarray:
    """(N, 2) px positions of a track at the given frame times.

    Linear interpolation between sightings (a track may skip frames behind a
    balcony); before the first or after the last sighting the nearest one is used.
    """
    xs = np.interp(frame_times_s, track_t_s, track_x_px)
    ys = np.interp(frame_times_s, track_t_s, track_y_px)
    return np.column_stack([xs, ys])


def cut_tube(
    frames: list[tuple[float, np.ndarray]],
    track_t_s: np.ndarray,
    track_x_px: np.ndarray,
    track_y_px: np.ndarray,
    side_px: int = CROP_PX,
) -> np.ndarray:
    """(len(frames), side_px, side_px) uint8 crops following the track through ``frames``."""
    times = np.array([t for t, _ in frames], dtype=np.float64)
    pos = track_positions(times, np.asarray(track_t_s), np.asarray(track_x_px), np.asarray(track_y_px))
    return np.stack([crop_centred(g, x, y, side_px) for (_, g), (x, y) in zip(frames, pos, strict=True)])


def mosaic(tube: np.ndarray) -> np.ndarray:
    """(MOSAIC_PX, MOSAIC_PX) uint8 tile image of a (TUBE_FRAMES, CROP_PX, CROP_PX) tube.

    Contrast is normalised over the whole tube: its median grey goes to 128 and
    its 1st-99th percentile spread is stretched to ``MOSAIC_SPREAD`` grey levels,
    so day, dusk and night IR tubes look alike to the classifier while the
    frame-to-frame changes keep their relative size.
    """
    if tube.shape != (TUBE_FRAMES, CROP_PX, CROP_PX):
        raise ValueError(f"tube must be {(TUBE_FRAMES, CROP_PX, CROP_PX)}, got {tube.shape}")
    t = tube.astype(np.float32)
    lo, mid, hi = np.percentile(t, [1.0, 50.0, 99.0])
    gain = MOSAIC_SPREAD / max(MIN_SPREAD, float(hi - lo))
    norm = np.clip(128.0 + (t - mid) * gain, 0.0, 255.0).astype(np.uint8)
    rows = [np.hstack(list(norm[r * GRID : (r + 1) * GRID])) for r in range(GRID)]
    return np.vstack(rows)
