"""A short, human summary of what changed between two camera configs.

Shown in the config history ("who changed what") and logged when a config is
applied. Key paths are those of the YAML (``detection.min_descent_floors``,
``facades.0.corners``); coordinates are image px as in the config.
"""

from __future__ import annotations

from typing import Any

from edge.config.camera import CameraConfig

# A list of points (corners, a polygon) is reported as one change, not per number.
_MAX_VALUE_CHARS = 40


def summarize_change(old: CameraConfig | None, new: CameraConfig) -> str:
    """E.g. ``"facades.0.corners changed; detection.min_descent_floors 2.0 -> 3.0; masks: 1 -> 2"``;
    for a first version, what it holds."""
    if old is None:
        return "first version: " + describe(new)
    changes = _diff(old.model_dump(mode="json"), new.model_dump(mode="json"), "")
    return "; ".join(changes) if changes else "no change"


def describe(config: CameraConfig) -> str:
    """E.g. ``"1 facade (19 floors x 5 columns), 2 masks, 0 privacy polygons"``."""
    grids = ", ".join(f"{f.name}: {f.floors} floors x {f.columns} columns" for f in config.facades)
    return (
        f"{_count(len(config.facades), 'facade')} ({grids}), {_count(len(config.masks), 'mask')}, "
        f"{_count(len(config.privacy.polygons), 'privacy polygon')}"
    )


def _diff(old: Any, new: Any, path: str) -> list[str]:
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[str] = []
        for key in [*old, *(k for k in new if k not in old)]:
            out += _diff(old.get(key), new.get(key), f"{path}.{key}" if path else key)
        return out
    if _is_list_of_dicts(old) and _is_list_of_dicts(new):
        out = [] if len(old) == len(new) else [f"{path}: {len(old)} -> {len(new)}"]
        for i, (a, b) in enumerate(zip(old, new, strict=False)):
            out += _diff(a, b, f"{path}.{i}")
        return out
    if isinstance(old, list) and isinstance(new, list) and _is_list_of_polygons(old + new):
        return [f"{path}: {len(old)} -> {len(new)}" if len(old) != len(new) else f"{path} changed"]
    if isinstance(old, list) or isinstance(new, list):
        return [f"{path} changed"]
    return [f"{path} {_short(old)} -> {_short(new)}"]


def _is_list_of_dicts(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _is_list_of_polygons(value: list[Any]) -> bool:
    return bool(value) and all(isinstance(v, list) and v and isinstance(v[0], list) for v in value)


def _short(value: Any) -> str:
    text = "unset" if value is None else str(value)
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 1] + "…"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
