"""Which config an edge starts with: the ``--config`` file or the last pushed one.

A pushed config survives a restart: it is the installer's latest calibration, and
the ``--config`` file is usually the one the edge was first installed with. So when
``DATA_DIR/config/pushed.json`` holds a config for the same camera and the same
``source`` (a push cannot change either), it wins over ``--config``, and the log says
so on one line. It is set aside (renamed, never deleted) and ``--config`` is used
when it does not load, is for another camera or source, or when
``--discard-pushed-config`` is given (the edge-side rollback). A ``--config`` whose
source still has the page's ``***`` in place of its credentials is refused.
"""

from __future__ import annotations

import logging
from pathlib import Path

from edge.config.camera import ConfigError
from edge.config.source_mask import is_masked
from edge.node.config_store import ConfigStoreError, PushedConfigStore
from edge.node.running_config import RunningConfig

log = logging.getLogger(__name__)


def startup_config(config_path: Path, store: PushedConfigStore, discard_pushed: bool) -> RunningConfig:
    """The config to run; raises ConfigError when the ``--config`` file does not load."""
    from_file = RunningConfig.from_file(config_path)
    if is_masked(from_file.config.source):
        # A YAML exported from the calibration page: the camera would refuse the login
        # and the edge would retry forever, so say it once, at the start.
        raise ConfigError(
            f"{config_path}: source {from_file.config.source} has its credentials masked (***), as the "
            "calibration page exports them; put the camera's real user and password back in this file"
        )
    if discard_pushed:
        store.set_aside("--discard-pushed-config was given")
        return _using_file(from_file)
    try:
        stored = store.load()
    except ConfigStoreError as exc:
        store.set_aside(str(exc))
        return _using_file(from_file)
    if stored is None:
        return _using_file(from_file)
    try:
        pushed = RunningConfig.from_yaml(stored.yaml_text, f"{store.path} (pushed v{stored.version})",
                                         stored.base_dir, stored.version)
    except ConfigError as exc:
        store.set_aside(f"it does not load: {exc.one_line()}")
        return _using_file(from_file)
    if pushed.config.camera_id != from_file.config.camera_id:
        store.set_aside(f"it is for camera {pushed.config.camera_id}, --config is for {from_file.config.camera_id}")
        return _using_file(from_file)
    if pushed.config.source != from_file.config.source:
        store.set_aside("its source differs from the source in --config (changed since the push)")
        return _using_file(from_file)
    log.warning(
        "using the PUSHED config v%d (digest %s, applied %s) from %s instead of --config %s (digest %s); "
        "start with --discard-pushed-config to run --config",
        stored.version, pushed.digest, stored.applied_at, store.path, config_path, from_file.digest,
    )
    return pushed


def _using_file(from_file: RunningConfig) -> RunningConfig:
    log.info("using --config %s (digest %s)", from_file.origin, from_file.digest)
    return from_file
