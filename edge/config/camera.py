"""Camera configuration: the YAML contract of DESIGN.md, validated with pydantic.

Every model forbids unknown keys, so a typo such as ``floor:`` instead of ``floors:``
is an error that names the key instead of a silently ignored line. All pixel
coordinates are image pixels of the camera's full-resolution frame, x to the right
and y down; corners may lie outside the image.
"""

from __future__ import annotations

import difflib
import hashlib
from pathlib import Path
from typing import Annotated, Literal, get_args

import numpy as np
import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from edge.geometry.polygon import polygon_area_px2, polygon_self_intersects

PointPx = tuple[float, float]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FacadeConfig(_Strict):
    """One planar facade seen by the camera, calibrated by its four image corners."""

    name: str = Field(min_length=1, description="A name for this facade, unique within the camera.")
    corners: tuple[PointPx, PointPx, PointPx, PointPx] = Field(
        description="Image px of the facade's top-left, top-right, bottom-right, bottom-left corners."
    )
    floors: int = Field(ge=1, le=300, description="Storeys between the bottom (ground) and top edge.")
    columns: int = Field(ge=1, le=200, description="Window columns across the facade.")
    floor_height_m: float = Field(default=3.0, gt=1.5, le=10.0, description="Height of one storey in metres.")
    width_m: float | None = Field(
        default=None,
        gt=0.5,
        le=1000.0,
        description="Facade width in metres; defaults to columns x 3.5 m (a typical window bay).",
    )

    @field_validator("corners", mode="before")
    @classmethod
    def _four_corners(cls, corners: object) -> object:
        if isinstance(corners, list | tuple) and len(corners) != 4:
            raise ValueError(
                f"need exactly 4 corners [x, y] (top-left, top-right, bottom-right, bottom-left), got {len(corners)}"
            )
        return corners

    @field_validator("corners")
    @classmethod
    def _corners_form_a_facade(cls, corners: tuple[PointPx, ...]) -> tuple[PointPx, ...]:
        pts = np.asarray(corners, dtype=np.float64)
        if not np.all(np.isfinite(pts)):
            raise ValueError("corners must be finite numbers")
        if polygon_self_intersects(pts):
            raise ValueError(
                "corners form a self-intersecting polygon; give them in the order "
                "top-left, top-right, bottom-right, bottom-left"
            )
        area = polygon_area_px2(pts)
        if abs(area) < 100.0:
            raise ValueError(f"corners enclose almost no area ({abs(area):.1f} px²)")
        # Image y points down, so TL->TR->BR->BL runs clockwise on screen: positive
        # shoelace area. A negative area means the corners were given mirrored.
        if area < 0:
            raise ValueError(
                "corners run anticlockwise; give them in the order top-left, top-right, "
                "bottom-right, bottom-left as seen in the image"
            )
        tl, tr, br, bl = pts
        if (tl[1] + tr[1]) / 2 >= (bl[1] + br[1]) / 2:
            raise ValueError("the top edge (TL, TR) must lie above the bottom edge (BL, BR) in the image")
        return corners

    @property
    def facade_width_m(self) -> float:
        return self.width_m if self.width_m is not None else 3.5 * self.columns

    @property
    def facade_height_m(self) -> float:
        return self.floors * self.floor_height_m


class MotionConfig(_Strict):
    """Pixel-level change detection settings."""

    backend: Literal["opencv", "onnx"] = Field(
        default="opencv", description="Change detector: OpenCV on the CPU or the ONNX motion model."
    )
    threshold: float = Field(
        default=8.0, ge=1.5, le=20.0,
        description="Noise multiples a pixel must change by to count as motion (objects only: shake and "
        "crowds are judged at a fixed 5 multiples of the absolute difference).",
    )
    min_contrast: float = Field(
        default=6.0, ge=1.0, le=80.0, description="Smallest grey-level change that can count as motion."
    )
    background_s: float = Field(
        default=1.0, gt=0.05, le=30.0, description="Time constant of the running background, seconds."
    )
    facade_margin_m: float = Field(
        default=0.0,
        ge=0.0,
        le=20.0,
        description="Metres beside each facade that are watched too: a thing thrown outward from an edge "
        "column falls in front of the facade and is seen beside its outline. Only the facade may start a "
        "track; the margin only carries one on (trees or traffic there still cost some false alarms).",
    )


class DetectionConfig(_Strict):
    """Alarm rule and physics gate; safe ranges keep a typo from switching detection off."""

    min_descent_floors: float = Field(
        default=2.0, ge=0.5, le=20.0, description="Alarm only after the object fell this many floors."
    )
    early_alarm_floors: float = Field(
        default=0.75,
        ge=0.5,
        le=20.0,
        description="Alarm already after this many floors when the fall is clean free fall "
        "(acceleration near g); set equal to min_descent_floors to always wait.",
    )
    min_accel_mps2: float = Field(
        default=2.0, ge=0.5, le=9.0, description="Smallest fitted downward acceleration (drag allowed)."
    )
    max_accel_mps2: float = Field(
        default=16.0,
        ge=12.0,
        le=60.0,
        description="Largest fitted downward acceleration (faster is not a fall: nothing dropped speeds up "
        "faster than g; the margin is for noise and for objects off the facade's plane).",
    )
    max_gap_frames: int = Field(
        default=6, ge=0, le=50, description="Frames a track may go unseen (balconies, canopies)."
    )
    verifier: Literal["off", "on"] = Field(
        default="off", description="Learned candidate verifier (models/verifier.onnx) after the physics gate."
    )
    verifier_threshold: float = Field(
        default=0.5, ge=0.01, le=0.99, description="Verifier throw probability from which an event is raised."
    )

    @field_validator("verifier", mode="before")
    @classmethod
    def _yaml_on_off(cls, value: object) -> object:
        # YAML 1.1 reads a bare on/off as a boolean.
        return {True: "on", False: "off"}.get(value, value) if isinstance(value, bool) else value


def _validate_polygon(points: list[PointPx], what: str) -> list[PointPx]:
    pts = np.asarray(points, dtype=np.float64)
    if len(pts) < 3:
        raise ValueError(f"a {what} polygon needs at least 3 points, got {len(pts)}")
    if not np.all(np.isfinite(pts)):
        raise ValueError(f"{what} polygon points must be finite numbers")
    # Self-crossing first: a bow-tie's two lobes cancel, so its signed area is nil too.
    if polygon_self_intersects(pts):
        raise ValueError(f"{what} polygon intersects itself")
    if abs(polygon_area_px2(pts)) < 1.0:
        raise ValueError(f"{what} polygon encloses no area")
    return points


# Validated per polygon so that an error names its index (masks.2, privacy.polygons.0).
MaskPolygon = Annotated[
    list[PointPx], Field(min_length=3), AfterValidator(lambda p: _validate_polygon(p, "mask"))
]
PrivacyPolygon = Annotated[
    list[PointPx], Field(min_length=3), AfterValidator(lambda p: _validate_polygon(p, "privacy"))
]


class PrivacyConfig(_Strict):
    """What is blurred before imagery leaves the edge (faces always by default)."""

    faces: bool = Field(default=True, description="Blur every face found before imagery leaves the edge.")
    persons: bool = Field(default=False, description="Also blur whole persons, not only their faces.")
    polygons: list[PrivacyPolygon] = Field(
        default_factory=list, description="Image areas always blurred (windows, balconies), image px."
    )
    margin: float = Field(
        default=0.4,
        ge=0.0,
        le=2.0,
        description="Growth of each face box per side before blurring, as a share of its size.",
    )
    hold_frames: int = Field(
        default=6, ge=0, le=50, description="Frames a face stays blurred before and after it was seen."
    )
    min_face_px: float = Field(
        default=16.0, ge=8.0, le=256.0, description="Smallest face height (px) the scan must find."
    )
    face_threshold: float = Field(
        default=0.2, ge=0.05, le=0.9, description="Detector score from which a face is blurred."
    )
    full_scan_frames: int = Field(
        default=100,
        ge=1,
        le=10000,
        description="Frames between whole-frame scans (others scan only what changed).",
    )
    threads: int = Field(default=1, ge=1, le=64, description="CPU threads for the face model.")


class CameraConfig(_Strict):
    camera_id: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
        description="Letters, digits, dot, dash and underscore; starts with a letter or digit.",
    )
    source: str | int = Field(description="RTSP/HTTP URL, video file path or USB device index.")
    facades: list[FacadeConfig] = Field(min_length=1, description="The calibrated facades, at least one.")
    masks: list[MaskPolygon] = Field(
        default_factory=list, description="Image areas ignored by motion detection (trees, flags), image px."
    )
    motion: MotionConfig = Field(default_factory=MotionConfig)
    detection: DetectionConfig = Field(default_factory=DetectionConfig)
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)

    @field_validator("source")
    @classmethod
    def _source_given(cls, source: str | int) -> str | int:
        if isinstance(source, str) and not source.strip():
            raise ValueError("must not be empty: give an RTSP/HTTP URL, a video file path or a device index")
        return source

    @field_validator("facades")
    @classmethod
    def _facade_names_unique(cls, facades: list[FacadeConfig]) -> list[FacadeConfig]:
        # A field validator, not a model one, so the error names the key `facades`.
        names = [f.name for f in facades]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"facade names must be unique, repeated: {', '.join(dupes)}")
        return facades


class ConfigError(ValueError):
    """A camera config that cannot be used; the message names every bad key."""

    def one_line(self) -> str:
        """The message on one line (for commands whose contract is one error line)."""
        head, *rest = str(self).splitlines()
        return head + (": " + "; ".join(r.strip() for r in rest) if rest else "")


def validation_problems(err: ValidationError, model: type[BaseModel] | None = None) -> list[tuple[str, str]]:
    """(key path, message) per problem, e.g. ``("facades.0.floors", "Input should be
    greater than or equal to 1")``: what `fallwatch config check` prints and what the
    installer page shows next to the field at that key path. With the ``model`` that
    was validated, an unknown key is told the known key it most resembles."""
    problems = []
    for e in err.errors():
        path = ".".join(str(p) for p in e["loc"]) or "(top level)"
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
            if model is not None and (near := _closest_key(model, e["loc"])):
                msg += f" (did you mean {near!r}?)"
        elif e["type"] == "missing":
            msg = "required key is missing"
        problems.append((path, msg))
    return problems


def _closest_key(model: type[BaseModel], loc: tuple[int | str, ...]) -> str | None:
    """The known key most like the unknown one at ``loc`` (a typo), if any is close."""
    for step in loc[:-1]:  # down the nested models to the one holding the unknown key
        if isinstance(step, int):
            continue
        field = model.model_fields.get(str(step))
        inner = [t for t in _types_in(field.annotation) if isinstance(t, type) and issubclass(t, BaseModel)] \
            if field is not None else []
        if not inner:
            return None
        model = inner[0]
    near = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1, cutoff=0.6)
    return near[0] if near else None


def _types_in(annotation: object) -> list[object]:
    """``annotation`` and every type nested in it (``list[FacadeConfig]`` gives FacadeConfig)."""
    out = [annotation]
    for arg in get_args(annotation):
        out += _types_in(arg)
    return out


def format_validation_errors(
    err: ValidationError, origin: str, what: str = "camera config", model: type[BaseModel] | None = None
) -> str:
    """One line per problem, each naming the key path: the message every config
    reader (camera, server, the installer page) shows."""
    lines = [f"{origin}: invalid {what}"]
    lines += [f"  {path}: {msg}" for path, msg in validation_problems(err, model)]
    return "\n".join(lines)


def parse_camera_config(data: object, origin: str = "<config>") -> CameraConfig:
    """Validate an already-parsed YAML document; raise ConfigError naming each problem."""
    if data is None:
        raise ConfigError(f"{origin}: the camera config is empty")
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: a camera config must be a mapping of keys, got {type(data).__name__}")
    try:
        return CameraConfig.model_validate(data)
    except ValidationError as err:
        raise ConfigError(format_validation_errors(err, origin, model=CameraConfig)) from None


def read_config_text(path: Path) -> str:
    """A config file's text; ConfigError naming the file when it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: cannot read config: not UTF-8 text (byte {exc.start})") from None


def load_camera_config(path: str | Path) -> CameraConfig:
    """Read and validate a camera YAML file.

    A relative file ``source`` is resolved against the folder of the config file, as
    DESIGN.md requires; URLs and device indices are kept as they are.
    """
    path = Path(path)
    cfg = parse_camera_yaml(read_config_text(path), str(path))
    return cfg.model_copy(update={"source": resolve_source(cfg.source, path.parent)})


def parse_camera_yaml(text: str, origin: str = "<config>") -> CameraConfig:
    """Validate YAML text as written: a relative ``source`` stays relative (see
    ``load_camera_config``), so ``config_digest`` of the result is the written config's."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{origin}: not valid YAML{where}: {problem}") from None
    return parse_camera_config(data, origin)


def config_digest(config: CameraConfig) -> str:
    """12 hex digits of SHA-256 over the config's JSON: the ``config_version`` an edge
    reports in its heartbeat. Computed on the config as written (``parse_camera_yaml``,
    source not resolved), so the server gets the same digest from a stored YAML text."""
    return hashlib.sha256(config.model_dump_json().encode()).hexdigest()[:12]


def resolve_source(source: str | int, base_dir: Path) -> str | int:
    if isinstance(source, int):
        return source
    if source.isdigit():
        return int(source)
    if "://" in source:
        return source
    p = Path(source).expanduser()
    return str(p if p.is_absolute() else (base_dir / p).resolve())


def dump_camera_config(cfg: CameraConfig) -> str:
    """Serialise a config to YAML with only the keys that differ from the defaults."""
    data = cfg.model_dump(mode="json", exclude_defaults=True)
    data.setdefault("source", cfg.source)
    return yaml.safe_dump(data, sort_keys=False)
