"""Key files: CurveZMQ certificates (zmq.auth format) and Ed25519 signing keys.

``fallwatch keys gen NAME`` writes, in one directory:

- ``NAME.key`` / ``NAME.key_public``: the CURVE certificate (secret / public), as
  ``zmq.auth.create_certificates`` writes them;
- ``NAME.sign`` / ``NAME.sign_public``: the Ed25519 evidence-signing key (hex seed /
  hex public key), used by edges.

Secret files are created with mode 0600. An edge is allowed on a server by copying
its ``NAME.key_public`` and ``NAME.sign_public`` into the server's edge-key folder.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import zmq.auth
from nacl.signing import SigningKey


class KeyFileError(ValueError):
    """A key file that is missing, unreadable or malformed; the message names the file."""


@dataclass(frozen=True)
class CurveKeyPair:
    """A CURVE key pair, both keys z85-encoded (40 bytes each)."""

    public: bytes
    secret: bytes


@dataclass(frozen=True)
class AllowedEdge:
    """An edge the server accepts: its name, CURVE public key and signing key (hex)."""

    name: str
    curve_public: bytes
    sign_public_hex: str


def _write_secret(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def generate_keys(name: str, directory: Path, overwrite: bool = False) -> list[Path]:
    """Create NAME's CURVE certificate and signing key in ``directory``; return the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / f"{name}{ext}" for ext in (".key", ".key_public", ".sign", ".sign_public")]
    existing = [p for p in paths if p.exists()]
    if existing and not overwrite:
        raise KeyFileError(f"{existing[0]}: already exists; refusing to overwrite a key")
    # pyzmq names its pair NAME.key (public) and NAME.key_secret; this project's
    # convention is NAME.key (secret) and NAME.key_public, so write aside and rename.
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        public, secret = zmq.auth.create_certificates(tmp, name)
        os.chmod(secret, 0o600)
        os.replace(secret, paths[0])
        os.replace(public, paths[1])
    seed = SigningKey.generate()
    _write_secret(paths[2], seed.encode().hex() + "\n")
    paths[3].write_text(seed.verify_key.encode().hex() + "\n")
    return paths


def load_curve_keypair(path: Path) -> CurveKeyPair:
    """Read a secret CURVE certificate (``NAME.key``)."""
    try:
        public, secret = zmq.auth.load_certificate(str(path))
    except (OSError, ValueError) as exc:
        raise KeyFileError(f"{path}: cannot read CURVE certificate: {exc}") from None
    if secret is None:
        raise KeyFileError(f"{path}: holds no secret key (did you pass the .key_public file?)")
    return CurveKeyPair(public=public, secret=secret)


def load_curve_public(path: Path) -> bytes:
    """Read the public key of a CURVE certificate (``NAME.key_public`` or ``NAME.key``)."""
    try:
        public, _ = zmq.auth.load_certificate(str(path))
    except (OSError, ValueError) as exc:
        raise KeyFileError(f"{path}: cannot read CURVE certificate: {exc}") from None
    return public


def load_signing_key(path: Path) -> SigningKey:
    """Read an Ed25519 signing key (``NAME.sign``, a hex seed)."""
    try:
        return SigningKey(bytes.fromhex(path.read_text().strip()))
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot read signing key: {exc.strerror or exc}") from None
    except ValueError:
        raise KeyFileError(f"{path}: not a 32-byte hex Ed25519 seed") from None


def _read_sign_public(path: Path) -> str:
    try:
        text = path.read_text().strip()
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot read signing public key: {exc.strerror or exc}") from None
    try:
        if len(bytes.fromhex(text)) != 32:
            raise ValueError
    except ValueError:
        raise KeyFileError(f"{path}: not a 32-byte hex Ed25519 public key") from None
    return text


def load_allowed_edges(sources: Path | list[Path]) -> list[AllowedEdge]:
    """Edges from folders of ``NAME.key_public`` + ``NAME.sign_public`` pairs, or such files.

    A CURVE key without its signing key is an error: the server could let the edge
    connect but would have to reject all of its evidence.
    """
    items = [sources] if isinstance(sources, Path) else list(sources)
    files: list[Path] = []
    for item in items:
        if item.is_dir():
            files.extend(sorted(item.glob("*.key_public")))
        elif item.suffix == ".key_public":
            files.append(item)
        else:
            raise KeyFileError(f"{item}: neither a folder of edge keys nor a .key_public file")
    edges = []
    for f in files:
        name = f.name.removesuffix(".key_public")
        sign = f.with_name(f"{name}.sign_public")
        if not sign.exists():
            raise KeyFileError(f"{sign}: missing; edge {name!r} needs its signing public key too")
        edges.append(AllowedEdge(name, load_curve_public(f), _read_sign_public(sign)))
    return edges
