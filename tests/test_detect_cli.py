"""End to end: `fallwatch detect` on a short synthesized 640x360 H.264 scene."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from edge.synth.scene import make_scene_spec
from edge.synth.writer import write_scene

CLI = [sys.executable, "-m", "fallwatch.cli"]


def _detect(video: Path, scene_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """`fallwatch detect VIDEO` with the scene's config, as a user runs it."""
    return subprocess.run(
        [*CLI, "detect", str(video), "--config", str(scene_dir / "scene_0000.yaml"), *extra],
        capture_output=True, text=True, timeout=120,
    )


def _remux(src: Path, dst: Path, **open_args: object) -> None:
    """Copy the coded frames of ``src`` into another container, unchanged."""
    import av

    with av.open(str(src)) as source, av.open(str(dst), "w", **open_args) as target:
        stream = target.add_stream_from_template(source.streams.video[0])
        for packet in source.demux(source.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                target.mux(packet)


@pytest.fixture(scope="module")
def throw_scene(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("scene")
    for seed in range(11, 40):
        spec = make_scene_spec(
            seed=seed, index=0, width=640, height=360, duration_s=6.0, fps=25.0,
            n_throws=1, throw_kind="compact", distractors=[], min_size_px=4.0,
        )
        write_scene(spec, out)
        truth = json.loads((out / "scene_0000.json").read_text())
        if truth["throws"]:
            return out, truth
    raise AssertionError("synth produced no throw for any seed")


def test_detect_prints_one_contract_event_per_throw(throw_scene: tuple[Path, dict]) -> None:
    out, truth = throw_scene
    proc = subprocess.run(
        [*CLI, "detect", str(out / "scene_0000.mp4"), "--config", str(out / "scene_0000.yaml")],
        capture_output=True, text=True, timeout=120, check=True,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stdout + proc.stderr
    event = json.loads(lines[0])
    throw = truth["throws"][0]
    assert event["camera_id"] == "synth-0000"
    assert event["origin"]["floor"] == throw["floor"]
    assert event["origin"]["column"] == throw["column"]
    # t_start is the release as estimated at the (early) alarm, from the path seen so
    # far; an object that drifts slowly before it drops gives it a few frames late.
    assert abs(event["t_start"] - throw["t_release"]) < 0.4
    assert 0 < event["detected_at"] - throw["t_release"] < 2.0
    # The line is written once the object is no longer followed: it ends after the
    # alarm, with the whole followed path.
    assert event["t_start"] <= event["detected_at"] < event["t_end"] - 0.2
    assert event["trajectory"][-1][0] == event["t_end"]
    assert event["trajectory"][0][0] <= event["detected_at"]
    assert all(len(p) == 3 for p in event["trajectory"])
    assert abs(throw["t_end"] - event["t_end"]) < 0.5, (throw["t_end"], event["t_end"])
    assert 0.0 < event["score"] <= 1.0
    # Logs go to stderr, never stdout: every stdout line is JSON.
    assert all(json.loads(ln) for ln in lines)


def test_detect_rejects_a_missing_video(tmp_path: Path, throw_scene: tuple[Path, dict]) -> None:
    out, _ = throw_scene
    proc = subprocess.run(
        [*CLI, "detect", str(tmp_path / "nope.mp4"), "--config", str(out / "scene_0000.yaml")],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode != 0
    assert proc.stdout == ""
    assert "nope.mp4" in proc.stderr and "no such" in proc.stderr.lower()
    assert len(proc.stderr.strip().splitlines()) == 1


def test_detect_rejects_a_bad_config_naming_the_key(tmp_path: Path, throw_scene: tuple[Path, dict]) -> None:
    out, _ = throw_scene
    bad = tmp_path / "bad.yaml"
    bad.write_text((out / "scene_0000.yaml").read_text().replace("floors:", "floorz:"))
    proc = subprocess.run(
        [*CLI, "detect", str(out / "scene_0000.mp4"), "--config", str(bad)],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "floorz" in proc.stderr and "unknown key" in proc.stderr
    assert "floors" in proc.stderr and "missing" in proc.stderr


def test_detect_rejects_a_file_that_is_not_a_video(tmp_path: Path, throw_scene: tuple[Path, dict]) -> None:
    out, _ = throw_scene
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"this is not a video" * 100)
    proc = subprocess.run(
        [*CLI, "detect", str(junk), "--config", str(out / "scene_0000.yaml")],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    assert "junk.mp4" in proc.stderr
    assert "Errno" not in proc.stderr  # FFmpeg's reason, not PyAV's errno


def test_detect_names_a_folder_given_as_the_video(tmp_path: Path, throw_scene: tuple[Path, dict]) -> None:
    out, _ = throw_scene
    proc = subprocess.run(
        [*CLI, "detect", str(tmp_path), "--config", str(out / "scene_0000.yaml")],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    assert "is a folder, not a video file" in proc.stderr


def _packet_offsets(video: Path) -> list[int]:
    """Byte offsets in the file of the video's coded frames."""
    import av

    with av.open(str(video)) as container:
        return [p.pos for p in container.demux(container.streams.video[0]) if p.size and p.pos is not None]


def test_detect_fails_a_mostly_corrupt_video_and_says_how_much(
    tmp_path: Path, throw_scene: tuple[Path, dict]
) -> None:
    out, _ = throw_scene
    data = bytearray((out / "scene_0000.mp4").read_bytes())
    offsets = _packet_offsets(out / "scene_0000.mp4")
    for pos in [p for i, p in enumerate(offsets) if i % 5]:  # 4 frames in 5: a NAL length far past the frame
        data[pos] = 0x7F
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(bytes(data))
    proc = _detect(bad, out)
    assert proc.returncode == 3, proc.stderr[-2000:]
    assert "packets are corrupt" in proc.stderr
    # The first few corrupt packets are named; the rest are counted, not logged one by one.
    assert 1 <= proc.stderr.count("skipped a corrupt packet") <= 3


def test_detect_refuses_a_negative_thread_count(throw_scene: tuple[Path, dict]) -> None:
    out, _ = throw_scene
    proc = _detect(out / "scene_0000.mp4", out, "--threads", "-3")
    assert proc.returncode == 2
    assert "argument --threads: -3 is less than 0" in proc.stderr
    assert proc.stdout == ""


def test_detect_reads_a_recording_cut_off_mid_file_up_to_the_cut(
    tmp_path: Path, throw_scene: tuple[Path, dict]
) -> None:
    """A recording whose index comes first (as cameras and `faststart` write them), cut
    off at 60 %: the frames before the cut are searched, the broken last one is named."""
    out, _ = throw_scene
    whole = tmp_path / "whole.mp4"
    _remux(out / "scene_0000.mp4", whole, options={"movflags": "faststart"})
    data = whole.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    proc = _detect(cut, out)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "skipped a corrupt packet" in proc.stderr and "packets were corrupt and skipped" in proc.stderr
    frames = int(proc.stderr.split(" frames, ")[0].rsplit(" ", 1)[-1])
    assert 0.4 * 150 < frames < 0.8 * 150  # about the 60 % before the cut, of the 6-s, 25-fps scene


def test_detect_fails_a_video_whose_reading_stops_early(tmp_path: Path, throw_scene: tuple[Path, dict]) -> None:
    """A Matroska file with 4 KB overwritten at 30 %: the demuxer loses its way and stops
    without an error after a third of the frames. Only the length the file declares tells."""
    out, _ = throw_scene
    whole = tmp_path / "whole.mkv"
    _remux(out / "scene_0000.mp4", whole, format="matroska")
    data = bytearray(whole.read_bytes())
    at = int(len(data) * 0.3)
    data[at : at + 4000] = b"\xff" * 4000
    bad = tmp_path / "bad.mkv"
    bad.write_bytes(bytes(data))
    proc = _detect(bad, out)
    assert proc.returncode == 3, proc.stderr[-2000:]
    assert "of its 150 frames could be read" in proc.stderr
