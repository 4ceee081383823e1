"""Retention: events kept N days, the clip store kept under its size, oldest first."""
