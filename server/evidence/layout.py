"""Names inside an evidence zip, shared by the exporter and the verifier."""

EVENT_JSON = "event.json"
MANIFEST_JSON = "manifest.json"
REVIEW_JSON = "review.json"
README_TXT = "VERIFY.txt"
FILES_DIR = "files/"


def member_name(kind: str, name: str) -> str:
    """Zip path of an evidence file listed in the manifest."""
    return f"{FILES_DIR}{kind}-{name}"
