"""Signed evidence manifests (Ed25519 via PyNaCl).

A manifest binds an event's metadata (by the SHA-256 of its canonical JSON) and the
SHA-256 of every file of the event to the edge's signing key. The edge signs one
manifest when the event is detected (metadata and snapshots) and a final one when
the clip is recorded (everything); each file travels with a manifest that lists it.
The server verifies before storing and keeps the envelope with the event; an
exported envelope can be checked offline with ``verify_manifest``.

Envelope (JSON): ``{"manifest": {...}, "signature": hex, "public_key": hex}``; the
signature covers ``canonical_json(manifest)``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

MANIFEST_SCHEMA = 1
# Fields the server adds to a stored event; they are not part of what the edge signed.
SERVER_FIELDS = frozenset({"evidence", "edge_id", "received_at"})


class ManifestError(ValueError):
    """A manifest that is malformed, unsigned, tampered with or does not match its data."""


def canonical_json(obj: Any) -> bytes:
    """The byte form that is hashed and signed: sorted keys, no spaces, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_hex(data: bytes | memoryview) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class FileEntry:
    """One file of an event: ``kind`` is clip, snapshot, snapshot_clean or manifest."""

    kind: str
    name: str
    size: int
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "size": self.size, "sha256": self.sha256}


def event_sha256(event: dict[str, Any]) -> str:
    """SHA-256 of the event metadata as the edge signed it (server-added fields left out)."""
    return sha256_hex(canonical_json({k: v for k, v in event.items() if k not in SERVER_FIELDS}))


def build_manifest(event: dict[str, Any], files: list[FileEntry], final: bool) -> dict[str, Any]:
    """The manifest of ``event`` and ``files``; ``final`` when no more files will follow."""
    return {
        "schema": MANIFEST_SCHEMA,
        "event_id": event["event_id"],
        "camera_id": event["camera_id"],
        "event_sha256": event_sha256(event),
        "files": [f.to_dict() for f in files],
        "final": final,
    }


def sign_manifest(manifest: dict[str, Any], key: SigningKey) -> dict[str, Any]:
    """Wrap ``manifest`` in a signed envelope."""
    signature = key.sign(canonical_json(manifest)).signature
    return {
        "manifest": manifest,
        "signature": signature.hex(),
        "public_key": key.verify_key.encode().hex(),
    }


def _files_of(manifest: dict[str, Any]) -> list[FileEntry]:
    files = manifest.get("files")
    if not isinstance(files, list):
        raise ManifestError("manifest.files must be a list")
    out = []
    for i, f in enumerate(files):
        try:
            out.append(FileEntry(str(f["kind"]), str(f["name"]), int(f["size"]), str(f["sha256"])))
        except (KeyError, TypeError, ValueError):
            raise ManifestError(f"manifest.files[{i}] needs kind, name, size and sha256") from None
    return out


@dataclass(frozen=True)
class VerifiedManifest:
    """A manifest whose signature checked out, with the key that made it."""

    manifest: dict[str, Any]
    public_key_hex: str
    files: list[FileEntry]

    @property
    def event_id(self) -> str:
        return str(self.manifest["event_id"])

    def file(self, kind: str, name: str) -> FileEntry | None:
        return next((f for f in self.files if f.kind == kind and f.name == name), None)


def verify_manifest(
    envelope: Any,
    event: dict[str, Any] | None = None,
    allowed_keys: set[str] | None = None,
) -> VerifiedManifest:
    """Check an envelope's signature, and the event metadata against it when given.

    ``allowed_keys`` (hex Ed25519 public keys) restricts who may sign; ``None``
    accepts any key that verifies (offline checks that pin the key elsewhere).
    Raises ``ManifestError`` saying what does not match.
    """
    if not isinstance(envelope, dict):
        raise ManifestError("the envelope must be a JSON object")
    manifest, sig_hex, key_hex = (envelope.get(k) for k in ("manifest", "signature", "public_key"))
    if not isinstance(manifest, dict) or not isinstance(sig_hex, str) or not isinstance(key_hex, str):
        raise ManifestError("the envelope needs manifest (object), signature and public_key (hex)")
    if manifest.get("schema") != MANIFEST_SCHEMA:
        raise ManifestError(f"manifest schema {manifest.get('schema')!r} is not {MANIFEST_SCHEMA}")
    if allowed_keys is not None and key_hex not in allowed_keys:
        raise ManifestError("the manifest is signed by a key that is not allowed")
    try:
        VerifyKey(bytes.fromhex(key_hex)).verify(canonical_json(manifest), bytes.fromhex(sig_hex))
    except (ValueError, TypeError, BadSignatureError) as exc:
        raise ManifestError(f"bad signature: {exc}") from None
    if not isinstance(manifest.get("event_id"), str) or not isinstance(manifest.get("camera_id"), str):
        raise ManifestError("manifest.event_id and manifest.camera_id must be strings")
    if event is not None:
        if event.get("event_id") != manifest["event_id"]:
            raise ManifestError("event_id of the metadata differs from the manifest")
        if event_sha256(event) != manifest.get("event_sha256"):
            raise ManifestError("event metadata does not match the signed event_sha256")
    return VerifiedManifest(manifest, key_hex, _files_of(manifest))
