"""联办 at the county (issue 21): the visits (``yc.application``) synced up with their
cases, and the 串联 status 等待前序环节

Revision ID: c0015
Revises: c0013
Create Date: 2026-12-08

- ``yc.application``: one visit of one applicant at one window for a bundle, pushed
  up in the batch that holds its cases (a new table of the push, ``application``,
  after ``cases``). Its cases are the cases whose ``application_id`` is its id *and*
  whose centre is its centre: a case of another centre never joins a visit here.
  The county trusts only what it can check: the centre is the pushing login's and
  the workstation the registered one that pushed (``ws``, c0003), whatever the row
  says; a row naming another centre, or an id the county holds for another centre or
  workstation, or listing (``case_ids``) a case the county holds for another centre
  or workstation, is quarantined. A visit is written once (it never changes after
  the intake): a second push of the same row is a no-op.
- 等待前序环节 (app/core/stages.py): a later stage's case accepted at the visit waits
  for the earlier stages; it then moves on to 已受理 / 容缺受理 (or is withdrawn).
  ``status_list`` and ``status_forward`` are rebuilt from the lifecycle with it
  (tests/sync/test_lifecycle_sync.py checks them against app/core/lifecycle).

The sync schema version stays 2; a county not yet upgraded refuses a batch holding
``application`` (YC006, "请县中心升级后再同步") and keeps it until it upgrades.
"""

from __future__ import annotations

from alembic import context, op

from db.central import sql

revision = "c0015"
down_revision = "c0014"  # rechained at the merge: after the chain algorithm
branch_labels = None
depends_on = None

S = sql.SCHEMA

TABLES = (  # c0008's, with application (each migration that rebuilds the push lists all)
    "cases", "application", "applicant", "case_answer", "case_material", "notice_line",
    "follow_up", "audit_entry", "print_log", "queue_summary", "hall_figures",
)  # fmt: skip

STATUSES = (
    "已受理", "容缺受理", "待补正", "不予受理", "已办结", "已补正", "待核准", "已退回", "已核准",
    "已出件", "已撤回", "补正逾期", "等待前序环节",
)  # fmt: skip
# c0004's moves and those out of 等待前序环节 (closed over the lifecycle's MOVES)
STATUS_FORWARD = (
    ("已受理", "已办结"), ("已受理", "待核准"), ("已受理", "已退回"), ("已受理", "已核准"),
    ("已受理", "已出件"), ("已受理", "已撤回"),
    ("容缺受理", "已受理"), ("容缺受理", "已办结"), ("容缺受理", "待核准"), ("容缺受理", "已退回"),
    ("容缺受理", "已核准"), ("容缺受理", "已出件"), ("容缺受理", "已撤回"),
    ("待补正", "已补正"), ("待补正", "已撤回"), ("待补正", "补正逾期"),
    ("已办结", "已出件"),
    ("待核准", "已办结"), ("待核准", "已退回"), ("待核准", "已核准"), ("待核准", "已出件"),
    ("待核准", "已撤回"),
    ("已退回", "已办结"), ("已退回", "待核准"), ("已退回", "已核准"), ("已退回", "已出件"),
    ("已退回", "已撤回"),
    ("已核准", "已办结"), ("已核准", "已出件"), ("已核准", "已撤回"),
    ("等待前序环节", "已受理"), ("等待前序环节", "容缺受理"), ("等待前序环节", "待核准"),
    ("等待前序环节", "已退回"), ("等待前序环节", "已核准"), ("等待前序环节", "已办结"),
    ("等待前序环节", "已出件"), ("等待前序环节", "已撤回"),
)  # fmt: skip

TABLE = f"""
CREATE TABLE {S}.application (
  id uuid PRIMARY KEY,
  centre_code text NOT NULL REFERENCES {S}.centre,
  workstation text NOT NULL,
  bundle_code text NOT NULL,
  bundle_name text NOT NULL,
  bundle_version text NOT NULL DEFAULT '',
  accepted_at timestamp NOT NULL,
  clerk text NOT NULL DEFAULT '',
  window_no text NOT NULL DEFAULT '',
  applicant_name text NOT NULL DEFAULT '',
  applicant_id_no text NOT NULL DEFAULT '',
  case_ids jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(case_ids) = 'array'),
  ws_seq bigint,
  received_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (centre_code, workstation) REFERENCES {S}.workstation (centre_code, code));
CREATE INDEX ix_application_centre_accepted ON {S}.application (centre_code, accepted_at);
CREATE INDEX IF NOT EXISTS ix_cases_application_id ON {S}.cases (application_id);
"""

COLUMNS = (
    "id", "centre_code", "workstation", "bundle_code", "bundle_name", "bundle_version",
    "accepted_at", "clerk", "window_no", "applicant_name", "applicant_id_no", "case_ids",
    "ws_seq",
)  # fmt: skip

APPLY = f"""
CREATE OR REPLACE FUNCTION {S}._apply_application(rows jsonb, me text, ws text, bseq bigint)
RETURNS jsonb LANGUAGE plpgsql {sql.HELPER} AS $fn$
-- Row security shows this function only the pushing centre's rows: a listed case
-- must be found among them (centre and workstation the caller's), and an id taken
-- by a visit it cannot see (another centre's) is found by the insert's conflict.
DECLARE qj jsonb; n bigint;
BEGIN
  WITH raw AS (
    SELECT * FROM jsonb_to_recordset(rows) AS r(
      id uuid, centre_code text, bundle_code text, bundle_name text, bundle_version text,
      accepted_at timestamp, clerk text, window_no text, applicant_name text,
      applicant_id_no text, case_ids jsonb, ws_seq bigint)),
  src AS (SELECT DISTINCT ON (id) * FROM raw ORDER BY id, ws_seq DESC),
  chk AS (
    SELECT s.*, (o.id IS NOT NULL) AS seen, CASE
        WHEN s.centre_code IS DISTINCT FROM me THEN '中心代码与本中心不符'
        WHEN s.id IS NULL OR s.bundle_code IS NULL OR s.bundle_name IS NULL
          OR s.accepted_at IS NULL OR jsonb_typeof(s.case_ids) IS DISTINCT FROM 'array'
          THEN '联办申请记录不完整'
        WHEN o.id IS NOT NULL AND (o.centre_code <> me OR o.workstation <> ws)
          THEN '此联办申请属于其他中心或本中心的其他工作站'
        WHEN EXISTS (
            SELECT 1 FROM jsonb_array_elements_text(s.case_ids) k
             WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.id::text = k
                                 AND c.centre_code = me AND c.workstation = ws))
          THEN '联办申请列出的办件在县中心不存在，或属于其他中心或本中心的其他工作站'
      END AS why
    FROM src s LEFT JOIN application o ON o.id = s.id),
  {sql._quarantine_cte("application", "coalesce(chk.id::text, '')")},
  ins AS (
    INSERT INTO application ({", ".join(COLUMNS)})
    SELECT chk.id, me, ws, chk.bundle_code, chk.bundle_name, coalesce(chk.bundle_version, ''),
      chk.accepted_at, coalesce(chk.clerk, ''), coalesce(chk.window_no, ''),
      coalesce(chk.applicant_name, ''), coalesce(chk.applicant_id_no, ''), chk.case_ids,
      chk.ws_seq
      FROM chk WHERE chk.why IS NULL
    ON CONFLICT (id) DO NOTHING  -- a visit never changes: the same row again is a no-op
    RETURNING id),
  taken AS (
    INSERT INTO quarantine (centre_code, workstation, batch_seq, tbl, row_key, reason, row_data)
    SELECT me, ws, bseq, 'application', chk.id::text,
      '此联办申请属于其他中心或本中心的其他工作站', to_jsonb(chk) - 'why'
      FROM chk WHERE chk.why IS NULL AND NOT chk.seen AND chk.id NOT IN (SELECT id FROM ins)
    RETURNING jsonb_build_object('tbl', tbl, 'key', row_key, 'reason', reason, 'row', row_data) AS j)
  SELECT (SELECT coalesce(jsonb_agg(j), '[]'::jsonb)
            FROM (SELECT j FROM q UNION ALL SELECT j FROM taken) x),
         (SELECT count(*) FROM ins)
    INTO qj, n;
  RETURN jsonb_build_object('applied', n, 'quarantined', qj, 'conflicts', '[]'::jsonb);
END $fn$;
"""


def upgrade() -> None:
    roles = sql.Roles(context.config.attributes["prefix"])
    statuses = ", ".join(f"'{s}'" for s in STATUSES)
    moves = ", ".join(f"('{a}', '{b}')" for a, b in STATUS_FORWARD)
    _run(f"SET search_path = {S}, pg_temp")
    _run(
        "CREATE OR REPLACE FUNCTION status_list() RETURNS text[] LANGUAGE sql IMMUTABLE AS "
        f"$$ SELECT ARRAY[{statuses}] $$"
    )
    _run(
        "CREATE OR REPLACE FUNCTION status_forward(a text, b text) RETURNS boolean "
        f"LANGUAGE sql IMMUTABLE AS $$ SELECT (a, b) IN ({moves}) $$"
    )
    _run(TABLE)
    _run(sql.centre_policies("application", roles))
    _run(APPLY)
    _run(sql.push_function_v5(TABLES))
    _run(
        f"REVOKE EXECUTE ON FUNCTION {S}._apply_application(jsonb, text, text, bigint) "
        f'FROM PUBLIC; GRANT SELECT ON {S}.application TO "{roles.admin}";'
    )
    _run("SET search_path = public")


def downgrade() -> None:
    raise NotImplementedError("the central schema is not downgraded")


def _run(statement: str) -> None:
    # straight to psycopg without parameters, so the '%s' of format() and the ':' of
    # PL/pgSQL reach the server as written
    op.get_bind().connection.driver_connection.execute(statement)  # type: ignore[union-attr]
