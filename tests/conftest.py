"""Shared pytest fixtures. Fixture modules are imported here so pytest registers them."""

from conftest_pg import db_url, postgres_server  # noqa: F401
