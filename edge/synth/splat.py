"""Anti-aliased, motion-blurred ellipses: how every small moving thing is drawn.

An object is given by its image positions at several instants inside the exposure
(its path while the shutter is open). The coverage of a soft-edged ellipse is
averaged over those instants, so a fast object becomes a streak whose total "ink"
equals a still object's. Works on a small patch of the frame only.
"""

from __future__ import annotations

import numpy as np


def blob_alpha(
    centres_px: np.ndarray,
    semi_axes_px: np.ndarray,
    angles_rad: np.ndarray,
    edge_px: float = 1.0,
) -> tuple[np.ndarray, int, int]:
    """Coverage (h, w) float32 in [0, 1] and the patch's top-left (x0, y0) in px.

    centres_px (K, 2), semi_axes_px (K, 2) (major, minor), angles_rad (K,) of the major
    axis from image x. edge_px is the width of the soft edge (larger = defocused).
    """
    c = np.asarray(centres_px, np.float64).reshape(-1, 2)
    ax = np.maximum(np.asarray(semi_axes_px, np.float64).reshape(-1, 2), 0.3)
    ang = np.asarray(angles_rad, np.float64).reshape(-1)
    reach = float(ax.max()) + 2.0 * edge_px + 1.0
    x0 = int(np.floor(c[:, 0].min() - reach))
    y0 = int(np.floor(c[:, 1].min() - reach))
    x1 = int(np.ceil(c[:, 0].max() + reach)) + 1
    y1 = int(np.ceil(c[:, 1].max() + reach)) + 1
    xs = np.arange(x0, x1, dtype=np.float64)
    ys = np.arange(y0, y1, dtype=np.float64)
    dx = xs[None, None, :] - c[:, 0, None, None]
    dy = ys[None, :, None] - c[:, 1, None, None]
    cos, sin = np.cos(ang)[:, None, None], np.sin(ang)[:, None, None]
    u = (dx * cos + dy * sin) / ax[:, 0, None, None]
    v = (-dx * sin + dy * cos) / ax[:, 1, None, None]
    d = np.sqrt(u * u + v * v)
    # Signed distance to the ellipse edge, approximated in px by the mean radius.
    inside_px = (1.0 - d) * np.sqrt(ax[:, 0] * ax[:, 1])[:, None, None]
    cov = np.clip(0.5 + inside_px / edge_px, 0.0, 1.0)
    # Tiny ellipses would cover more than their area through the soft edge: rescale.
    true_area = np.pi * ax[:, 0] * ax[:, 1]
    drawn = cov.sum(axis=(1, 2))
    cov *= np.minimum(1.0, true_area / np.maximum(drawn, 1e-9))[:, None, None]
    return cov.mean(axis=0).astype(np.float32), x0, y0


def clip_box(
    frame_shape: tuple[int, ...], x0: int, y0: int, patch_shape: tuple[int, ...]
) -> tuple[int, int, int, int] | None:
    """The part (x0, y0, x1, y1) of a patch at (x0, y0) that lies in the frame, or None."""
    h, w = frame_shape[:2]
    ph, pw = patch_shape[:2]
    fx0, fy0 = max(x0, 0), max(y0, 0)
    fx1, fy1 = min(x0 + pw, w), min(y0 + ph, h)
    if fx0 >= fx1 or fy0 >= fy1:
        return None
    return fx0, fy0, fx1, fy1


def composite(
    frame_bgr: np.ndarray,
    alpha: np.ndarray,
    x0: int,
    y0: int,
    colour_bgr: np.ndarray,
    opacity: float = 1.0,
) -> tuple[int, int, int, int] | None:
    """Blend a colour into frame_bgr through alpha at (x0, y0); returns the clipped box.

    colour_bgr is (3,) or an (h, w, 3) float array matching alpha. The box is
    (x0, y0, x1, y1) in frame px, or None when the patch lies outside the frame.
    """
    box = clip_box(frame_bgr.shape, x0, y0, alpha.shape)
    if box is None:
        return None
    fx0, fy0, fx1, fy1 = box
    a = alpha[fy0 - y0 : fy1 - y0, fx0 - x0 : fx1 - x0, None] * np.float32(opacity)
    col = np.asarray(colour_bgr, np.float32)
    if col.ndim == 3:
        col = col[fy0 - y0 : fy1 - y0, fx0 - x0 : fx1 - x0]
    roi = frame_bgr[fy0:fy1, fx0:fx1]
    out = roi.astype(np.float32) * (1.0 - a) + col * a
    roi[...] = np.clip(np.rint(out), 0, 255).astype(np.uint8)
    return box


def exposure_times(t_s: float, exposure_s: float, speed_px_per_s: float) -> np.ndarray:
    """Instants inside the shutter window centred on t_s, about two per pixel of travel."""
    travel_px = speed_px_per_s * exposure_s
    k = int(min(48, max(1, np.ceil(2.0 * travel_px))))
    if k == 1:
        return np.array([t_s])
    return t_s + exposure_s * (np.arange(k) / (k - 1) - 0.5)
