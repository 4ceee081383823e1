"""The edge's durable outgoing spool: nothing is sent that is not committed here first."""
