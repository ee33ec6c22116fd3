"""好差评 follow-ups and complaints held by the county (issue 17 items 1 and 2): each
workstation pushes its follow-ups (``yc.follow_up``) and the audit entries of their
steps (entries with no case, in the workstation's chain)

Revision ID: c0007
Revises: c0006
Create Date: 2026-12-07

The sync protocol's shape does not change (schema version stays 2): the push accepts
one more table, ``follow_up``, applied before ``audit_entry``. A workstation whose
county is not upgraded gets the push's "unknown table" error (YC006) and keeps its
rows. What the county checks, trusting nothing a row says of itself:
- a follow-up carries the pushing login's centre and the pushing (registered)
  workstation, and a number made with that workstation's code (CP-/TS-<code>-…);
- an id the county holds already may be updated only by the workstation that made it,
  by a higher ``row_version``, and its status only moves as app/core/feedback.MOVES
  allows (any number of steps in one batch);
- an audit entry with no case must name (``detail.follow_up_id``) a follow-up of the
  same workstation; the entry's chain is checked as every entry's (c0005).
Refused rows go to the quarantine and never block the rest.
"""

from __future__ import annotations

from alembic import context, op

from db.central import sql

revision = "c0007"
down_revision = "c0006"
branch_labels = None
depends_on = None

S = sql.SCHEMA

# app/core/feedback.Status and MOVES, as they stood when this revision was written (a
# released revision never changes: a later rule change is a later revision)
STATUSES = ("待回访", "已回访", "已整改", "已反馈", "申诉中", "申诉成立")
MOVES = (
    ("待回访", "已回访"), ("已回访", "已整改"), ("已整改", "已反馈"),
    ("待回访", "申诉中"), ("已回访", "申诉中"), ("已整改", "申诉中"),
    ("申诉中", "待回访"), ("申诉中", "已回访"), ("申诉中", "已整改"), ("申诉中", "申诉成立"),
)  # fmt: skip


def forward_pairs() -> list[tuple[str, str]]:
    """Every (from, to) that steps can lead through, to another status."""
    pairs = set(MOVES)
    while True:
        more = {(a, d) for a, b in pairs for c, d in pairs if b == c} - pairs
        if not more:
            return sorted((a, b) for a, b in pairs if a != b)
        pairs |= more


TABLES_V7 = (
    "cases", "applicant", "case_answer", "case_material", "notice_line", "follow_up",
    "audit_entry", "print_log", "queue_summary",
)  # fmt: skip

TABLE = f"""
CREATE TABLE {S}.follow_up (
  id uuid PRIMARY KEY,
  centre_code text NOT NULL REFERENCES {S}.centre,
  workstation text NOT NULL,
  no text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('差评', '投诉')),
  channel text NOT NULL CHECK (channel IN ('评价器', '窗口', '电话')),
  status text NOT NULL CHECK (status IN ({", ".join(f"'{s}'" for s in STATUSES)})),
  opened_at timestamp NOT NULL,
  opened_on date NOT NULL,
  opened_by text NOT NULL,
  limit_days int NOT NULL CHECK (limit_days BETWEEN 5 AND 15),
  due_on date NOT NULL CHECK (due_on > opened_on),
  target text NOT NULL DEFAULT '',
  target_name text NOT NULL DEFAULT '',
  assignee text NOT NULL DEFAULT '',
  assignee_name text NOT NULL DEFAULT '',
  route text NOT NULL DEFAULT '',
  window_no text NOT NULL DEFAULT '',
  case_nos jsonb NOT NULL DEFAULT '[]',
  evaluation_id uuid,
  ticket_id uuid,
  ticket text NOT NULL DEFAULT '',
  level int CHECK (level BETWEEN 1 AND 2),
  applicant_name text NOT NULL DEFAULT '',
  contact text NOT NULL DEFAULT '',
  content text NOT NULL DEFAULT '',
  verified_on date, verified_by text NOT NULL DEFAULT '', founded boolean,
  rectified_on date, rectified_by text NOT NULL DEFAULT '',
  closed_on date, closed_by text NOT NULL DEFAULT '',
  appealed boolean NOT NULL DEFAULT false,
  resume_status text NOT NULL DEFAULT '',
  appeal_reason text NOT NULL DEFAULT '',
  appeal_granted boolean,
  decision_reason text NOT NULL DEFAULT '',
  decided_by text NOT NULL DEFAULT '',
  row_version int NOT NULL CHECK (row_version >= 1),
  ws_seq bigint,
  received_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (centre_code, no),
  UNIQUE (centre_code, evaluation_id));
CREATE INDEX ix_follow_up_centre_status_due ON {S}.follow_up (centre_code, status, due_on);
ALTER TABLE {S}.audit_entry ALTER COLUMN case_id DROP NOT NULL;
"""

COLUMNS = (
    "id", "centre_code", "workstation", "no", "kind", "channel", "status", "opened_at",
    "opened_on", "opened_by", "limit_days", "due_on", "target", "target_name", "assignee",
    "assignee_name", "route", "window_no", "case_nos", "evaluation_id", "ticket_id", "ticket",
    "level", "applicant_name", "contact", "content", "verified_on", "verified_by", "founded",
    "rectified_on", "rectified_by", "closed_on", "closed_by", "appealed", "resume_status",
    "appeal_reason", "appeal_granted", "decision_reason", "decided_by", "row_version", "ws_seq",
)  # fmt: skip


def apply_follow_up() -> str:
    cols = ", ".join(COLUMNS)
    sets = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS if c not in ("id", "centre_code"))
    forward = ", ".join(f"('{a}', '{b}')" for a, b in forward_pairs())
    return f"""
CREATE OR REPLACE FUNCTION {S}._apply_follow_up(rows jsonb, me text, ws text, bseq bigint)
RETURNS jsonb LANGUAGE plpgsql {sql.HELPER} AS $fn$
DECLARE qj jsonb; n bigint;
BEGIN
  WITH raw AS (SELECT * FROM jsonb_populate_recordset(NULL::{S}.follow_up, rows)),
  src AS (SELECT DISTINCT ON (id) * FROM raw ORDER BY id, ws_seq DESC),
  chk AS (
    SELECT s.*, CASE
        WHEN s.centre_code IS DISTINCT FROM me THEN '中心代码与本中心不符'
        WHEN s.workstation IS DISTINCT FROM ws THEN '好差评/投诉记录的工作站与上传的工作站不符'
        WHEN s.no IS NULL OR s.no !~ ('^(CP|TS)-' || ws || '-[0-9]{{8}}-[0-9]{{3,}}$')
          THEN '好差评/投诉编号须由本工作站代码编成'
        WHEN o.id IS NOT NULL AND (o.centre_code <> me OR o.workstation <> ws)
          THEN '此好差评/投诉记录属于其他中心或其他工作站'
        WHEN o.id IS NOT NULL AND o.status <> s.status
             AND (o.status, s.status) NOT IN ({forward})
          THEN format('状态只能按回访、整改、反馈、申诉复核的顺序前进（县中心为“%s”，上传为“%s”）',
                      o.status, s.status)
      END AS why
    FROM src s LEFT JOIN follow_up o ON o.id = s.id),
  {sql._quarantine_cte("follow_up", "chk.id::text")},
  ins AS (
    INSERT INTO follow_up ({cols})
    SELECT {cols} FROM chk WHERE chk.why IS NULL
    ON CONFLICT (id) DO UPDATE SET {sets}, received_at = now()
      WHERE follow_up.row_version < excluded.row_version
    RETURNING 1)
  SELECT (SELECT coalesce(jsonb_agg(j), '[]'::jsonb) FROM q), (SELECT count(*) FROM ins)
    INTO qj, n;
  RETURN jsonb_build_object('applied', n, 'quarantined', qj, 'conflicts', '[]'::jsonb);
END $fn$;
"""


_CASE_CHECK = (
    "WHEN NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = s.case_id AND c.workstation = ws) "
    "THEN '所属办件在县中心不存在，或属于其他中心或本中心的其他工作站'"
)
_SUBJECT_CHECK = (
    "WHEN s.case_id IS NULL AND NOT EXISTS (SELECT 1 FROM follow_up f "
    "WHERE f.id::text = s.detail->>'follow_up_id' AND f.centre_code = me AND f.workstation = ws) "
    "THEN '所属的好差评/投诉记录在县中心不存在，或属于其他工作站'\n        "
    "WHEN s.case_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM cases c "
    "WHERE c.id = s.case_id AND c.workstation = ws) "
    "THEN '所属办件在县中心不存在，或属于其他中心或本中心的其他工作站'"
)


def apply_audit_entry() -> str:
    """c0005's audit entry apply, an entry with no case belonging to a follow-up."""
    text = sql.apply_child_function_v3(sql.AUDIT_SPEC_V5)
    assert text.count(_CASE_CHECK) == 1
    return text.replace(_CASE_CHECK, _SUBJECT_CHECK)


def grants(roles: sql.Roles) -> str:
    return f"""
REVOKE EXECUTE ON FUNCTION {S}._apply_follow_up(jsonb, text, text, bigint) FROM PUBLIC;
GRANT SELECT ON {S}.follow_up TO "{roles.admin}";
"""


def upgrade() -> None:
    roles = sql.Roles(context.config.attributes["prefix"])
    _run(f"SET search_path = {S}, pg_temp")
    _run(TABLE)
    _run(sql.centre_policies("follow_up", roles))
    _run(apply_follow_up())
    _run(apply_audit_entry())
    _run(sql.push_function_v5(TABLES_V7))
    _run(grants(roles))
    _run("SET search_path = public")


def downgrade() -> None:
    raise NotImplementedError("the central schema is not downgraded")


def _run(statement: str) -> None:
    # straight to psycopg without parameters, so the '%s' of format() and the ':' of
    # PL/pgSQL reach the server as written
    op.get_bind().connection.driver_connection.execute(statement)  # type: ignore[union-attr]
