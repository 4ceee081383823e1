"""Validate a camera config document and report problems by key path.

The installer page sends the config it built as a document (the YAML's keys); this
runs the same model as ``fallwatch config check`` (edge.config.camera) and, when the
size of the camera's frame is known, the same frame-fit checks (edge.config.frame_fit),
and returns each problem as (key path, message) so the page can show it next to the
field that caused it. Image coordinates are px of that frame, x right, y down.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError

from edge.config.camera import CameraConfig, validation_problems
from edge.config.frame_fit import check_frame_fit

Problem = tuple[str, str]


@dataclass
class ConfigCheck:
    """``config`` is None when the document is not a valid config at all; ``errors``
    make it unusable (nothing may be saved), ``warnings`` need a look."""

    config: CameraConfig | None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.config is not None and not self.errors


def check_config_document(
    document: object, frame_size_px: tuple[int, int] | None = None, camera_id: str | None = None
) -> ConfigCheck:
    """Validate ``document``; with ``frame_size_px`` = (width, height) also check that
    masks and privacy polygons cover the frame; with ``camera_id`` require that id."""
    if not isinstance(document, dict):
        problem = "the camera config is empty" if document is None else \
            f"a camera config must be a mapping of keys, got {type(document).__name__}"
        return ConfigCheck(None, [("(top level)", problem)])
    try:
        config = CameraConfig.model_validate(document)
    except ValidationError as err:
        return ConfigCheck(None, validation_problems(err, CameraConfig))
    check = ConfigCheck(config)
    if camera_id is not None and config.camera_id != camera_id:
        check.errors.append(("camera_id", f"must be {camera_id!r}, the camera being configured"))
    if frame_size_px is not None:
        fit = check_frame_fit(config, *frame_size_px)
        check.errors += [_split(e) for e in fit.errors]
        check.warnings += [_split(w) for w in fit.warnings]
    return check


def _split(message: str) -> Problem:
    # frame_fit messages start with their key path ("masks.2: polygon lies ..."), and
    # a facade's with its name in brackets ("facades.0 (east): all four corners ...").
    head, sep, rest = message.partition(": ")
    if not sep:
        return "(top level)", message
    path, _, name = head.partition(" ")
    return path, f"{name} {rest}" if name else rest
