"""Event evidence: pre-event ring buffer, post-event recording, H.264 clips and snapshots."""
