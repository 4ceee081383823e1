"""The server's database: SQLAlchemy 2 models, Alembic migrations and the stores on top."""
