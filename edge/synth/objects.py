"""What gets thrown: classes with their real size, terminal speed and look.

Compact objects fall almost like stones (terminal speed 12-40 m/s); light ones reach
2.5-8 m/s within a few metres and sway or flutter on the way down. Sizes are the
object's largest dimension in metres; aspect is its smallest over largest dimension.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

ObjectKind = Literal["compact", "light"]
KINDS: tuple[ObjectKind, ...] = ("compact", "light")


@dataclass(frozen=True)
class ObjectClass:
    name: str
    kind: ObjectKind
    size_m: tuple[float, float]
    v_terminal_mps: tuple[float, float]
    aspect: float  # smallest / largest dimension
    flutter: bool  # bags and paper sway and flutter as they fall
    colours_bgr: tuple[tuple[int, int, int], ...]


CATALOGUE: tuple[ObjectClass, ...] = (
    ObjectClass(
        "bottle", "compact", (0.18, 0.30), (20, 35), 0.3, False, ((60, 120, 40), (200, 170, 120), (230, 230, 230))
    ),
    ObjectClass(
        "can", "compact", (0.10, 0.13), (20, 30), 0.55, False, ((40, 40, 200), (200, 200, 200), (200, 120, 30))
    ),
    ObjectClass("phone", "compact", (0.12, 0.17), (25, 40), 0.45, False, ((20, 20, 20), (220, 220, 220))),
    ObjectClass(
        "fruit", "compact", (0.06, 0.11), (15, 30), 0.85, False, ((30, 140, 230), (40, 180, 60), (40, 40, 200))
    ),
    ObjectClass("shoe", "compact", (0.22, 0.31), (15, 25), 0.4, False, ((30, 30, 30), (230, 230, 230), (40, 60, 110))),
    ObjectClass("cigarette_pack", "compact", (0.08, 0.095), (12, 20), 0.6, False, ((230, 230, 230), (40, 40, 180))),
    ObjectClass(
        "bottle_cap", "compact", (0.02, 0.035), (12, 18), 0.8, False, ((40, 40, 200), (200, 200, 200), (40, 160, 40))
    ),
    ObjectClass(
        "plastic_bag", "light", (0.25, 0.45), (2.5, 5), 0.5, True, ((240, 240, 240), (40, 40, 40), (60, 60, 200))
    ),
    ObjectClass("tissue", "light", (0.10, 0.20), (2.5, 4), 0.7, True, ((245, 245, 245),)),
    ObjectClass("newspaper", "light", (0.30, 0.55), (3, 6), 0.6, True, ((200, 205, 210), (160, 170, 175))),
    ObjectClass("sock", "light", (0.20, 0.28), (5, 8), 0.3, False, ((30, 30, 30), (240, 240, 240), (120, 60, 30))),
    ObjectClass("foam_cup", "light", (0.08, 0.12), (4, 7), 0.75, False, ((240, 240, 240),)),
)

CLASS_NAMES = tuple(c.name for c in CATALOGUE)


def object_class(name: str) -> ObjectClass:
    for c in CATALOGUE:
        if c.name == name:
            return c
    raise ValueError(f"unknown thrown-object class {name!r}; known: {', '.join(CLASS_NAMES)}")


def choose_class(rng: np.random.Generator, kind: ObjectKind, size_needed_m: float) -> tuple[ObjectClass, float]:
    """A class of this kind that can have the needed size, and its size in metres.

    When no class of the kind is that big (or that small) the nearest one is taken
    and the size clipped to its range.
    """
    if kind not in KINDS:
        raise ValueError(f"object kind must be one of {', '.join(KINDS)}, got {kind!r}")
    cands = [c for c in CATALOGUE if c.kind == kind]
    fits = [c for c in cands if c.size_m[0] <= size_needed_m <= c.size_m[1]]
    if fits:
        return fits[int(rng.integers(len(fits)))], size_needed_m
    best = min(cands, key=lambda c: min(abs(c.size_m[0] - size_needed_m), abs(c.size_m[1] - size_needed_m)))
    return best, float(np.clip(size_needed_m, *best.size_m))
