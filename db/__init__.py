"""SQLAlchemy models, Alembic migrations, repositories (local SQLite and central PostgreSQL)."""
