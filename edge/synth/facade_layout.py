"""The facade's geometry: storeys, window columns and where each window is.

Facade metres: X right from the facade's left edge, Y up from the ground. Floor 1 is
the bottom storey, column 1 the leftmost as seen from the camera.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FacadeLayout:
    floors: int
    columns: int
    floor_height_m: float
    column_width_m: float
    window_width_m: float
    window_height_m: float
    sill_m: float  # window bottom above the floor level
    balcony_columns: tuple[bool, ...]
    palette: int  # index into the wall colour palette
    wall_style: int  # 0 plaster, 1 tiles, 2 brick-like
    texture_seed: int

    @property
    def width_m(self) -> float:
        return self.columns * self.column_width_m

    @property
    def height_m(self) -> float:
        return self.floors * self.floor_height_m

    def window_rect_m(self, floor: int, column: int) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) facade metres of a window; floor and column are 1-based."""
        if not (1 <= floor <= self.floors and 1 <= column <= self.columns):
            raise ValueError(f"no window at floor {floor}, column {column}")
        xc = (column - 0.5) * self.column_width_m
        y0 = (floor - 1) * self.floor_height_m + self.sill_m
        return (xc - self.window_width_m / 2, y0, xc + self.window_width_m / 2, y0 + self.window_height_m)


def sample_facade_layout(
    rng: np.random.Generator, floors: int | None = None, columns: int | None = None
) -> FacadeLayout:
    """6-30 floors of 2.8-3.3 m, 3-8 columns of 3-4.5 m, windows inside each bay."""
    floors = int(rng.integers(6, 31)) if floors is None else int(floors)
    columns = int(rng.integers(3, 9)) if columns is None else int(columns)
    if not 2 <= floors <= 60:
        raise ValueError(f"floors must be between 2 and 60, got {floors}")
    if not 1 <= columns <= 20:
        raise ValueError(f"columns must be between 1 and 20, got {columns}")
    fh = float(rng.uniform(2.8, 3.3))
    cw = float(rng.uniform(3.0, 4.5))
    win_h = float(rng.uniform(1.3, 1.75))
    sill = float(rng.uniform(0.7, min(1.0, fh - win_h - 0.25)))
    balcony_share = float(rng.choice([0.0, 0.4, 1.0]))
    return FacadeLayout(
        floors=floors,
        columns=columns,
        floor_height_m=fh,
        column_width_m=cw,
        window_width_m=cw * float(rng.uniform(0.4, 0.7)),
        window_height_m=win_h,
        sill_m=sill,
        balcony_columns=tuple(bool(b) for b in rng.random(columns) < balcony_share),
        palette=int(rng.integers(1 << 16)),
        wall_style=int(rng.integers(3)),
        texture_seed=int(rng.integers(1 << 31)),
    )
