"""the hall's daily figures pushed up (issue 17 item 3): ``yc.hall_figures``, one row
per centre, workstation and day, the newest version winning

Revision ID: c0008
Revises: c0006
Create Date: 2026-12-07

The figures go up through the outbox as a new table of the push, ``hall_figures``.
The county trusts only what it can check: the centre is the pushing login's and the
workstation the registered one that pushed (``ws`` of the push, c0003) — whatever a
row says; a row naming another centre is quarantined. Unlike ``queue_summary`` (whose
``source`` is the client's text) the key carries no name the client chose.

The sync schema version stays 2; a county not yet upgraded refuses a batch holding
``hall_figures`` (YC006, "请县中心升级后再同步") and keeps it until it upgrades.
"""

from __future__ import annotations

from alembic import context, op

from db.central import sql

revision = "c0008"
down_revision = "c0007"  # rechained at the merge: after the follow-ups
branch_labels = None
depends_on = None

TABLES = (  # c0007's, with hall_figures (each migration that rebuilds the push lists all)
    "cases", "applicant", "case_answer", "case_material", "notice_line", "follow_up",
    "audit_entry", "print_log", "queue_summary", "hall_figures",
)  # fmt: skip

TABLE = """
CREATE TABLE hall_figures (
  centre_code text NOT NULL REFERENCES centre,
  workstation text NOT NULL,
  day date NOT NULL,
  figures jsonb NOT NULL DEFAULT '{}',
  version bigint NOT NULL,
  ws_seq bigint,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (centre_code, workstation, day),
  FOREIGN KEY (centre_code, workstation) REFERENCES workstation (centre_code, code));
"""

APPLY = f"""
CREATE OR REPLACE FUNCTION {sql.SCHEMA}._apply_hall_figures(rows jsonb, me text, ws text, bseq bigint)
RETURNS jsonb LANGUAGE plpgsql {sql.HELPER} AS $fn$
DECLARE qj jsonb; n bigint;
BEGIN
  WITH raw AS (
    SELECT * FROM jsonb_to_recordset(rows)
      AS r(centre_code text, day date, figures jsonb, version bigint, ws_seq bigint)),
  src AS (SELECT DISTINCT ON (day) * FROM raw ORDER BY day, version DESC, ws_seq DESC),
  chk AS (
    SELECT s.*, CASE
        WHEN s.centre_code IS DISTINCT FROM me THEN '中心代码与本中心不符'
        WHEN s.day IS NULL OR s.version IS NULL OR jsonb_typeof(s.figures) <> 'object'
          THEN '统计行不完整'
      END AS why
    FROM src s),
  q AS (
    INSERT INTO quarantine (centre_code, workstation, batch_seq, tbl, row_key, reason, row_data)
    SELECT me, ws, bseq, 'hall_figures', coalesce(chk.day::text, ''), chk.why, to_jsonb(chk) - 'why'
      FROM chk WHERE chk.why IS NOT NULL
    RETURNING jsonb_build_object('tbl', tbl, 'key', row_key, 'reason', reason, 'row', row_data) AS j),
  ins AS (
    INSERT INTO hall_figures (centre_code, workstation, day, figures, version, ws_seq)
    SELECT me, ws, chk.day, chk.figures, chk.version, chk.ws_seq FROM chk WHERE chk.why IS NULL
    ON CONFLICT (centre_code, workstation, day) DO UPDATE
      SET figures = excluded.figures, version = excluded.version, ws_seq = excluded.ws_seq,
          received_at = now()
      WHERE hall_figures.version < excluded.version
    RETURNING 1)
  SELECT (SELECT coalesce(jsonb_agg(j), '[]'::jsonb) FROM q), (SELECT count(*) FROM ins)
    INTO qj, n;
  RETURN jsonb_build_object('applied', n, 'quarantined', qj, 'conflicts', '[]'::jsonb);
END $fn$;
"""


def upgrade() -> None:
    roles = sql.Roles(context.config.attributes["prefix"])
    _run("SET search_path = yc, pg_temp")
    _run(TABLE)
    _run(sql.centre_policies("hall_figures", roles))
    _run(APPLY)
    _run(sql.push_function_v5(TABLES))
    _run(
        f"REVOKE EXECUTE ON FUNCTION {sql.SCHEMA}._apply_hall_figures(jsonb, text, text, bigint) "
        f'FROM PUBLIC; GRANT SELECT ON {sql.SCHEMA}.hall_figures TO "{roles.admin}";'
    )
    _run("SET search_path = public")


def downgrade() -> None:
    raise NotImplementedError("the central schema is not downgraded")


def _run(statement: str) -> None:
    # straight to psycopg without parameters, so the '%s' of format() and the ':' of
    # PL/pgSQL reach the server as written
    op.get_bind().connection.driver_connection.execute(statement)  # type: ignore[union-attr]
