"""Server configuration: data directory, database, listeners, security and retention.

Validated with pydantic and unknown keys forbidden, like the camera config, so a typo
is an error that names the key. An optional YAML file (``fallwatch server --config``)
holds the same keys; command-line flags override it.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from edge.config.camera import format_validation_errors


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RetentionConfig(_Strict):
    """How long evidence is kept. Deletion runs oldest first and is logged and counted."""

    event_days: float = Field(default=90.0, gt=0, description="Keep events this many days.")
    clip_store_max_gb: float = Field(
        default=50.0, gt=0, description="Clip store size limit in GB (10^9 bytes)."
    )
    keep_confirmed: bool = Field(
        default=True, description="Confirmed events (and their files) are never deleted."
    )
    sweep_interval_s: float = Field(default=600.0, ge=1.0)

    @property
    def clip_store_max_bytes(self) -> int:
        return int(self.clip_store_max_gb * 1e9)


class CameraStatusConfig(_Strict):
    """Heartbeat age thresholds: online below ``stale_after_s``, offline above ``offline_after_s``."""

    stale_after_s: float = Field(default=30.0, gt=0)
    offline_after_s: float = Field(default=120.0, gt=0)


class AuthConfig(_Strict):
    session_hours: float = Field(default=12.0, gt=0, le=24 * 30)
    login_failures_allowed: int = Field(
        default=5, ge=1, description="Failed logins per client address and per name in the window."
    )
    login_window_s: float = Field(default=300.0, gt=0)


class IngestConfig(_Strict):
    """ZeroMQ ingest: CURVE keys (``fallwatch keys gen``) and the edges allowed in."""

    bind: str = "tcp://0.0.0.0:5555"
    server_key: Path | None = Field(
        default=None, description="The server's secret key file (NAME.key); required unless insecure."
    )
    allowed_edge_keys: Path | None = Field(
        default=None, description="Folder of edge public keys (*.key_public) allowed to connect."
    )
    insecure: bool = False


class ServerConfig(_Strict):
    data_dir: Path
    db_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default SQLite in data_dir/fallwatch.db."
    )
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
    tls_cert: Path | None = None
    tls_key: Path | None = None
    monitoring_networks: Annotated[list[str], Field(min_length=0)] = Field(
        default_factory=lambda: ["127.0.0.0/8", "::1/128"],
        description="Client networks that may read /healthz, /readyz, /api/health, /metrics unauthenticated.",
    )
    ingest: IngestConfig = Field(default_factory=IngestConfig)
    retention: RetentionConfig = Field(default_factory=RetentionConfig)
    cameras: CameraStatusConfig = Field(default_factory=CameraStatusConfig)
    auth: AuthConfig = Field(default_factory=AuthConfig)

    @field_validator("monitoring_networks")
    @classmethod
    def _networks_parse(cls, nets: list[str]) -> list[str]:
        for net in nets:
            try:
                ipaddress.ip_network(net, strict=False)
            except ValueError as exc:
                raise ValueError(f"{net!r} is not a network (e.g. 10.0.0.0/8): {exc}") from None
        return nets

    @property
    def database_url(self) -> str:
        return self.db_url or f"sqlite:///{(self.data_dir / 'fallwatch.db').resolve()}"

    @property
    def clips_dir(self) -> Path:
        return self.data_dir / "clips"

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None and self.tls_key is not None


class ServerConfigError(ValueError):
    """A server config that cannot be used; the message names every bad key."""


def parse_server_config(data: object, origin: str = "<config>") -> ServerConfig:
    """Validate a parsed mapping; raise ServerConfigError naming each problem."""
    if not isinstance(data, dict):
        raise ServerConfigError(f"{origin}: a server config must be a mapping of keys")
    try:
        return ServerConfig.model_validate(data)
    except ValidationError as err:
        raise ServerConfigError(format_validation_errors(err, origin, "server config", ServerConfig)) from None


def load_server_config(path: Path | None, overrides: dict[str, object]) -> ServerConfig:
    """Read an optional YAML file and apply command-line ``overrides`` (None values ignored)."""
    data: dict[str, object] = {}
    origin = "<command line>"
    if path is not None:
        origin = str(path)
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise ServerConfigError(f"{path}: cannot read config: {exc.strerror or exc}") from None
        except yaml.YAMLError as exc:
            raise ServerConfigError(f"{path}: not valid YAML: {exc}") from None
        if not isinstance(loaded, dict):
            raise ServerConfigError(f"{path}: a server config must be a mapping of keys")
        data = loaded
    for key, value in overrides.items():
        if value is None:
            continue
        if "." in key:
            section, sub = key.split(".", 1)
            nested = dict(data.get(section) or {})  # type: ignore[arg-type]
            nested[sub] = value
            data[section] = nested
        else:
            data[key] = value
    return parse_server_config(data, origin)
