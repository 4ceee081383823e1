"""Commands that join the edge and the server (the edge itself never imports the server)."""
