"""Persistence: typed SQLAlchemy 2 models, repositories and Alembic migrations."""
