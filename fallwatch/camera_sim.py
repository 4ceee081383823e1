"""A simulated IP camera: an H.264 file replayed forever, in real time, as an MPEG-TS stream.

``python -m fallwatch.camera_sim VIDEO PORT`` listens on tcp://127.0.0.1:PORT and
sends VIDEO's packets (remuxed, not re-encoded, so it costs almost no CPU) at the
pace of their timestamps, looping with timestamps that keep increasing, exactly as a
camera's stream would. A client that goes away is waited for again, so the edge's
reconnect logic meets a camera that comes back.

Why not ``fallwatch edge --loop`` on the file (which plays it at its frame rate too):
the demo means to exercise the edge's stream path, with its reconnects, as a real
camera would.

It runs as its own process because PyAV holds the GIL while it waits for a client.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import time
from fractions import Fraction
from pathlib import Path

import av

log = logging.getLogger("fallwatch.camera_sim")
LISTEN_TIMEOUT_MS = 3_600_000  # a camera waits for its recorder as long as it takes


def _stream_once(video: Path, port: int) -> None:
    """Accept one client and send the file to it, looped, until the client goes away."""
    with av.open(str(video)) as probe:
        template = probe.streams.video[0]
        time_base: Fraction = template.time_base  # type: ignore[assignment]
        out = av.open(
            f"tcp://127.0.0.1:{port}?listen=1&listen_timeout={LISTEN_TIMEOUT_MS}",
            "w",
            format="mpegts",
            options={"flush_packets": "1"},  # every packet as it comes, as a camera does
        )
        out_stream = out.add_stream_from_template(template)
    start_s = time.monotonic()
    offset_ts = 0
    try:
        while True:
            # Each replay goes on one frame after the last one's decode time. (Continuing
            # after the largest presentation time instead would leave a gap of the
            # encoder's reordering delay, a few frames, at every loop.)
            first_dts = end_dts = None
            with av.open(str(video)) as src:
                stream = src.streams.video[0]
                for packet in src.demux(stream):
                    if packet.dts is None:  # the demuxer's flush packet
                        continue
                    first_dts = packet.dts if first_dts is None else first_dts
                    end_dts = packet.dts + (packet.duration or 0)
                    packet.pts = (packet.pts if packet.pts is not None else packet.dts) + offset_ts
                    packet.dts = packet.dts + offset_ts
                    # Before muxing: mux rebases the packet to the output's time base.
                    due_s = start_s + float(packet.dts * time_base)
                    time.sleep(max(0.0, due_s - time.monotonic()))
                    packet.stream = out_stream
                    out.mux(packet)
            if first_dts is not None and end_dts is not None:
                offset_ts += end_dts - first_dts
    finally:
        with contextlib.suppress(av.FFmpegError, OSError):  # the client is gone: nothing to flush to
            out.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fallwatch.camera_sim", description=__doc__.split("\n\n")[0])
    parser.add_argument("video", type=Path, help="H.264 file (MP4)")
    parser.add_argument("port", type=int, help="TCP port on 127.0.0.1")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        with av.open(str(args.video)) as c:
            if not c.streams.video:
                raise av.FFmpegError(0, "no video stream")
    except (av.FFmpegError, OSError) as exc:
        print(f"camera_sim: {args.video}: not a playable video: {exc}", file=sys.stderr)
        return 2
    while True:
        try:
            _stream_once(args.video, args.port)
        except (av.FFmpegError, OSError) as exc:
            log.info("client gone (%s); waiting for the next one", exc)


if __name__ == "__main__":
    sys.exit(main())
