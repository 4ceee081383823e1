"""``fallwatch detect VIDEO --config CAM.yaml``: events as JSON lines on stdout."""

from __future__ import annotations

import argparse
import logging
import sys

from edge.commands.arguments import at_least

log = logging.getLogger("fallwatch.detect")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("detect", help="detect throws in a video file, one JSON event per line")
    p.add_argument("video", help="video file (any format FFmpeg reads)")
    p.add_argument("--config", required=True, help="camera config YAML")
    p.add_argument("--threads", type=at_least(0), default=0, help="decoder threads (default 0: FFmpeg's choice)")
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
        summary = detect_video(args.video, config, threads=args.threads, on_event_end=_print_event)
    except (SourceError, ValueError) as exc:
        print(f"fallwatch detect: {exc}", file=sys.stderr)
        return 2
    log.info(
        "%d frames, %d events, %.1f fps (%.1fx real time)",
        summary.frames, summary.events, summary.fps_processed, summary.realtime_factor,
    )
    # Most of the video could not be read: "no event" would say nothing about it.
    if summary.decode_errors and summary.decode_errors * 2 > summary.packets:
        print(
            f"fallwatch detect: {args.video}: {summary.decode_errors} of {summary.packets} packets are corrupt; "
            f"the events above cover only the {summary.frames} frames that could be decoded",
            file=sys.stderr,
        )
        return 3
    if summary.declared_frames and summary.frames < 0.5 * summary.declared_frames:
        print(
            f"fallwatch detect: {args.video}: only {summary.frames} of its {summary.declared_frames} frames "
            "could be read; the events above cover only those",
            file=sys.stderr,
        )
        return 3
    if summary.decode_errors:
        log.warning("%d of %d packets were corrupt and skipped", summary.decode_errors, summary.packets)
    if summary.declared_frames and summary.frames < 0.9 * summary.declared_frames:
        log.warning("only %d of the video's %d frames could be read", summary.frames, summary.declared_frames)
    return 0


def _print_event(event) -> None:
    sys.stdout.write(event.to_json() + "\n")
    sys.stdout.flush()
