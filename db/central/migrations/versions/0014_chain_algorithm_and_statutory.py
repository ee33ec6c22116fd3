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
- ``yc.cases`` gains the case's promised limit (``limit_days``, ``limit_unit``), its
  statutory date and the item's statutory limit (``statutory_days``,
  ``statutory_unit``), pushed by the workstation with every case row (a county not
  yet upgraded ignores the keys; a workstation not yet updated sends none and the
  county keeps what it has). ``central step`` builds the case's state from them as
  the workstation does (app/core/lifecycle.case_state), so a 特别程序 ended at the
  county moves the due and the statutory date, each in its own unit; the pull sends
  the statutory date down. Existing rows are backfilled from the county's item
  versions, each case's intake entry and its calendar
  (db/central/steps.backfill_case_limits).
"""

from __future__ import annotations

from alembic import op

from db.central import sql
from db.central.steps import backfill_case_limits

revision = "c0014"
down_revision = "c0013"
branch_labels = None
depends_on = None

S = sql.SCHEMA


def upgrade() -> None:
    _run(f"SET search_path = {S}, pg_temp")
    _run(sql.AUDIT_CHAIN_ALGORITHM)
    _run(sql.audit_chain_function_v14(_crypto_schema()))
    _run(sql.RELEASE_WORKSTATION_V14)
    _run(sql.CASE_LIMITS_TABLE)
    _run(sql.apply_cases_function_v14())
    _run(sql.PULL_V14)
    _run(sql.STEP_FUNCTIONS_V14)
    backfill_case_limits(op.get_bind().connection.driver_connection)  # type: ignore[union-attr]
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
