"""The edge side of the link: a DEALER client thread that drains the spool and sends heartbeats."""
