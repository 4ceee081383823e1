"""A real MPEG-TS/H.264 stream server for source tests, run as its own process.

``python tests/stream_server.py PORT FRAMES [--hang-s S]`` listens on
tcp://127.0.0.1:PORT, waits for one client, sends FRAMES frames of 160x120 H.264 at
25 fps in real time, then (with --hang-s) keeps the connection open without sending
for S seconds, and exits. It runs as a process, not a thread, because PyAV holds
the GIL while it waits for the client, and because a test kills it mid-stream.
"""

from __future__ import annotations

import argparse
import time

import av
import numpy as np

FPS = 25
WIDTH_PX, HEIGHT_PX = 160, 120


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("frames", type=int)
    parser.add_argument("--hang-s", type=float, default=0.0)
    args = parser.parse_args()
    out = av.open(
        f"tcp://127.0.0.1:{args.port}?listen=1&listen_timeout=10000",
        "w",
        format="mpegts",
        # Send every packet at once, as a camera does, instead of in 32 KiB chunks.
        options={"flush_packets": "1"},
    )
    stream = out.add_stream("libx264", rate=FPS)
    stream.width, stream.height, stream.pix_fmt = WIDTH_PX, HEIGHT_PX, "yuv420p"
    stream.options = {"g": "10", "preset": "ultrafast", "tune": "zerolatency", "bf": "0"}
    start_s = time.monotonic()
    for i in range(args.frames):
        img = np.full((HEIGHT_PX, WIDTH_PX, 3), (i * 5) % 256, np.uint8)
        img[40:80, (i * 3) % 140 : (i * 3) % 140 + 20] = 255
        frame = av.VideoFrame.from_ndarray(img, format="bgr24")
        frame.pts = i
        for packet in stream.encode(frame):
            out.mux(packet)
        time.sleep(max(0.0, start_s + (i + 1) / FPS - time.monotonic()))
    time.sleep(args.hang_s)
    out.close()


if __name__ == "__main__":
    main()
