"""The edge <-> server wire format: one definition imported by both sides.

``messages`` frames and validates ZeroMQ multipart messages, ``manifest`` signs and
verifies evidence manifests (Ed25519), ``keys`` reads and writes key files. Nothing
here imports ``server``.
"""
