"""queue summaries pushed up from the halls (sync schema version 2)

Revision ID: c0002
Revises: c0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import context, op

from db.central import sql

revision = "c0002"
down_revision = "c0001"
branch_labels = None
depends_on = None

SCHEMA_VERSION = 2
TABLES_V2 = (
    "cases", "applicant", "case_answer", "case_material", "notice_line", "audit_entry",
    "print_log", "queue_summary",
)  # fmt: skip


def upgrade() -> None:
    roles = sql.Roles(context.config.attributes["prefix"])
    _run("SET search_path = yc, pg_temp")
    _run(
        """
CREATE TABLE queue_summary (
  centre_code text NOT NULL REFERENCES centre,
  source text NOT NULL,
  day date NOT NULL,
  category text NOT NULL,
  figures jsonb NOT NULL DEFAULT '{}',
  version int NOT NULL,
  ws_seq bigint,
  PRIMARY KEY (centre_code, source, day, category));
"""
    )
    _run(sql.centre_policies("queue_summary", roles))
    _run(sql.apply_child_function(sql.SPECS["queue_summary"]))
    _run(sql.push_function(TABLES_V2))
    _run(f"UPDATE install SET schema_version = {SCHEMA_VERSION}")
    _run(sql.grants(roles))
    _run("SET search_path = public")


def downgrade() -> None:
    raise NotImplementedError("the central schema is not downgraded")


def _run(statement: str) -> None:
    # straight to psycopg without parameters, so the '%s' of format() and the ':' of
    # PL/pgSQL reach the server as written
    op.get_bind().connection.driver_connection.execute(statement)  # type: ignore[union-attr]
