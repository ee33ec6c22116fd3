"""the audit hash chain checked at the county (issue 16 item 3): audit entries carry
seq, prev_hash, row_hash and entry_hash; yc.audit_chain keeps each workstation's head
and its first break; a push checks every entry against it (db/central/sql.py, c0005)

Revision ID: c0005
Revises: c0004
Create Date: 2026-12-07

SM3 comes from pgcrypto (``digest(…, 'sm3')``, OpenSSL's): the extension is created
by the administrator running the upgrade (a trusted extension since PostgreSQL 13: a
database owner may), in its own schema ``yc_crypto`` unless it is already installed,
and the owner role may execute its ``digest`` only.
"""

from __future__ import annotations

from alembic import context, op

from db.central import sql

revision = "c0005"
down_revision = "c0004"
branch_labels = None
depends_on = None

TABLES_V2 = (
    "cases", "applicant", "case_answer", "case_material", "notice_line", "audit_entry",
    "print_log", "queue_summary",
)  # fmt: skip


def upgrade() -> None:
    roles = sql.Roles(context.config.attributes["prefix"])
    crypto = _pgcrypto(roles)
    _run("SET search_path = yc, pg_temp")
    _run(sql.AUDIT_CHAIN_TABLE)
    _run(sql.centre_policies("audit_chain", roles))
    _run(sql.apply_child_function_v3(sql.AUDIT_SPEC_V5))
    _run(sql.audit_chain_function(crypto))
    _run(sql.push_function_v5(TABLES_V2))
    _run(sql.RELEASE_WORKSTATION_V5)
    _run(sql.grants_v5(roles))
    _run("SET search_path = public")


def _pgcrypto(roles: sql.Roles) -> str:
    """The schema pgcrypto lives in (created in yc_crypto when missing), its digest
    executable by the owner role."""
    conn = op.get_bind().connection.driver_connection  # type: ignore[union-attr]
    conn.execute("RESET ROLE")  # the administrator running the upgrade
    try:
        found = conn.execute(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'pgcrypto'"
        ).fetchone()
        if found is None:
            conn.execute("CREATE SCHEMA IF NOT EXISTS yc_crypto")
            conn.execute("REVOKE ALL ON SCHEMA yc_crypto FROM PUBLIC")
            conn.execute("CREATE EXTENSION pgcrypto SCHEMA yc_crypto")
            schema = "yc_crypto"
        else:
            schema = str(found[0])
        conn.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO "{roles.owner}"')
        conn.execute(f'GRANT EXECUTE ON FUNCTION "{schema}".digest(bytea, text) TO "{roles.owner}"')
    finally:
        conn.execute(f'SET ROLE "{roles.owner}"')
    return schema


def downgrade() -> None:
    raise NotImplementedError("the central schema is not downgraded")


def _run(statement: str) -> None:
    # straight to psycopg without parameters, so the '%s' of format() and the ':' of
    # PL/pgSQL reach the server as written
    op.get_bind().connection.driver_connection.execute(statement)  # type: ignore[union-attr]
