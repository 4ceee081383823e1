"""Detection of two git revisions on the same synth folders, throw by throw.

A change to detection moves a handful of marginal throws and false alarms either way
whatever it does (a grey level of threshold here and there is enough), and the
development sets, tuned on, favour the code they were tuned with. So judge a change on
several fresh folders at once and read which throws it lost and gained, not only the
totals. Each revision is checked out into a temporary git worktree and run with
``fallwatch eval`` from there (this checkout's virtual environment, the worktree's code).

    .venv/bin/python bench/compare_revisions.py HEAD~1 HEAD out/eval-20261201 out/eval-20261203
    .venv/bin/python bench/compare_revisions.py main WORKTREE_REV DIR... --jobs 2 --keep-reports out/compare

Prints, per folder and in total: throws found, throws of >= 2 px found, false alarms,
origin errors and median latency for each revision; then the throws lost and gained
and the false alarms that are new or gone.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def _evaluate(revision: str, folders: list[Path], jobs: int, workdir: Path) -> dict[Path, dict[str, Any]]:
    tree = Path(tempfile.mkdtemp(prefix="tree-", dir=workdir))
    _run(["git", "-C", str(REPO), "worktree", "add", "--detach", "-q", str(tree), revision], REPO, os.environ)
    try:
        reports = {}
        for folder in folders:
            out = workdir / f"{tree.name}-{folder.name}.json"
            print(f"{revision}: {folder}", file=sys.stderr, flush=True)
            command = [sys.executable, "-m", "fallwatch.cli", "eval", str(folder), "--jobs", str(jobs)]
            _run([*command, "--json", str(out)], tree, {**os.environ, "PYTHONPATH": str(tree)})
            reports[folder] = json.loads(out.read_text())
        return reports
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)], check=False)


class CommandFailed(RuntimeError):
    pass


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> None:
    """Run quietly; on failure, the command's last words become the error."""
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise CommandFailed(f"{' '.join(command[:4])} ... failed: {tail}")


def _throw_key(row: dict[str, Any]) -> tuple[str, str, float]:
    # Reports of older revisions name no throw id: scene, class and size tell throws apart.
    return row["scene"], row["class"], row["size_px"]


def _summary(report: dict[str, Any]) -> tuple[int, int, int, int, float | None]:
    """(found, found of >= 2 px, throws of >= 2 px, false alarms, median latency)."""
    by_size = report["recall_by_size"]
    big_all = sum(by_size[k]["n"] for k in ("2-4px", ">=4px") if k in by_size)
    big_found = big_all - sum(1 for m in report["missed"] if m["size_px"] >= 2.0)
    found_n = round((report["recall"] or 0.0) * report["throws"])
    return found_n, big_found, big_all, report["false_alarms"], report["latency_median_s"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", help="git revision to compare from")
    parser.add_argument("after", help="git revision to compare to")
    parser.add_argument("folders", nargs="+", type=Path, help="folders written by `fallwatch synth`")
    parser.add_argument("--jobs", type=int, default=2, help="scenes evaluated in parallel")
    parser.add_argument("--keep-reports", type=Path, metavar="DIR",
                        help="also write each revision's full eval report there (REV-FOLDER.json)")
    args = parser.parse_args(argv)
    folders = [f.resolve() for f in args.folders]
    for folder in folders:
        if not any(folder.glob("scene_*.json")):
            print(f"compare_revisions: {folder}: no scene_*.json (write one with `fallwatch synth`)", file=sys.stderr)
            return 2
    with tempfile.TemporaryDirectory(prefix="fallwatch-compare-") as tmp:
        try:
            before = _evaluate(args.before, folders, args.jobs, Path(tmp))
            after = _evaluate(args.after, folders, args.jobs, Path(tmp))
        except CommandFailed as exc:
            print(f"compare_revisions: {exc}", file=sys.stderr)
            return 1
    if args.keep_reports:
        args.keep_reports.mkdir(parents=True, exist_ok=True)
        for revision, reports in ((args.before, before), (args.after, after)):
            tag = revision.replace("/", "_").replace("~", "-").replace("^", "-")
            for folder, report in reports.items():
                (args.keep_reports / f"{tag}-{folder.name}.json").write_text(json.dumps(report, indent=2) + "\n")

    print(f"{'folder':28s} {'revision':12s} {'found':>7s} {'>=2px':>9s} {'false alarms':>12s} {'latency':>8s}")
    totals = {args.before: [0, 0, 0, 0], args.after: [0, 0, 0, 0]}
    for folder in folders:
        for revision, reports in ((args.before, before), (args.after, after)):
            found_n, big_found, big_all, fa, latency = _summary(reports[folder])
            totals[revision] = [a + b for a, b in zip(totals[revision], (found_n, big_found, big_all, fa), strict=True)]
            lat = "n/a" if latency is None else f"{latency:.2f} s"
            print(f"{folder.name:28s} {revision:12s} {found_n:7d} {big_found:4d}/{big_all:<4d} {fa:12d} {lat:>8s}")
    for revision, (found_n, big_found, big_all, fa) in totals.items():
        print(f"{'total':28s} {revision:12s} {found_n:7d} {big_found:4d}/{big_all:<4d} {fa:12d}")
    print()
    for folder in folders:
        a, b = before[folder], after[folder]
        missed_a = {_throw_key(m) for m in a["missed"]}
        missed_b = {_throw_key(m) for m in b["missed"]}
        for key in sorted(missed_b - missed_a):
            print(f"{folder.name}: lost   {key[0]} {key[1]} {key[2]} px")
        for key in sorted(missed_a - missed_b):
            print(f"{folder.name}: gained {key[0]} {key[1]} {key[2]} px")
        alarms_a = {(f["scene"], round(f["t_start"], 1)) for f in a["false_alarm_details"]}
        alarms_b = {(f["scene"], round(f["t_start"], 1)) for f in b["false_alarm_details"]}
        for scene, t in sorted(alarms_b - alarms_a):
            print(f"{folder.name}: new false alarm  {scene} at {t} s")
        for scene, t in sorted(alarms_a - alarms_b):
            print(f"{folder.name}: gone false alarm {scene} at {t} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
