"""The config an edge node runs: as written (what the digest covers) and as resolved."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from edge.config.camera import CameraConfig, config_digest, parse_camera_yaml, read_config_text, resolve_source

DETECTION_KEYS = frozenset({"facades", "masks", "motion", "detection"})


@dataclass(frozen=True)
class RunningConfig:
    """``written`` is the config as in its YAML (a relative ``source`` kept relative);
    ``config`` the same with ``source`` resolved against ``base_dir`` (the folder of the
    ``--config`` file). ``version`` is the server's version number of a pushed config
    (None for the ``--config`` file) and ``origin`` says where it came from, for logs."""

    yaml_text: str
    written: CameraConfig
    config: CameraConfig
    digest: str
    base_dir: Path
    version: int | None
    origin: str

    @classmethod
    def from_yaml(cls, text: str, origin: str, base_dir: Path, version: int | None = None) -> RunningConfig:
        """Validate ``text``; raises ConfigError naming every problem."""
        written = parse_camera_yaml(text, origin)
        resolved = written.model_copy(update={"source": resolve_source(written.source, base_dir)})
        return cls(text, written, resolved, config_digest(written), base_dir, version, origin)

    @classmethod
    def from_file(cls, path: Path) -> RunningConfig:
        return cls.from_yaml(read_config_text(path), str(path), path.resolve().parent)

    def detection_differs(self, other: RunningConfig) -> bool:
        """Whether the detection pipeline must be rebuilt to go from ``other`` to this."""
        keys = set(DETECTION_KEYS)
        return self.config.model_dump(include=keys) != other.config.model_dump(include=keys)
