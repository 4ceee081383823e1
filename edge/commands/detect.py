"""``fallwatch detect VIDEO --config CAM.yaml``: events as JSON lines on stdout."""

from __future__ import annotations

import argparse
import logging
import sys

log = logging.getLogger("fallwatch.detect")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("detect", help="detect throws in a video file, one JSON event per line")
    p.add_argument("video", help="video file (any format FFmpeg reads)")
    p.add_argument("--config", required=True, help="camera config YAML")
    p.add_argument("--threads", type=int, default=0, help="decoder threads (0 = FFmpeg's choice)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from edge.config.camera import ConfigError, load_camera_config
    from edge.detect_video import detect_video
    from edge.sources.video_file import SourceError

    try:
        config = load_camera_config(args.config)
    except ConfigError as exc:
        print(f"fallwatch detect: {exc.one_line()}", file=sys.stderr)
        return 2
    try:
        summary = detect_video(args.video, config, threads=args.threads, on_event=_print_event)
    except (SourceError, ValueError) as exc:
        print(f"fallwatch detect: {exc}", file=sys.stderr)
        return 2
    log.info(
        "%d frames, %d events, %.1f fps (%.1fx real time)",
        summary.frames, summary.events, summary.fps_processed, summary.realtime_factor,
    )
    return 0


def _print_event(event) -> None:
    sys.stdout.write(event.to_json() + "\n")
    sys.stdout.flush()
