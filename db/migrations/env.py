"""Alembic environment: run programmatically by db.store.migrate(), or by the alembic
CLI with ``-x url=...``. Batch mode on SQLite (it cannot ALTER most things)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from db.schema import metadata

config = context.config
target_metadata = metadata()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection: Connection | None = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise SystemExit("no database to migrate: give its URL (alembic -x url=...)")
    if url.startswith("sqlite"):
        from db.store import create_store_engine  # the local file is encrypted (db/cipher.py)

        engine = create_store_engine(url)
    else:
        engine = create_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline SQL generation is not supported; give a database URL")
run_online()
