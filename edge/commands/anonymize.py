"""``fallwatch anonymize INPUT OUTPUT``: blur faces in an image or video, as the edge does.

Installers and auditors run it on their own footage: the same Anonymizer, settings
and model as the edge node. Images (PNG, JPEG, ...) are scanned whole, like event
snapshots; videos are anonymised frame by frame with the temporal hold, like
event clips, and written as H.264. Output is written to a temporary file and moved
into place only when every frame was anonymised, so a failure leaves no output.
Exit codes: 0 done, 2 bad input or settings, 3 privacy unavailable (model missing,
altered or failing).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from edge.privacy import Anonymizer

log = logging.getLogger("fallwatch.anonymize")

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"}
VIDEO_OUT_SUFFIXES = {".mp4", ".mkv", ".mov"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("anonymize", help="blur faces in an image or video exactly as the edge does")
    p.add_argument("input", type=Path, help="image (png/jpg/...) or video (any format FFmpeg reads)")
    p.add_argument("output", type=Path, help="image of the same kind, or .mp4/.mkv/.mov (H.264)")
    p.add_argument("--config", type=Path, help="camera config YAML whose privacy settings to use")
    p.add_argument("--models-dir", type=Path, help="folder with the face model (default: models/)")
    p.add_argument("--threads", type=int, help="CPU threads for the face model (overrides config)")
    p.add_argument("--persons", action="store_true", help="also blur whole persons")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from edge.config.camera import ConfigError, PrivacyConfig, load_camera_config
    from edge.privacy import Anonymizer, PrivacyUnavailable
    from edge.sources.video_file import SourceError

    try:
        privacy = load_camera_config(args.config).privacy if args.config else PrivacyConfig()
        updates: dict[str, object] = {}
        if args.threads is not None:
            updates["threads"] = args.threads
        if args.persons:
            updates["persons"] = True
        privacy = PrivacyConfig.model_validate({**privacy.model_dump(), **updates})
    except (ConfigError, ValueError) as exc:
        print(f"fallwatch anonymize: {exc}", file=sys.stderr)
        return 2
    if not args.input.is_file():
        print(f"fallwatch anonymize: {args.input}: no such file", file=sys.stderr)
        return 2
    is_image = args.input.suffix.lower() in IMAGE_SUFFIXES
    out_suffix = args.output.suffix.lower()
    if (is_image and out_suffix not in IMAGE_SUFFIXES) or (
        not is_image and out_suffix not in VIDEO_OUT_SUFFIXES
    ):
        wanted = "an image suffix" if is_image else " or ".join(sorted(VIDEO_OUT_SUFFIXES))
        print(f"fallwatch anonymize: {args.output}: output must have {wanted}", file=sys.stderr)
        return 2
    try:
        anonymizer = Anonymizer.from_config(privacy, args.models_dir)
    except PrivacyUnavailable as exc:
        print(f"fallwatch anonymize: privacy unavailable, nothing written: {exc}", file=sys.stderr)
        return 3
    tmp = args.output.with_name(f".{args.output.stem}.partial{args.output.suffix}")
    started = time.perf_counter()
    try:
        frames = _anonymize_image(anonymizer, args.input, tmp) if is_image else _anonymize_video(
            anonymizer, args.input, tmp
        )
    except PrivacyUnavailable as exc:
        tmp.unlink(missing_ok=True)
        print(f"fallwatch anonymize: privacy unavailable, nothing written: {exc}", file=sys.stderr)
        return 3
    except (SourceError, ValueError, OSError) as exc:
        tmp.unlink(missing_ok=True)
        print(f"fallwatch anonymize: {exc}", file=sys.stderr)
        return 2
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(args.output)
    elapsed = time.perf_counter() - started
    log.info("%s: %d frame(s) anonymised in %.2f s (model %s)", args.output, frames, elapsed,
             anonymizer.model_version)
    return 0


def _anonymize_image(anonymizer: Anonymizer, src: Path, dst: Path) -> int:
    import cv2

    bgr = cv2.imread(str(src), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError(f"{src}: cannot read as an image")
    if not cv2.imwrite(str(dst), anonymizer.anonymize_snapshot(bgr)):
        raise ValueError(f"{dst}: cannot write an image of this type")
    return 1


def _anonymize_video(anonymizer: Anonymizer, src: Path, dst: Path) -> int:
    import av
    import numpy as np

    from edge.sources.video_file import VideoFileSource

    source = VideoFileSource(src)
    frames = anonymizer.anonymize_iter(frame.bgr() for frame in source)
    count = 0
    with av.open(str(dst), mode="w") as container:
        stream = container.add_stream("libx264", rate=Fraction(source.fps).limit_denominator(1001))
        # yuv420p needs even sides: pad by replicating the last row/column.
        stream.width = source.width + source.width % 2
        stream.height = source.height + source.height % 2
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "18", "preset": "veryfast"}
        for bgr in frames:
            if bgr.shape[:2] != (stream.height, stream.width):
                bgr = np.pad(
                    bgr, ((0, stream.height - bgr.shape[0]), (0, stream.width - bgr.shape[1]), (0, 0)),
                    mode="edge",
                )
            container.mux(stream.encode(av.VideoFrame.from_ndarray(bgr, format="bgr24")))
            count += 1
        container.mux(stream.encode())
    if count == 0:
        raise ValueError(f"{src}: no frames decoded")
    return count
