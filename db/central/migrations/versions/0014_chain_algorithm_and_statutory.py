"""each workstation's audit chain checked with its own algorithm (SM3 or SHA-256,
issue 23); a 特别程序 ended at the county moves the due and the statutory date in the
case's own units (issue 16)

Revision ID: c0014
Revises: c0013
Create Date: 2026-12-08

- ``yc.audit_chain.algorithm`` / ``algorithm_seq``: fixed by the chain's first entry
  whose hash holds under SM3 or SHA-256 (the county takes nothing from the client it
  cannot check); every later entry must hold under it, and one that holds only under
  the other is a break of its own kind. Chains with an accepted entry are SM3 (the
  only algorithm checked before). Releasing a code clears it with the chain.
  (db/central/sql.py, c0014)
"""

from __future__ import annotations

from alembic import context, op

from db.central import sql

revision = "c0014"
down_revision = "c0013"
branch_labels = None
depends_on = None

S = sql.SCHEMA


def upgrade() -> None:
    roles = sql.Roles(context.config.attributes["prefix"])
    _run(f"SET search_path = {S}, pg_temp")
    _run(sql.AUDIT_CHAIN_ALGORITHM)
    _run(sql.audit_chain_function_v14(_crypto_schema()))
    _run(sql.RELEASE_WORKSTATION_V14)
    del roles
    _run("SET search_path = public")


def _crypto_schema() -> str:
    """Where pgcrypto is (c0005 made sure it is, with digest granted)."""
    conn = op.get_bind().connection.driver_connection  # type: ignore[union-attr]
    found = conn.execute(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pgcrypto'"
    ).fetchone()
    assert found is not None, "pgcrypto is installed by c0005"
    return str(found[0])


def downgrade() -> None:
    raise NotImplementedError("the central schema is not downgraded")


def _run(statement: str) -> None:
    # straight to psycopg without parameters, so the '%s' of format() and the ':' of
    # PL/pgSQL reach the server as written
    op.get_bind().connection.driver_connection.execute(statement)  # type: ignore[union-attr]
