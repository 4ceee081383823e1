"""The HTTP API: one module per resource, JSON under /api/ plus health and metrics."""
