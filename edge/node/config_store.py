"""Where an edge keeps the last config the server pushed: ``DATA_DIR/config/``.

``pushed.json`` is authoritative (one atomic file: YAML text, server version number,
digest, the folder relative sources resolve against, when it was applied);
``pushed.yaml`` is the same YAML for people to read. The config it replaced is kept
as ``previous.json``/``previous.yaml``.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from edge.node.running_config import RunningConfig
from edge.spool.durable import fsync_dir

log = logging.getLogger(__name__)


class ConfigStoreError(RuntimeError):
    """The pushed config on disk cannot be read back."""


@dataclass(frozen=True)
class StoredConfig:
    yaml_text: str
    version: int
    digest: str
    base_dir: Path
    applied_at: str


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class PushedConfigStore:
    def __init__(self, data_dir: Path) -> None:
        self.dir = data_dir / "config"
        self.path = self.dir / "pushed.json"

    def save(self, running: RunningConfig, replaced: RunningConfig) -> None:
        """Persist ``running`` (a pushed config) durably; keep ``replaced`` beside it.

        Raises OSError when the disk refuses; the caller then keeps the old config.
        """
        if running.version is None:
            raise ValueError("only a pushed config (with a version number) is stored")
        self.dir.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            os.replace(self.path, self.dir / "previous.json")
        else:  # the --config file: keep what a rollback would go back to
            self._write("previous", replaced)
        self._write("pushed", running)
        fsync_dir(self.dir)

    def _write(self, stem: str, cfg: RunningConfig) -> None:
        record = {
            "version": cfg.version,
            "digest": cfg.digest,
            "base_dir": str(cfg.base_dir),
            "applied_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "origin": cfg.origin,
            "yaml": cfg.yaml_text,
        }
        _write_atomic(self.dir / f"{stem}.json", json.dumps(record, indent=1).encode())
        _write_atomic(self.dir / f"{stem}.yaml", cfg.yaml_text.encode())

    def load(self) -> StoredConfig | None:
        """The stored pushed config, None when there is none."""
        try:
            record = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise ConfigStoreError(f"{self.path}: cannot read the pushed config: {exc}") from None
        try:
            return StoredConfig(str(record["yaml"]), int(record["version"]), str(record["digest"]),
                                Path(record["base_dir"]), str(record.get("applied_at", "?")))
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigStoreError(f"{self.path}: the pushed config record is incomplete ({exc})") from None

    def set_aside(self, why: str) -> Path | None:
        """Move the pushed config out of the way (kept for inspection); returns where."""
        if not self.path.exists():
            return None
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        target = self.dir / f"pushed.json.set-aside-{stamp}"
        os.replace(self.path, target)
        yaml_copy = self.dir / "pushed.yaml"
        if yaml_copy.exists():
            os.replace(yaml_copy, self.dir / f"pushed.yaml.set-aside-{stamp}")
        fsync_dir(self.dir)
        log.warning("pushed config moved to %s: %s", target, why)
        return target
