"""``fallwatch config check CAM.yaml [--frame IMAGE_OR_VIDEO] [--preview OUT.png]``.

Validates a camera config, checks it against a real frame of the camera when one is
at hand, and draws the facade grid, masks and privacy polygons onto that frame so
the installer can see whether the floors sit on the real storeys. Exit status 0 when
the config is usable (warnings go to stderr), 2 when it is not.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from edge.config.camera import CameraConfig

_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm"}


class FrameUnavailable(Exception):
    """No frame could be read from what was given; the message says why."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("config", help="work with camera configs")
    config_sub = p.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    check = config_sub.add_parser(
        "check",
        help="validate a camera config and draw its facade grid on a frame",
        description="Validate CAM.yaml; with a frame, also check masks and facades against the "
        "image size and optionally write a preview PNG with the floor/column grid drawn on it.",
    )
    check.add_argument("config", type=Path, help="camera config YAML")
    check.add_argument(
        "--frame",
        type=Path,
        help="an image, or a video whose first frame is used (default: the config's source when it is a file)",
    )
    check.add_argument("--preview", type=Path, help="write the frame with the overlay drawn on it (PNG)")
    check.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from edge.config.camera import ConfigError, load_camera_config
    from edge.config.frame_fit import check_frame_fit

    try:
        config = load_camera_config(args.config)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    frame_path = args.frame if args.frame is not None else _source_file(config)
    if (missing := _missing_source_file(config)) is not None:
        print(f"{args.config}: warning: source {missing}: no such file; detection cannot open it", file=sys.stderr)
    if frame_path is None:
        if args.preview is not None:
            from edge.sources.url import redact_url

            print(
                f"{args.config}: --preview needs a frame: the source {redact_url(str(config.source))!r} "
                "is not an existing file; give --frame IMAGE_OR_VIDEO",
                file=sys.stderr,
            )
            return 2
        print(summary_line(config))
        return 0
    try:
        bgr = read_first_frame(frame_path)
    except FrameUnavailable as exc:
        print(f"{args.config}: {exc}", file=sys.stderr)
        return 2
    height_px, width_px = bgr.shape[:2]
    fit = check_frame_fit(config, width_px, height_px)
    for warning in fit.warnings:
        print(f"{args.config}: warning: {warning}", file=sys.stderr)
    if fit.errors:
        lines = [f"{args.config}: config does not fit the frame {frame_path}"]
        lines += [f"  {e}" for e in fit.errors]
        print("\n".join(lines), file=sys.stderr)
        return 2
    if args.preview is not None:
        problem = _write_preview(args.preview, bgr, config)
        if problem:
            print(f"{args.config}: {problem}", file=sys.stderr)
            return 2
    if args.preview is not None:
        print(f"{args.config}: wrote the preview to {args.preview}", file=sys.stderr)
    if fit.warnings:
        print(f"{summary_line(config)}; checked on the {width_px}x{height_px} frame, "
              f"{_count(len(fit.warnings), 'warning')} above")
    else:
        print(f"{summary_line(config)}; fits the {width_px}x{height_px} frame")
    return 0


def summary_line(config: CameraConfig) -> str:
    """E.g. ``OK: cam-07, 1 facade (19 floors x 5 columns), 2 masks``."""
    grids = ", ".join(f"{f.floors} floors x {f.columns} columns" for f in config.facades)
    n_facades = len(config.facades)
    line = f"OK: {config.camera_id}, {_count(n_facades, 'facade')} ({grids}), {_count(len(config.masks), 'mask')}"
    if config.privacy.polygons:
        line += f", {_count(len(config.privacy.polygons), 'privacy polygon')}"
    return line


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _local_source(config: CameraConfig) -> Path | None:
    """The config's source when it names a local file, existing or not (load_camera_config
    made it absolute); None for a stream URL or a device."""
    if isinstance(config.source, int) or "://" in config.source or config.source.startswith("/dev/"):
        return None
    return Path(config.source)


def _source_file(config: CameraConfig) -> Path | None:
    """The config's source when it is an existing file."""
    path = _local_source(config)
    return path if path is not None and path.is_file() else None


def _missing_source_file(config: CameraConfig) -> Path | None:
    """The config's source when it names a local file that does not exist."""
    path = _local_source(config)
    return path if path is not None and not path.exists() else None


def read_first_frame(path: Path) -> np.ndarray:
    """An image file as BGR, or the first decodable frame of a video file."""
    import cv2

    if not path.is_file():
        raise FrameUnavailable(f"{path}: no such file")
    if path.suffix.lower() in _IMAGE_SUFFIXES:
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if bgr is None:
            raise FrameUnavailable(f"{path}: not a readable image")
        return bgr
    from edge.sources.video_file import SourceError, VideoFileSource

    try:
        source = VideoFileSource(path, threads=1)
    except SourceError as exc:
        raise FrameUnavailable(str(exc)) from None
    try:
        for frame in source:
            return frame.bgr().copy()
    finally:
        source.close()
    raise FrameUnavailable(f"{path}: video has no decodable frame")


def _write_preview(path: Path, bgr: np.ndarray, config: CameraConfig) -> str | None:
    import cv2

    from edge.geometry.overlay import draw_facade_overlay

    if path.suffix.lower() != ".png":
        return f"--preview {path}: the preview is written as PNG; name it *.png"
    overlay = draw_facade_overlay(bgr, config)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        ok = cv2.imwrite(str(path), overlay)
    except (OSError, cv2.error) as exc:
        return f"cannot write preview {path}: {exc}"
    return None if ok else f"cannot write preview {path}"
