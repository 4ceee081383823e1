"""Check an evidence zip offline: signature, metadata hash and every file's SHA-256."""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from edge.protocol.manifest import ManifestError, verify_manifest
from server.evidence.layout import EVENT_JSON, FILES_DIR, MANIFEST_JSON, member_name


@dataclass
class VerifyReport:
    """``problems`` empty means the export is intact and signed by ``public_key``."""

    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    public_key: str | None = None
    event_id: str | None = None
    camera_id: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.checked)


def verify_export(path: Path, pinned_key_hex: str | None = None) -> VerifyReport:
    report = VerifyReport()
    try:
        z = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        report.problems.append(f"{path}: not a readable zip: {exc}")
        return report
    with z:
        names = set(z.namelist())
        for needed in (EVENT_JSON, MANIFEST_JSON):
            if needed not in names:
                report.problems.append(f"{needed} is missing from the export")
        if report.problems:
            return report
        try:
            event = json.loads(z.read(EVENT_JSON))
            envelope = json.loads(z.read(MANIFEST_JSON))
        except ValueError as exc:
            report.problems.append(f"event.json or manifest.json is not JSON: {exc}")
            return report
        try:
            verified = verify_manifest(
                envelope, event=event, allowed_keys={pinned_key_hex} if pinned_key_hex else None
            )
        except ManifestError as exc:
            report.problems.append(f"manifest: {exc}")
            return report
        report.public_key = verified.public_key_hex
        report.event_id = verified.event_id
        report.camera_id = str(verified.manifest["camera_id"])
        report.checked.append("signature of manifest.json")
        report.checked.append("event.json matches the signed event_sha256")
        listed = set()
        for entry in verified.files:
            member = member_name(entry.kind, entry.name)
            listed.add(member)
            if member not in names:
                report.problems.append(f"{member} is listed in the manifest but missing from the export")
                continue
            data = z.read(member)
            digest = hashlib.sha256(data).hexdigest()
            if digest != entry.sha256 or len(data) != entry.size:
                report.problems.append(f"{member} was altered: SHA-256 {digest} differs from the signed {entry.sha256}")
            else:
                report.checked.append(f"{member} ({entry.size} bytes) matches its signed SHA-256")
        for extra in sorted(n for n in names if n.startswith(FILES_DIR) and n not in listed):
            report.problems.append(f"{extra} is not covered by the signed manifest")
    return report
