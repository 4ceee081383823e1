"""Frame sources on real inputs: H.264 files written with PyAV, a real MPEG-TS server
process on localhost that is killed and restarted, and a missing USB device."""

from __future__ import annotations

import itertools
import random
import socket
import subprocess
import sys
import threading
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from edge.sources.backoff import Backoff
from edge.sources.clock import StreamClock
from edge.sources.errors import SourceError
from edge.sources.live import LiveSource
from edge.sources.open import open_source
from edge.sources.url import redact_url
from edge.sources.video_file import VideoFileSource

SERVER = Path(__file__).with_name("stream_server.py")
FAST_BACKOFF = Backoff(initial_s=0.05, max_s=0.3)


def write_h264(
    path: Path, n_frames: int, fps: int = 25, pts_ms: list[int] | None = None, faststart: bool = False
) -> Path:
    """A real H.264 MP4; frame i has grey level 5*i and a moving white square."""
    out = av.open(str(path), "w", options={"movflags": "+faststart"} if faststart else {})
    stream = out.add_stream("libx264", rate=fps)
    stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
    stream.options = {"g": "10", "preset": "ultrafast", "bf": "0"}
    if pts_ms is not None:
        stream.codec_context.time_base = Fraction(1, 1000)
    for i in range(n_frames):
        img = np.full((120, 160, 3), (i * 5) % 256, np.uint8)
        img[40:60, (i * 3) % 140 : (i * 3) % 140 + 20] = 255
        frame = av.VideoFrame.from_ndarray(img, format="bgr24")
        if pts_ms is not None:
            frame.pts, frame.time_base = pts_ms[i], Fraction(1, 1000)
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode():
        out.mux(packet)
    out.close()
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, frames: int, hang_s: float = 0.0) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(SERVER), str(port), str(frames), "--hang-s", str(hang_s)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for(predicate, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


# -- files -------------------------------------------------------------------------------


def test_file_frames_and_container_timestamps(tmp_path: Path) -> None:
    path = write_h264(tmp_path / "clip.mp4", 30)
    with open_source(path) as src:
        assert src.fps == pytest.approx(25.0)
        assert src.size_px == (160, 120)
        frames = list(src)
    assert [f.index for f in frames] == list(range(30))
    assert [f.t_s for f in frames] == pytest.approx([i / 25 for i in range(30)], abs=1e-6)
    # The luma plane really is the picture: grey level 5*i outside the square, in
    # H.264's limited range (16 + 219/255 * level).
    expected = [16 + 219 / 255 * 5 * i for i in range(30)]
    assert [int(f.gray[100, 5]) for f in frames] == pytest.approx(expected, abs=2)
    assert frames[3].bgr().shape == (120, 160, 3)
    assert src.stats.frames == 30
    assert src.stats.decode_errors == 0


def test_file_variable_frame_rate_uses_container_times(tmp_path: Path) -> None:
    pts_ms = [0, 40, 80, 200, 240, 400, 440, 480]
    path = write_h264(tmp_path / "vfr.mp4", len(pts_ms), pts_ms=pts_ms)
    with open_source(path) as src:
        t_s = [f.t_s for f in src]
    assert t_s == pytest.approx([p / 1000 for p in pts_ms], abs=1e-3)


def test_corrupt_middle_keeps_frames_before_and_after(tmp_path: Path) -> None:
    path = write_h264(tmp_path / "ok.mp4", 100)
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 3000] = random.Random(1).randbytes(3000)
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(bytes(data))
    with open_source(bad) as src:
        t_s = [f.t_s for f in src]
    stats = src.stats
    assert stats.decode_errors > 0
    assert 50 < len(t_s) < 100  # frames were lost, most were not
    assert t_s[0] == pytest.approx(0.0)
    assert t_s[-1] == pytest.approx(99 / 25, abs=0.05)  # frames after the damage came out
    assert all(b > a for a, b in itertools.pairwise(t_s))


def test_truncated_file(tmp_path: Path) -> None:
    # moov atom at the end: a cut file has no index and cannot be opened at all.
    plain = write_h264(tmp_path / "plain.mp4", 50)
    plain.write_bytes(plain.read_bytes()[: plain.stat().st_size * 6 // 10])
    with pytest.raises(SourceError, match=r"plain\.mp4"):
        open_source(plain)
    # moov first (+faststart, how recorders should write): the frames before the cut survive.
    fast = write_h264(tmp_path / "fast.mp4", 50, faststart=True)
    fast.write_bytes(fast.read_bytes()[: fast.stat().st_size * 6 // 10])
    with open_source(fast) as src:
        n = len(list(src))
    assert 10 < n < 50


def test_missing_file_and_bad_scheme_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"nope\.mp4: no such video file"):
        open_source(tmp_path / "nope.mp4")
    with pytest.raises(SourceError, match="unsupported source scheme 'ftp'"):
        open_source("ftp://cam:secret@10.0.0.7/x")
    with pytest.raises(SourceError) as err:
        open_source("ftp://cam:secret@10.0.0.7/x")
    assert "secret" not in str(err.value)
    with pytest.raises(SourceError, match="loop applies to video files"):
        open_source("rtsp://10.0.0.7/stream1", loop=True)


def test_loop_replays_with_continuing_timestamps(tmp_path: Path) -> None:
    path = write_h264(tmp_path / "short.mp4", 10)
    src = open_source(path, loop=True)
    frames = []
    for frame in src:
        frames.append(frame)
        if len(frames) == 35:
            break
    src.close()
    assert [f.index for f in frames] == list(range(35))
    steps = np.diff([f.t_s for f in frames])
    assert steps == pytest.approx(np.full(34, 0.04), abs=1e-6)
    assert src.stats.loops >= 3
    assert src.stats.reconnects == 0
    # The picture really restarts: frame 10 is frame 0 again.
    assert np.array_equal(frames[10].gray, frames[0].gray)


def test_realtime_file_plays_at_its_frame_rate_and_otherwise_as_fast_as_taken(tmp_path: Path) -> None:
    # A file standing in for a camera (``fallwatch edge --loop``) must not deliver
    # 20 frames at 25 fps in much less than their 0.76 s; read freely, it does.
    path = write_h264(tmp_path / "short.mp4", 20)
    took = {}
    for realtime in (False, True):
        src = open_source(path, realtime=realtime)
        t0 = time.monotonic()
        n = sum(1 for _ in src)
        took[realtime] = time.monotonic() - t0
        src.close()
        assert n == 20
    assert took[True] >= 0.7
    assert took[False] < took[True]


# -- live: device ------------------------------------------------------------------------


def test_missing_device_never_raises_and_close_stops_it() -> None:
    src = open_source(97, backoff=FAST_BACKOFF)
    assert wait_for(lambda: src.stats.connect_failures >= 2, 5.0)
    assert "video device 97" in (src.stats.last_error or "")
    assert src.fps is None and not src.wait_ready(0.01)
    threading.Timer(0.3, src.close).start()
    start_s = time.monotonic()
    assert list(src) == []  # iteration ended cleanly, from another thread's close()
    assert time.monotonic() - start_s < 2.0
    assert src.closed


def test_live_source_survives_failing_opens_and_ended_inputs(tmp_path: Path) -> None:
    # A real decoder behind an opener that fails every other time, as a flaky driver
    # does; each input ends after 5 frames, which for a live source means "broken".
    path = write_h264(tmp_path / "five.mp4", 5)
    calls: list[int] = []

    def opener() -> VideoFileSource:
        calls.append(1)
        if len(calls) % 2:
            raise RuntimeError("driver hiccup")
        return VideoFileSource(path)

    src = LiveSource(opener, name="flaky", live=True, backoff=FAST_BACKOFF)
    frames = []
    for frame in src:
        frames.append(frame)
        if len(frames) == 12:
            break
    src.close()
    stats = src.stats
    assert [f.index for f in frames] == list(range(12))
    assert all(b.t_s > a.t_s for a, b in itertools.pairwise(frames))
    assert stats.connect_failures >= 3
    assert stats.reconnects >= 2
    assert stats.stream_errors >= 2
    assert "driver hiccup" in (stats.last_error or "") or "stream ended" in (stats.last_error or "")


# -- live: a real stream server ----------------------------------------------------------


def test_stream_reconnects_after_server_killed() -> None:
    port = free_port()
    server = start_server(port, 1000)
    src = open_source(f"tcp://127.0.0.1:{port}", stall_timeout_s=1.0, backoff=FAST_BACKOFF)
    t_s: list[float] = []
    restarted_at = None
    try:
        deadline = time.monotonic() + 15
        for frame in src:
            t_s.append(frame.t_s)
            if len(t_s) == 20:
                server.kill()
                server.wait()
                time.sleep(0.5)  # the camera is away for a moment
                server = start_server(port, 1000)
                restarted_at = len(t_s)
            if len(t_s) >= 45 or time.monotonic() > deadline:
                break
    finally:
        src.close()
        server.kill()
        server.wait()
    stats = src.stats
    assert len(t_s) >= 45, stats
    assert stats.reconnects == 1
    assert stats.connections == 2
    assert stats.stream_errors + stats.stalls >= 1
    assert all(b > a for a, b in itertools.pairwise(t_s))
    # The outage shows as a gap in time after the reconnect, not as a reset to zero.
    assert restarted_at is not None
    assert max(np.diff(t_s)) > 0.4


def test_stream_stall_is_detected_and_recovered() -> None:
    port = free_port()
    first = start_server(port, 40, hang_s=10.0)  # sends 1.6 s of frames, then goes silent
    src = open_source(f"tcp://127.0.0.1:{port}", stall_timeout_s=0.6, backoff=FAST_BACKOFF)
    second = None
    got: list[float] = []
    reader = threading.Thread(target=lambda: got.extend(f.t_s for f in src), daemon=True)
    reader.start()
    try:
        assert wait_for(lambda: src.stats.stalls >= 1, 8.0), src.stats
        # Read before the stall; on a busy machine the reader may have dropped some of
        # the start-up burst, as a live source should.
        assert src.stats.frames >= 30
        assert "no data for 0.6 s" in (src.stats.last_error or "")
        before_reconnect = len(got)
        second = start_server(port, 1000)
        assert wait_for(lambda: src.stats.reconnects >= 1 and len(got) >= before_reconnect + 30, 8.0), src.stats
    finally:
        src.close()
        reader.join(3.0)
        for server in (first, second):
            if server is not None:
                server.kill()
                server.wait()
    assert not reader.is_alive()  # close() ended the iteration in the other thread
    assert src.stats.stalls >= 1
    assert all(b > a for a, b in itertools.pairwise(got))


def test_slow_consumer_drops_oldest_live_frames() -> None:
    port = free_port()
    server = start_server(port, 1000)
    src = open_source(f"tcp://127.0.0.1:{port}", queue_frames=2, backoff=FAST_BACKOFF)
    t_s: list[float] = []
    try:
        for frame in src:
            t_s.append(frame.t_s)
            time.sleep(0.15)  # detection far slower than 25 fps
            if len(t_s) == 8:
                break
    finally:
        src.close()
        server.kill()
        server.wait()
    assert src.stats.dropped_frames > 0
    assert max(np.diff(t_s)) > 0.1  # frames in between were skipped, not queued up


# -- pure parts --------------------------------------------------------------------------


def test_backoff_grows_caps_and_jitters() -> None:
    backoff = Backoff(initial_s=0.5, max_s=8.0, jitter=0.25, rng=random.Random(3))
    delays = [backoff.delay_s(a) for a in range(10)]
    bases = [min(8.0, 0.5 * 2**a) for a in range(10)]
    for d, b in zip(delays, bases, strict=True):
        assert 0.75 * b <= d <= 1.25 * b
    assert len({round(backoff.delay_s(20), 6) for _ in range(20)}) > 10  # jitter spreads
    assert backoff.delay_s(10_000) <= 10.0  # no overflow after days of outage
    with pytest.raises(ValueError, match="jitter"):
        Backoff(jitter=1.5)


def test_stream_clock_follows_stream_and_resyncs() -> None:
    now = [100.0]
    clock = StreamClock(fps=25, resync_s=5.0, clock=lambda: now[0])
    assert clock.t_s(7000.0) == 0.0
    now[0] += 0.04
    assert clock.t_s(7000.04) == pytest.approx(0.04)
    now[0] += 0.04
    assert clock.t_s(7000.04) == pytest.approx(0.08)  # repeated stamp: one frame on
    now[0] += 0.04
    assert clock.t_s(5.0) == pytest.approx(0.12)  # camera restarted its clock: wall time
    now[0] += 0.04
    assert clock.t_s(5.04) == pytest.approx(0.16)
    now[0] += 0.04
    assert clock.t_s(None) == pytest.approx(0.20)  # no stamp: wall clock


def test_redact_url_hides_passwords() -> None:
    assert redact_url("rtsp://admin:hunter2@10.0.0.7:554/s1") == "rtsp://admin:***@10.0.0.7:554/s1"
    assert redact_url("rtsp://10.0.0.7/s1") == "rtsp://10.0.0.7/s1"
