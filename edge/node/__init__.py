"""The per-camera edge node: capture -> detection -> recording -> spool -> send."""
