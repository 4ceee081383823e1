"""Build the evidence zip of one event.

The zip holds the event metadata exactly as the edge signed it, the signed manifest
envelope (Ed25519 over the metadata hash and every file's SHA-256), the clip and
snapshots, the review trail (informational, not covered by the signature) and a
short text on how to verify it. Files are written to a temporary file, not memory.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from fallwatch import __version__
from server.clips.store import ClipStore
from server.db.audit import AuditEntry
from server.db.models import EventFileRow, EventRow
from server.evidence.layout import EVENT_JSON, MANIFEST_JSON, README_TXT, REVIEW_JSON, member_name

_README = """Evidence export of fallwatch event {event_id} (camera {camera_id})
Exported {exported_at} by {exported_by} from fallwatch server {version}.

What is in this zip
  event.json     the event metadata exactly as the camera's edge node sent it
  manifest.json  the edge's signed manifest: SHA-256 of event.json (canonical
                 form) and of every file below, signed with Ed25519
  files/         the clip (H.264 MP4) and the snapshots, faces blurred on the edge
  review.json    who reviewed the event and when (not covered by the signature)

How to verify it
  1. With fallwatch installed:   fallwatch verify {zip_name}
     Pin the camera's key:       fallwatch verify {zip_name} --key {public_key}
  2. By hand: the signature in manifest.json ("signature", hex) must verify with
     Ed25519 public key "public_key" (hex) over the manifest object serialised as
     JSON with sorted keys, no spaces, UTF-8. Its "event_sha256" must equal the
     SHA-256 of event.json serialised the same way, and every entry of "files"
     must match the SHA-256 and size of files/KIND-NAME
     (for example: sha256sum files/*).
  3. Check that the public key above is the one registered for camera
     {camera_id} with the property office; a valid signature from another key
     proves nothing.
"""


@dataclass(frozen=True)
class ExportInput:
    event: EventRow
    files: list[EventFileRow]
    audit: list[AuditEntry]


class ExportError(RuntimeError):
    """The event cannot be exported (no signed manifest, a file missing from the store)."""


def _envelope(clips: ClipStore, manifests: list[EventFileRow], first: dict[str, Any] | None) -> dict[str, Any] | None:
    """The final manifest (a file sent after the clip) if it arrived, else the one
    that came with the alert."""
    envelopes = [first] if first else []
    for f in manifests:
        try:
            envelopes.append(json.loads(clips.path(f.rel_path).read_bytes()))
        except (OSError, ValueError) as exc:
            raise ExportError(f"manifest {f.name} is unreadable: {exc}") from None
    finals = [e for e in envelopes if isinstance(e, dict) and e.get("manifest", {}).get("final")]
    return (finals or envelopes or [None])[-1]


def write_export(data: ExportInput, clips: ClipStore, exported_by: str, exported_at: str, zip_name: str) -> IO[bytes]:
    """The zip as a rewound temporary file; raises ExportError when evidence is missing."""
    manifests = [f for f in data.files if f.kind == "manifest"]
    envelope = _envelope(clips, manifests, data.event.envelope)
    if envelope is None:
        raise ExportError(f"event {data.event.event_id} has no signed manifest to export")
    listed = {(f.get("kind"), f.get("name")) for f in envelope.get("manifest", {}).get("files", [])}
    ev = data.event
    review = {
        "status": ev.status,
        "reviewed_by": ev.reviewed_by,
        "reviewed_at_s": ev.reviewed_at_s,
        "audit": [a.__dict__ for a in data.audit],
        "stored_but_not_signed": sorted(
            f"{f.kind}-{f.name}" for f in data.files if f.kind != "manifest" and (f.kind, f.name) not in listed
        ),
    }
    out = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115 - returned open to the caller
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(EVENT_JSON, json.dumps(ev.data, indent=2, ensure_ascii=False))
        z.writestr(MANIFEST_JSON, json.dumps(envelope, indent=2))
        z.writestr(REVIEW_JSON, json.dumps(review, indent=2))
        for f in data.files:
            if (f.kind, f.name) not in listed:
                continue
            path = clips.path(f.rel_path)
            if not path.is_file():
                raise ExportError(f"the {f.kind} {f.name} is no longer in the clip store")
            # Clips are already compressed; storing them keeps the export fast.
            z.write(path, member_name(f.kind, f.name), compress_type=zipfile.ZIP_STORED)
        z.writestr(
            README_TXT,
            _README.format(
                event_id=ev.event_id,
                camera_id=ev.camera_id,
                exported_at=exported_at,
                exported_by=exported_by,
                version=__version__,
                zip_name=zip_name,
                public_key=envelope.get("public_key", "?"),
            ),
        )
    out.seek(0)
    return out
