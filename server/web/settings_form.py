"""The installer page's form fields, generated from the camera config model's JSON
schema, so each setting's safe range and one-line explanation live in one place:
the pydantic Field constraints and descriptions of edge.config.camera."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from edge.config.camera import CameraConfig

# Sections of sensitivity settings shown on the page, in order, with their headings.
SECTIONS = (("detection", "Alarm rule and physics"), ("motion", "Motion detection"), ("privacy", "Privacy"))
# Face blurring is not a setting an installer may switch off on the page (privacy by default).
NOT_ON_PAGE = frozenset({"privacy.faces"})
_UNITS = (("_mps2", "m/s²"), ("_px", "px"), ("_m", "m"), ("_s", "s"))


@dataclass(frozen=True)
class FormField:
    """One input: ``path`` is the YAML key path, ``kind`` number/integer/choice/flag;
    ``low``/``high`` the inclusive range the browser enforces, ``range_text`` the
    model's exact bounds (e.g. "> 1.5 and ≤ 10")."""

    path: str
    label: str
    kind: str
    description: str
    default: Any
    low: float | None = None
    high: float | None = None
    step: str = "any"
    choices: tuple[str, ...] = ()
    range_text: str = ""

    @property
    def input_id(self) -> str:
        return "set-" + self.path.replace(".", "-")


@cache
def schema() -> dict[str, Any]:
    return CameraConfig.model_json_schema()


def settings_sections() -> list[tuple[str, list[FormField]]]:
    """(heading, fields) per settings section: every scalar key of that section."""
    defs = schema()["$defs"]
    out = []
    for key, heading in SECTIONS:
        ref = schema()["properties"][key]["$ref"].rsplit("/", 1)[1]
        fields = [
            form_field(f"{key}.{name}", prop)
            for name, prop in defs[ref]["properties"].items()
            if f"{key}.{name}" not in NOT_ON_PAGE and _scalar(prop)
        ]
        out.append((heading, fields))
    return out


def facade_fields() -> dict[str, FormField]:
    """The per-facade inputs (name, floors, columns, floor height, width) by key."""
    props = schema()["$defs"]["FacadeConfig"]["properties"]
    keys = ("name", "floors", "columns", "floor_height_m", "width_m")
    return {name: form_field(f"facades.*.{name}", props[name]) for name in keys}


def form_field(path: str, prop: dict[str, Any]) -> FormField:
    # An optional number is anyOf [number, null]: its constraints sit on the number.
    typed = next((p for p in prop.get("anyOf", []) if p.get("type") != "null"), prop)
    label = _label(path.rsplit(".", 1)[1])
    description = prop.get("description", "")
    default = prop.get("default")
    if "enum" in typed:
        return FormField(path, label, "choice", description, default, choices=tuple(typed["enum"]))
    kind = {"number": "number", "integer": "integer", "boolean": "flag", "string": "text"}[typed["type"]]
    if kind in ("flag", "text"):
        return FormField(path, label, kind, description, default)
    low = typed.get("minimum", typed.get("exclusiveMinimum"))
    high = typed.get("maximum", typed.get("exclusiveMaximum"))
    return FormField(
        path, label, kind, description, default, low, high, "1" if kind == "integer" else "any", (), _range_text(typed)
    )


def _scalar(prop: dict[str, Any]) -> bool:
    typed = next((p for p in prop.get("anyOf", []) if p.get("type") != "null"), prop)
    return "enum" in typed or typed.get("type") in ("number", "integer", "boolean")


def _label(key: str) -> str:
    for suffix, unit in _UNITS:
        if key.endswith(suffix):
            return f"{key.removesuffix(suffix).replace('_', ' ').capitalize()} ({unit})"
    return key.replace("_", " ").capitalize()


def _range_text(typed: dict[str, Any]) -> str:
    parts = []
    for key, sign in (("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"), ("exclusiveMaximum", "<")):
        if key in typed:
            parts.append(f"{sign} {typed[key]:g}")
    return " and ".join(parts)
