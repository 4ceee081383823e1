"""The durable spool: atomic commits, ack-only deletion, restart, eviction accounting."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from edge.spool.spool import Spool, SpoolEntry, SpoolError


def _entries(event_id: str, clip_bytes: int) -> list[SpoolEntry]:
    return [
        SpoolEntry(event_id, {"event": {"event_id": event_id}}),
        SpoolEntry(event_id, {"envelope": {}}, "clip", "clip.mp4", b"c" * clip_bytes, "0" * 64),
    ]


def test_files_wait_for_their_event_and_leave_only_on_ack(tmp_path: Path) -> None:
    spool = Spool(tmp_path, 10_000_000)
    ev_id, clip_id = spool.commit(_entries("e1", 1000))
    first = spool.next_items(10, exclude=set())
    assert [i.item_id for i in first] == [ev_id]  # the clip waits until the event is acked
    spool.ack(ev_id)
    (clip,) = spool.next_items(10, exclude=set())
    assert clip.item_id == clip_id and clip.path is not None and clip.path.read_bytes() == b"c" * 1000
    assert spool.next_items(10, exclude={clip_id}) == []
    spool.ack(clip_id)
    assert not clip.path.exists()
    assert spool.stats()["depth"] == 0


def test_a_restart_keeps_everything_and_removes_orphan_files(tmp_path: Path) -> None:
    spool = Spool(tmp_path, 10_000_000)
    spool.commit(_entries("e1", 500) + _entries("e2", 700))
    spool.close()
    orphan = tmp_path / "files" / "e9.123.1.clip.mp4.tmp"  # a crash between write and commit
    orphan.write_bytes(b"half")
    again = Spool(tmp_path, 10_000_000)
    assert not orphan.exists()
    stats = again.stats()
    assert stats["depth"] == 4 and stats["committed_items"] == 4
    assert [i.event_id for i in again.next_items(10, set())] == ["e1", "e2"]


def test_a_killed_writer_leaves_committed_items_intact(tmp_path: Path) -> None:
    code = (
        "import os, sys; sys.path.insert(0, sys.argv[2]);"
        "from pathlib import Path; from edge.spool.spool import Spool, SpoolEntry;"
        "s = Spool(Path(sys.argv[1]), 10**9);"
        "[s.commit([SpoolEntry(f'e{i}', {'n': i}, 'clip', 'c.mp4', os.urandom(20000), '0'*64)]) for i in range(5)];"
        "print('committed', flush=True); os.kill(os.getpid(), 9)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path), str(Path(__file__).parents[1])],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == -9 and "committed" in out.stdout
    items = Spool(tmp_path, 10**9).next_items(10, set())
    assert len(items) == 5 and all(i.path is not None and i.path.stat().st_size == 20000 for i in items)


def test_eviction_is_oldest_files_first_counted_and_persistent(tmp_path: Path) -> None:
    spool = Spool(tmp_path, 5_000)
    for i in range(3):
        spool.commit(_entries(f"e{i}", 1700))
    stats = spool.stats()
    assert stats["bytes"] <= 5_000
    assert stats["evicted_items"] == 1 and stats["evicted_bytes"] > 1700
    left = {(i.event_id, i.kind) for i in Spool(tmp_path, 5_000).next_items(10, set())}
    # The oldest clip went; every alert is still there.
    assert ("e0", "event") in left and ("e1", "event") in left and ("e2", "event") in left
    assert len(list((tmp_path / "files").iterdir())) == 2
    assert Spool(tmp_path, 5_000).stats()["evicted_items"] == 1


def test_an_entry_larger_than_the_whole_spool_is_refused_and_nothing_is_lost(tmp_path: Path) -> None:
    spool = Spool(tmp_path, 2_000)
    spool.commit(_entries("keep", 100))
    with pytest.raises(SpoolError, match="exceed the whole spool"):
        spool.commit(_entries("huge", 5_000))
    assert spool.stats()["depth"] == 2 and spool.stats()["evicted_items"] == 0
