"""Make ultralytics run with no network at all.

Ultralytics reads its settings directory from ``YOLO_CONFIG_DIR`` at import time,
looks for ``Arial.ttf`` there before it would download one, and checks
``YOLO_OFFLINE``/``YOLO_AUTOINSTALL`` before any online step. So this must run
before the first ``import ultralytics``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

FONT_NAMES = ("Arial.ttf", "Arial.Unicode.ttf")


class OfflineSetupError(RuntimeError):
    """No local font could be found for ultralytics' plots."""


def local_font() -> Path:
    """A TrueType font shipped by a package: matplotlib's DejaVu Sans, else Debian's."""
    candidates = []
    try:
        import matplotlib

        candidates.append(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf")
    except ImportError:
        pass
    candidates.append(Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))
    for c in candidates:
        if c.is_file():
            return c
    raise OfflineSetupError(
        "no local font for ultralytics' plots: install matplotlib (a dependency of ultralytics) "
        "or the Debian package fonts-dejavu-core"
    )


def prepare_offline(config_dir: Path) -> None:
    """Point ultralytics at ``config_dir`` with a local font and every online feature off."""
    config_dir.mkdir(parents=True, exist_ok=True)
    font = local_font()
    for name in FONT_NAMES:
        target = config_dir / name
        if not target.is_file():
            shutil.copyfile(font, target)
    os.environ["YOLO_CONFIG_DIR"] = str(config_dir)
    os.environ["YOLO_OFFLINE"] = "1"
    os.environ["YOLO_AUTOINSTALL"] = "0"
    os.environ.setdefault("MPLBACKEND", "Agg")


OFF_SETTINGS = ("sync", "hub", "wandb", "mlflow", "comet", "clearml", "dvc", "neptune", "raytune", "tensorboard")


def disable_settings_sync(work_dir: Path) -> None:
    """Turn off ultralytics' sync, analytics and experiment loggers, keep its files in ``work_dir``.

    Call after ``prepare_offline`` and the import; keys a version lacks are skipped.
    """
    from ultralytics import settings

    update: dict[str, object] = {k: False for k in OFF_SETTINGS if k in settings}
    update.update({k: str(work_dir / k.removesuffix("_dir")) for k in ("runs_dir", "weights_dir", "datasets_dir")
                   if k in settings})
    settings.update(update)
