"""``bench/run_all.py``: it really runs a benchmark and tabulates it, and a benchmark
whose output it cannot read is a failure that names the missing line, not a silent gap."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import run_all  # noqa: E402  (bench/ is not a package)


def test_one_real_benchmark_becomes_rows_with_in_run_baselines(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(BENCH / "run_all.py"), "--quick", "--only", "motion_backends",
                           "--logs", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [ln for ln in done.stdout.splitlines() if ln.startswith("motion diff ms/frame")]
    assert [r.split()[3] for r in rows] == ["1280x720", "1920x1080", "3840x2160"]
    for r in rows:
        value, baseline, ratio = (float(x.rstrip("x")) for x in r.split()[-4:-1])
        assert value > 0 and baseline > 0 and ratio == pytest.approx(value / baseline, rel=0.02, abs=0.01)
    assert "opencv ms" in (tmp_path / "bench_motion_backends.log").read_text()


def test_unreadable_output_names_what_is_missing() -> None:
    with pytest.raises(run_all.UnreadableOutput, match="no fps line"):
        run_all.parse_detect("resolution variant fps\n(nothing measured)\n")
    with pytest.raises(run_all.UnreadableOutput, match="phases"):
        run_all.parse_ingest(
            "5 edges, 2-MB clips, heartbeats\n"
            "  plaintext:  1.0 events/s (2 MB/s),  5 heartbeats/s, p95 ack ms: heartbeat 1, event 2, chunk 3; "
            "server 0.10 cores, peak RSS 50 MB, rejected 0\n"
        )


def test_a_failing_benchmark_is_a_failed_row_and_exit_code_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The real motion benchmark, read as if it were the detection one: its lines are not there.
    broken = run_all.Bench("motion_backends", [], [], run_all.parse_detect)
    monkeypatch.setattr(run_all, "BENCHES", [broken])
    code = run_all.main(["--quick", "--only", "motion_backends", "--logs", str(tmp_path)])
    assert code == 1
    assert "motion_backends: FAILED: unreadable output: no fps line" in capsys.readouterr().out
    assert "opencv ms" in (tmp_path / "bench_motion_backends.log").read_text()  # kept for a look


def test_the_detection_benchmark_runs_both_variants_on_one_scene() -> None:
    """``bench/bench_detect.py`` drives the real pipeline with its motion stage swapped for
    MOG2: a change to the pipeline's calls must not leave the baseline behind."""
    done = subprocess.run([sys.executable, str(BENCH / "bench_detect.py"), "--resolution", "640x360",
                           "--duration", "5"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = run_all.parse_detect(done.stdout)
    fps = next(r for r in rows if r.measure.startswith("edge detection fps/core 640x360"))
    assert fps.value > 0 and fps.baseline is not None and fps.baseline > 0


def test_the_motion_hit_rate_splits_hits_and_clutter_by_lighting() -> None:
    """``bench/motion_hit_rate.py``'s summary: hit shares over the throws' frames, and
    candidates per frame over all frames and per lighting."""
    import motion_hit_rate

    throw = {"kind": "compact", "frames": 10, "any": 7, "strong": 5, "visible": 8}
    scenes = [
        {"scene": "a", "lighting": "day", "throws": {"t": throw}, "frames": 100, "candidates": 3000, "blind": 2},
        {"scene": "b", "lighting": "night_ir", "throws": {}, "frames": 50, "candidates": 500, "blind": 0},
    ]
    lines = motion_hit_rate.summary(scenes)
    assert "10 frames; a candidate at the object  70.0%, a strong one  50.0%" in lines[0]
    assert lines[-2].startswith("clutter: 23.3 candidates per frame; 2 of 150 frames not searched")
    assert lines[-1] == "clutter by lighting (candidates per frame): day 30.0, night_ir 10.0"
