"""registered workstations, case numbers bound to the pushing login and workstation,
a pull horizon no centre can hold back (issue 13)

Revision ID: c0003
Revises: c0002
Create Date: 2026-12-07

The sync protocol's shape does not change (schema version stays 2): the functions are
replaced in place with stricter checks.
"""

from __future__ import annotations

from alembic import context, op

from db.central import sql

revision = "c0003"
down_revision = "c0002"
branch_labels = None
depends_on = None

TABLES_V2 = (
    "cases", "applicant", "case_answer", "case_material", "notice_line", "audit_entry",
    "print_log", "queue_summary",
)  # fmt: skip


def upgrade() -> None:
    roles = sql.Roles(context.config.attributes["prefix"])
    _run("SET search_path = yc, pg_temp")
    # Workstations already seen stay registered (the county saw them sync); from now
    # on only `central add-workstation` registers a code. A registered code without
    # an install id is bound to the first computer that syncs with it.
    _run(
        """
ALTER TABLE workstation ALTER COLUMN install_id DROP NOT NULL;
ALTER TABLE workstation ADD COLUMN registered_by text NOT NULL DEFAULT 'c0003';
ALTER TABLE workstation ALTER COLUMN registered_by SET DEFAULT session_user;
"""
    )
    _run(sql.LOG_CHANGE_V3)
    _run(sql.apply_cases_function_v3())
    for name in TABLES_V2[1:]:
        _run(sql.apply_child_function_v3(sql.SPECS[name]))
    _run(sql.ROWWISE_V3)
    _run(sql.HORIZON)
    _run(sql.push_function_v3(TABLES_V2))
    _run(sql.PULL_V3)
    _run(sql.ADMIN_FUNCTIONS_V3)
    _run(sql.ADD_WORKSTATION)
    _run(sql.grants_v3(roles))
    _run("SET search_path = public")


def downgrade() -> None:
    raise NotImplementedError("the central schema is not downgraded")


def _run(statement: str) -> None:
    # straight to psycopg without parameters, so the '%s' of format() and the ':' of
    # PL/pgSQL reach the server as written
    op.get_bind().connection.driver_connection.execute(statement)  # type: ignore[union-attr]
