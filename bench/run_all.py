"""Every benchmark in one run, one table of ratios against the baselines each measured
in the same run, plus the peak memory of a real ``fallwatch edge`` process.

Each ``bench/bench_*.py`` runs as its own process (as its README line runs it, so its
CPU pinning and peak-memory figures stay its own); its output is kept in the log
folder and the table is read from it. A benchmark that fails or prints something
this script cannot read is a row saying so, and the exit code is 1.

    .venv/bin/python bench/run_all.py            # about 10 minutes on 2 cores
    .venv/bin/python bench/run_all.py --quick    # smaller cases, about 3 minutes
    .venv/bin/python bench/run_all.py --only ingest --only server

Columns: ``value`` and ``baseline`` in the unit of the measure, ``ratio`` =
value / baseline, ``better`` says which direction of the ratio is the good one.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NUM = r"([0-9]+(?:\.[0-9]+)?)"
NUM_OR_NAN = r"([0-9]+(?:\.[0-9]+)?|nan)"  # a measure with no samples in that phase


@dataclass(frozen=True)
class Row:
    bench: str
    measure: str
    value: float
    baseline: float | None
    better: str  # "higher" or "lower" (the ratio's good direction), "" without a baseline

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None


class UnreadableOutput(Exception):
    """A benchmark's output lacks a line this script reads; the message names it."""


def _find(pattern: str, text: str, what: str) -> list[re.Match[str]]:
    found = list(re.finditer(pattern, text, re.MULTILINE))
    if not found:
        raise UnreadableOutput(f"no {what} line (pattern {pattern!r})")
    return found


def parse_detect(out: str) -> list[Row]:
    fps: dict[tuple[str, str], tuple[float, float]] = {}
    for m in _find(rf"^\s*(\d+x\d+)\s+(MOG2|fallwatch)\s+{NUM}\s+{NUM}\s", out, "fps"):
        fps[(m[1], m[2])] = (float(m[3]), float(m[4]))
    rows = []
    for res in dict.fromkeys(r for r, _ in fps):
        ours, base = fps.get((res, "fallwatch")), fps.get((res, "MOG2"))
        if ours is None or base is None:
            raise UnreadableOutput(f"{res}: fallwatch and MOG2 lines expected")
        rows.append(Row("detect", f"edge detection fps/core {res} (vs MOG2 full frame)", ours[0], base[0], "higher"))
        rows.append(Row("detect", f"edge detection x realtime/core {res}", ours[1], None, ""))
    return rows


def parse_motion(out: str) -> list[Row]:
    return [
        Row("motion_backends", f"motion diff ms/frame {m[1]} ONNX (vs OpenCV)", float(m[3]), float(m[2]), "lower")
        for m in _find(rf"^(\d+x\d+)\s+{NUM}\s+{NUM}\s+{NUM}x\s+(True|False)", out, "resolution")
    ]


def parse_verifier(out: str) -> list[Row]:
    rows = [
        Row("verifier", f"detection ms/frame 720p, verifier on (vs off) {m[1].strip()}", float(m[3]), float(m[2]),
            "lower")
        for m in _find(rf"^\s*(scene_\d+ \(\w+\))\s+{NUM}\s+{NUM}\s+{NUM}x", out, "scene")
    ]
    call = _find(rf"one verifier call: {NUM} ms = {NUM} x one 1280x720 frame of detection \({NUM} ms\)", out,
                 "verifier call")[0]
    rows.append(Row("verifier", "one verifier call ms (vs one 720p frame of detection)", float(call[1]),
                    float(call[3]), "lower"))
    return rows


def parse_config_push(out: str) -> list[Row]:
    base_p99 = float(_find(rf"^baseline\s+\d+\s+{NUM}\s+{NUM}", out, "baseline phase")[0][2])
    rows = [
        Row("config_push", f"frame interval p99 during {m[1]}, ms (vs no push)", float(m[3]), base_p99, "lower")
        for m in _find(rf"^(pushes|snapshots)\s+\d+\s+{NUM}\s+{NUM}", out, "phase")
    ]
    push = _find(rf"^push round trip: median {NUM} ms", out, "push round trip")[0]
    rows.append(Row("config_push", "config push round trip median, ms", float(push[1]), None, ""))
    return rows


def parse_anonymize(out: str) -> list[Row]:
    base = _find(rf"baseline whole-frame scan: {NUM} ms CPU/frame -> {NUM} s per clip", out, "baseline")[0]
    ours = _find(rf"anonymiser: {NUM} ms/frame, {NUM} s added per ([0-9.]+)-s clip", out, "anonymiser")[0]
    return [Row("anonymize", f"anonymise one {ours[3]}-s 1080p clip, CPU s (vs whole-frame scan)", float(ours[2]),
                float(base[2]), "lower")]


def parse_ingest(out: str) -> list[Row]:
    modes = {}
    for m in _find(rf"^\s*([a-z ]+):\s+{NUM} events/s \({NUM} MB/s\),\s+{NUM} heartbeats/s, p95 ack ms: "
                   rf"heartbeat {NUM_OR_NAN}, event {NUM_OR_NAN}, chunk {NUM_OR_NAN}; server {NUM} cores, "
                   rf"peak RSS {NUM} MB", out, "phase"):
        modes[m[1].strip()] = [float(m[i]) for i in range(2, 10)]
    need = ["plaintext", "curve", "plaintext heartbeat flood", "curve heartbeat flood"]
    if any(k not in modes for k in need):
        raise UnreadableOutput(f"phases {need} expected, got {sorted(modes)}")
    edges = _find(r"^(\d+) edges, (\d+)-MB clips", out, "header")[0]
    pt, cv, hb_pt, hb_cv = (modes[k] for k in need)
    what = f"{edges[1]} edges, {edges[2]}-MB clips"
    return [
        Row("ingest", f"ingest events/s, CURVE (vs plaintext), {what}", cv[0], pt[0], "higher"),
        Row("ingest", "ingest heartbeats/s capacity, CURVE (vs plaintext)", hb_cv[2], hb_pt[2], "higher"),
        Row("ingest", "ingest p95 event ack ms, CURVE (vs plaintext)", cv[4], pt[4], "lower"),
        Row("ingest", "ingest server CPU cores, CURVE (vs plaintext)", cv[6], pt[6], "lower"),
        Row("ingest", "ingest server peak RSS MB, CURVE", cv[7], None, ""),
    ]


def parse_server(out: str) -> list[Row]:
    head = _find(r"^database: (\w+), (\d+) events, (\d+) cameras", out, "database")[0]
    rows = {m[1].strip(): (float(m[2]), float(m[3]))
            for m in _find(rf"^(\S.*?)\s+{NUM}\s+{NUM}\s+{NUM}$", out, "route")}
    base = rows.get("/healthz (baseline)")
    if base is None:
        raise UnreadableOutput("no /healthz (baseline) row")
    return [
        Row("server", f"{label} p95 ms, {head[2]} events, {head[1]} (vs /healthz)", p95, base[1], "lower")
        for label, (_, p95) in rows.items() if label != "/healthz (baseline)"
    ]


def parse_synth(out: str) -> list[Row]:
    return [
        Row("synth", f"synth {m[1].strip()} wall s (vs encoding a still backdrop)", float(m[4]), float(m[2]), "lower")
        for m in _find(rf"^\s*(\d+x\d+ [0-9.]+s #\d+ \w+)\s+\d+\s+{NUM}\s+{NUM}\s+{NUM}\s+{NUM}", out, "scene")
    ]


def parse_sources(out: str) -> list[Row]:
    base = _find(rf"baseline VideoFileSource\s+{NUM} fps", out, "baseline")[0]
    ours = _find(rf"open_source \(LiveSource\)\s+{NUM} fps", out, "open_source")[0]
    rows = [Row("sources", "file source fps, open_source (vs VideoFileSource)", float(ours[1]), float(base[1]),
                "higher")]
    for m in re.finditer(rf"^\s*(restart|kill) -> first frame again\s+{NUM} s", out, re.MULTILINE):
        rows.append(Row("sources", f"live stream {m[1]} -> first frame again, s", float(m[2]), None, ""))
    return rows


@dataclass(frozen=True)
class Bench:
    name: str
    args: list[str]
    quick_args: list[str]
    parse: Callable[[str], list[Row]]


BENCHES = [
    Bench("detect", ["--resolution", "1280x720", "--resolution", "1920x1080", "--resolution", "3840x2160",
                     "--duration", "8"],
          ["--resolution", "1280x720", "--resolution", "1920x1080", "--resolution", "3840x2160", "--duration", "5"],
          parse_detect),
    Bench("motion_backends", [], [], parse_motion),
    Bench("verifier", [], [], parse_verifier),
    Bench("anonymize", ["--seconds", "10"], ["--seconds", "2"], parse_anonymize),
    Bench("config_push", ["--seconds", "4"], ["--seconds", "2", "--height", "540"], parse_config_push),
    Bench("ingest", ["--edges", "200", "--seconds", "15"], ["--edges", "50", "--seconds", "4"], parse_ingest),
    Bench("server", ["--events", "100000", "--cameras", "500", "--requests", "60"],
          ["--events", "10000", "--cameras", "100", "--requests", "20"], parse_server),
    Bench("synth", ["--case", "1920x1080x6", "--scenes", "1"], ["--case", "640x360x5", "--scenes", "1"], parse_synth),
    Bench("sources", ["--frames", "200", "--repeats", "3", "--recoveries", "2"],
          ["--frames", "100", "--repeats", "1", "--recoveries", "1"], parse_sources),
]


def run_bench(bench: Bench, quick: bool, logs: Path, timeout_s: float) -> tuple[list[Row], str | None]:
    """Rows, or an error message naming what went wrong (the output stays in ``logs``)."""
    cmd = [sys.executable, str(ROOT / "bench" / f"bench_{bench.name}.py"), *(bench.quick_args if quick else bench.args)]
    log = logs / f"bench_{bench.name}.log"
    try:
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired as exc:
        log.write_text(f"{exc.stdout or ''}\n--- stderr\n{exc.stderr or ''}")
        return [], f"timed out after {timeout_s:.0f} s (log {log})"
    log.write_text(f"$ {' '.join(cmd)}\n{done.stdout}\n--- stderr\n{done.stderr}")
    if done.returncode != 0:
        return [], f"exit code {done.returncode} (log {log})"
    try:
        return bench.parse(done.stdout), None
    except UnreadableOutput as exc:
        return [], f"unreadable output: {exc} (log {log})"


def _peak_rss_mb(argv: list[str], log: Path) -> tuple[float, int]:
    """Run a process to its end; its own peak resident memory (MB, from wait4) and exit code."""
    with log.open("w") as out:
        proc = subprocess.Popen(argv, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss / 1024.0, proc.returncode


def edge_memory(quick: bool, logs: Path) -> tuple[list[Row], str | None]:
    """Peak RSS of a real ``fallwatch edge`` (detection, recorder, anonymiser, spool, CURVE link to a
    real server) on a 720p synth scene with throws, against ``fallwatch detect`` on the same file."""
    from edge.synth.scene import make_scene_spec
    from edge.synth.writer import write_scene
    from fallwatch.demo import (
        DemoLayout,
        DemoOptions,
        free_loopback_port,
        make_keys,
        start_server,
        wait_healthy,
    )

    with tempfile.TemporaryDirectory(prefix="fallwatch-bench-edge-") as tmp:
        layout = DemoLayout(Path(tmp))
        spec = make_scene_spec(2026, 0, 1280, 720, 6.0 if quick else 12.0, 25.0, n_throws=3, lighting="day")
        config = write_scene(spec, layout.scenes, threads=1).config
        make_keys(layout, 1)
        http_port, zmq_port = free_loopback_port(), free_loopback_port()
        server = start_server(layout, DemoOptions(None, "127.0.0.1", http_port, 1), zmq_port)
        try:
            wait_healthy(server, f"http://127.0.0.1:{http_port}", 60.0)
            cli = [sys.executable, "-m", "fallwatch.cli"]
            base_mb, base_code = _peak_rss_mb([*cli, "detect", str(config.with_suffix(".mp4")), "--config",
                                               str(config)], logs / "detect_memory.log")
            edge_mb, edge_code = _peak_rss_mb(
                [*cli, "edge", "--config", str(config), "--server", f"tcp://127.0.0.1:{zmq_port}",
                 "--data-dir", str(layout.edge_dir(0)), "--key", str(layout.keys / "edge-1.key"),
                 "--server-key", str(layout.keys / "server.key_public")],
                logs / "edge_memory.log",
            )
        finally:
            server.terminate()
            server.wait(20.0)
    if base_code != 0 or edge_code != 0:
        return [], f"exit codes detect {base_code}, edge {edge_code} (logs in {logs})"
    return [Row("edge_memory", f"fallwatch edge peak RSS MB, 720p {spec.duration_s:g}-s scene (vs fallwatch detect)",
                edge_mb, base_mb, "lower")], None


def format_table(rows: list[Row], failures: dict[str, str]) -> str:
    lines = [f"{'measure':78s} {'value':>10s} {'baseline':>10s} {'ratio':>8s}  better"]
    for r in rows:
        base = f"{r.baseline:10.2f}" if r.baseline is not None else f"{'-':>10s}"
        ratio = f"{r.ratio:7.2f}x" if r.ratio is not None else f"{'-':>8s}"
        lines.append(f"{r.measure:78s} {r.value:10.2f} {base} {ratio}  {r.better}")
    for name, why in failures.items():
        lines.append(f"{name}: FAILED: {why}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    names = [b.name for b in BENCHES] + ["edge_memory"]
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="smaller cases (about 3 minutes)")
    p.add_argument("--only", action="append", choices=names, help="run only these (repeatable)")
    p.add_argument("--logs", type=Path, help="folder for each benchmark's full output (default: a new temp folder)")
    p.add_argument("--timeout-s", type=float, default=600.0, help="per benchmark")
    args = p.parse_args(argv)
    logs = args.logs or Path(tempfile.mkdtemp(prefix="fallwatch-bench-logs-"))
    logs.mkdir(parents=True, exist_ok=True)
    chosen = args.only or names
    rows: list[Row] = []
    failures: dict[str, str] = {}
    started = time.monotonic()
    for i, name in enumerate(chosen, 1):
        t0 = time.monotonic()
        print(f"[{i}/{len(chosen)}] {name} ...", file=sys.stderr, flush=True)
        if name == "edge_memory":
            got, error = edge_memory(args.quick, logs)
        else:
            got, error = run_bench(next(b for b in BENCHES if b.name == name), args.quick, logs, args.timeout_s)
        rows += got
        if error:
            failures[name] = error
        print(f"[{i}/{len(chosen)}] {name}: {time.monotonic() - t0:.0f} s{' FAILED' if error else ''}",
              file=sys.stderr, flush=True)
    print(f"fallwatch benchmarks ({'quick' if args.quick else 'default'} run, {os.cpu_count()} CPUs, "
          f"{time.monotonic() - started:.0f} s; full outputs in {logs})")
    print(format_table(rows, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
