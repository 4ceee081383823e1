"""Scene illumination: day, dusk and night with an infrared illuminator.

Shading works on BGR uint8/float colours. Night IR is grey and falls off with the
square of the distance from the illuminator at the camera, so upper floors are
darker than the ground floor; dusk is dark and warm with lit windows. Darker modes
have a longer exposure (more motion blur) and more sensor noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

LightingMode = Literal["day", "dusk", "night_ir"]
LIGHTING_MODES: tuple[LightingMode, ...] = ("day", "dusk", "night_ir")


@dataclass(frozen=True)
class Lighting:
    mode: LightingMode
    gain: float  # reflectance -> display brightness factor
    tint_bgr: tuple[float, float, float]
    # Luma noise before compression, grey levels. x264 at crf ~26 removes noise below
    # about 4 almost entirely; these levels leave the 1-3 grey levels of flicker that
    # real camera streams show after decoding (more in the dark).
    noise_sigma: float
    exposure_s: float  # shutter time: the length of each frame's motion blur
    ir_range_m: float  # distance at which the IR illuminator gives full brightness
    lit_window_share: float  # fraction of windows lit from inside

    @property
    def grey(self) -> bool:
        return self.mode == "night_ir"

    def falloff(self, distance_m: np.ndarray | float) -> np.ndarray:
        """Illumination factor (>= 0) at a distance from the camera; 1 except at night."""
        d = np.asarray(distance_m, dtype=np.float64)
        if self.mode != "night_ir":
            return np.ones_like(d)
        return np.clip((self.ir_range_m / np.maximum(d, 0.1)) ** 2, 0.06, 1.3)

    def shade(self, bgr: np.ndarray, distance_m: np.ndarray | float) -> np.ndarray:
        """Shade reflectance colours (..., 3) at distances (...) -> float32 display colours."""
        c = np.asarray(bgr, dtype=np.float32)
        if self.grey:
            c = (c @ np.array([0.114, 0.587, 0.299], np.float32))[..., None].repeat(3, axis=-1)
            # Foliage and fabrics reflect near-infrared strongly; lift the greys a little.
            c = 0.6 * c + 60.0
        f = self.falloff(distance_m).astype(np.float32)
        return c * (self.gain * f)[..., None] * np.asarray(self.tint_bgr, np.float32)


def sample_lighting(rng: np.random.Generator, mode: LightingMode | None = None) -> Lighting:
    """Day 60 %, dusk 20 %, night IR 20 % unless a mode is given."""
    if mode is None:
        mode = LIGHTING_MODES[int(rng.choice(3, p=[0.6, 0.2, 0.2]))]
    if mode not in LIGHTING_MODES:
        raise ValueError(f"lighting must be one of {', '.join(LIGHTING_MODES)}, got {mode!r}")
    if mode == "day":
        return Lighting(
            mode,
            float(rng.uniform(0.85, 1.1)),
            (1.0, 1.0, 1.0),
            float(rng.uniform(5.0, 6.0)),
            float(rng.uniform(1 / 200, 1 / 60)),
            0.0,
            0.0,
        )
    if mode == "dusk":
        return Lighting(
            mode,
            float(rng.uniform(0.3, 0.45)),
            (0.85, 0.95, 1.1),
            float(rng.uniform(6.0, 7.0)),
            1 / 30,
            0.0,
            float(rng.uniform(0.15, 0.4)),
        )
    return Lighting(
        mode,
        float(rng.uniform(0.8, 1.0)),
        (1.0, 1.0, 1.0),
        float(rng.uniform(6.5, 7.5)),
        1 / 25,
        float(rng.uniform(35.0, 70.0)),
        0.0,
    )
