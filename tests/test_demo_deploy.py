"""The deployment files in deploy/ stay true: the systemd units pass systemd's own
checker, every ``fallwatch`` command line in them and in the compose file parses with
the real command-line parser, the example server config validates, and keys.sh
really makes keys the server's allow-list loads (and never overwrites them)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from edge.protocol.keys import load_allowed_edges, load_curve_keypair
from fallwatch.cli import build_parser
from server.config import parse_server_config

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
SAMPLE = {"%i": "cam-07", "${FALLWATCH_SERVER}": "tcp://10.0.0.2:5555"}


def _exec_start(unit: Path) -> list[str]:
    line = next(ln for ln in unit.read_text().splitlines() if ln.startswith("ExecStart="))
    for key, value in SAMPLE.items():
        line = line.replace(key, value)
    return line.removeprefix("ExecStart=").split()


def _parses(argv: list[str]) -> None:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse's way of rejecting a command line
        pytest.fail(f"fallwatch rejects {' '.join(argv)!r} (exit {exc.code})")
    assert callable(args.func)


def test_there_is_a_server_unit_and_an_edge_template() -> None:
    assert [u.name for u in UNITS] == ["fallwatch-edge@.service", "fallwatch-server.service"]


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_systemd_units_pass_systemd_analyze(unit: Path, tmp_path: Path) -> None:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze not installed")
    # The units run /opt/fallwatch/.venv/bin/fallwatch; here the checkout's venv stands in.
    venv_root = Path(sys.executable).parents[2]
    name = unit.name.replace("@.", "@cam-07.")
    (tmp_path / name).write_text(unit.read_text().replace("/opt/fallwatch", str(venv_root)))
    done = subprocess.run([tool, "verify", f"./{name}"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not (done.stdout + done.stderr).strip(), done.stdout + done.stderr


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_unit_command_lines_parse(unit: Path) -> None:
    argv = _exec_start(unit)
    assert argv[0] == "/opt/fallwatch/.venv/bin/fallwatch"
    _parses(argv[1:])


def test_compose_commands_parse_and_every_edge_has_its_own_key_and_spool() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    edges = {n: s for n, s in services.items() if n.startswith("edge-")}
    assert len(edges) >= 2 and services["server"]["image"] == "fallwatch"
    for svc in [services["server"], *edges.values()]:
        _parses(list(svc["command"]))
    keys = {next(a for a in s["command"] if a.startswith("--key=")) for s in edges.values()}
    spools = {next(v for v in s["volumes"] if v.startswith("spool-")) for s in edges.values()}
    assert len(keys) == len(edges) == len(spools)
    server_cmd = services["server"]["command"]
    assert "--insecure" not in server_cmd and any(a.startswith("--server-key=") for a in server_cmd)


def test_example_server_config_is_valid() -> None:
    cfg = parse_server_config(yaml.safe_load((DEPLOY / "server.yaml").read_text()), "deploy/server.yaml")
    assert cfg.tls and not cfg.ingest.insecure and cfg.database_url.startswith("postgresql://")


def test_keys_script_makes_an_allow_list_the_server_loads_and_never_overwrites(tmp_path: Path) -> None:
    fallwatch = Path(sys.executable).with_name("fallwatch")
    assert fallwatch.exists(), "the fallwatch console script (pip install -e .)"
    out = tmp_path / "secrets"

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", str(DEPLOY / "keys.sh"), str(out), "cam-07", "cam-08"],
                              env={"FALLWATCH": str(fallwatch), "PATH": "/usr/bin:/bin"},
                              capture_output=True, text=True, timeout=120)

    first = run()
    assert first.returncode == 0, first.stderr
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert load_curve_keypair(out / "server" / "server.key").secret
    assert len(load_allowed_edges(out / "allowed")) == 2
    assert not any(p.suffix in (".key", ".sign") for p in (out / "allowed").iterdir()), "secrets in the allow-list"
    assert (out / "cam-07" / "cam-07.key").stat().st_mode & 0o077 == 0
    again = run()
    assert again.returncode == 0, again.stderr
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    usage = subprocess.run(["bash", str(DEPLOY / "keys.sh"), str(out)], capture_output=True, text=True)
    assert usage.returncode == 2 and "usage" in usage.stderr
