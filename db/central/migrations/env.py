"""Alembic environment of the central database. Run by db.central.admin (init/upgrade),
which passes the open connection and the role prefix; every object is created as the
owner role (SET ROLE), so the SECURITY DEFINER functions run as that non-superuser."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

config = context.config


def run() -> None:
    connection: Connection = config.attributes["connection"]
    owner: str = config.attributes["owner"]
    connection.exec_driver_sql(f'SET ROLE "{owner}"')
    context.configure(
        connection=connection,
        target_metadata=None,
        version_table_schema="yc",
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline SQL generation is not supported")
run()
