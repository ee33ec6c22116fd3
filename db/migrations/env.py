"""Alembic environment: run programmatically by db.store.migrate(), or by the alembic
CLI with ``-x url=...``. Batch mode on SQLite (it cannot ALTER most things)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import db.booking_models  # (appointments, beside the queue)
import db.queue_models  # noqa: F401  (the hall queue's tables)
from db.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # type: ignore[attr-defined]
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    engine = create_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline SQL generation is not supported; give a database URL")
run_online()
