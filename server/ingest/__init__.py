"""ZeroMQ ingest: the server end of the edge link (ROUTER, ZAP, reassembly, idempotent storing)."""
