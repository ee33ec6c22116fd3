"""the case lifecycle at the county: due date after clock stops, the clock stop under
way and the owner (首问负责) on each case; the statuses after intake (审查 → 待核准 →
已核准 → 已办结 → 已出件, 已退回, 已撤回, 补正逾期) accepted and sent down

Revision ID: c0004
Revises: c0003
Create Date: 2026-12-07

The steps themselves travel as audit entries (as before). A workstation pushes its
case row with the three new columns; the county keeps them and sends them down with
a case whose later steps happen there (``central set-status``). Status still moves
forward only: a move is forward when steps lead from the old status to the new one
(app/core/lifecycle.MOVES, closed here as STATUS_FORWARD). The one loop — a case the
chief returned (已退回) is reviewed again (待核准) — goes either way, so there the
higher row_version wins.

The sync protocol's shape does not change (schema version stays 2): a workstation
not yet updated simply sends no new columns, and one updated before the county sends
keys the old county ignores.
"""

from __future__ import annotations

from alembic import context, op

from db.central import sql

revision = "c0004"
down_revision = "c0003"
branch_labels = None
depends_on = None

STATUSES = (
    "已受理", "容缺受理", "待补正", "不予受理", "已办结", "已补正", "待核准", "已退回", "已核准",
    "已出件", "已撤回", "补正逾期",
)  # fmt: skip
# (old, new): steps lead from old to new (tests/sync/test_lifecycle_sync.py checks it
# against app/core/lifecycle)
STATUS_FORWARD = (
    ("已受理", "已办结"),
    ("已受理", "待核准"),
    ("已受理", "已退回"),
    ("已受理", "已核准"),
    ("已受理", "已出件"),
    ("已受理", "已撤回"),
    ("容缺受理", "已受理"),
    ("容缺受理", "已办结"),
    ("容缺受理", "待核准"),
    ("容缺受理", "已退回"),
    ("容缺受理", "已核准"),
    ("容缺受理", "已出件"),
    ("容缺受理", "已撤回"),
    ("待补正", "已补正"),
    ("待补正", "已撤回"),
    ("待补正", "补正逾期"),
    ("已办结", "已出件"),
    ("待核准", "已办结"),
    ("待核准", "已退回"),
    ("待核准", "已核准"),
    ("待核准", "已出件"),
    ("待核准", "已撤回"),
    ("已退回", "已办结"),
    ("已退回", "待核准"),
    ("已退回", "已核准"),
    ("已退回", "已出件"),
    ("已退回", "已撤回"),
    ("已核准", "已办结"),
    ("已核准", "已出件"),
    ("已核准", "已撤回"),
)
NEW_COLUMNS = sql.LIFECYCLE_COLUMNS


def apply_cases_v4() -> str:
    """c0003's _apply_cases with the three columns kept, and the loop's rule."""
    return sql.apply_cases_function_v4()


def pull_v4() -> str:
    return sql.pull_with_lifecycle(sql.PULL_V3)


# The county takes a step itself (`yichuang central step`): the program reads the case
# (case_life_v1), applies the lifecycle's rules in Python (app/core/lifecycle, the one
# place) and writes the result (record_case_step_v1) only if the case is still at the
# version it read. The workstation pulls the case with the step's audit entry.
STEP_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION {sql.API}.case_life_v1(p_case_no text) RETURNS jsonb
LANGUAGE sql STABLE {sql.DEFINER} AS $fn$
  SELECT jsonb_build_object(
    'case_no', c.case_no, 'status', c.status, 'row_version', c.row_version,
    'owner', c.owner, 'clerk', c.clerk, 'promised_date', c.promised_date,
    'due_date', c.due_date, 'supply_by', c.supply_by,
    'service_type', coalesce((SELECT i.doc->>'service_type' FROM item_version i
                              WHERE i.code = c.item_code AND i.version = c.item_version), '承诺件'),
    'deferred', (SELECT coalesce(jsonb_agg(m.name ORDER BY m.seq), '[]'::jsonb) FROM case_material m
                 WHERE m.case_id = c.id AND m.necessity = '容缺' AND m.status = '缺'),
    'audit', (SELECT coalesce(jsonb_agg(jsonb_build_object('at', a.at, 'actor', a.actor,
                'action', a.action, 'detail', a.detail) ORDER BY a.at), '[]'::jsonb)
              FROM audit_entry a WHERE a.case_id = c.id),
    'calendar', (SELECT coalesce(jsonb_agg(y.doc ORDER BY y.year), '[]'::jsonb) FROM calendar_year y))
  FROM cases c WHERE c.case_no = p_case_no
$fn$;

CREATE OR REPLACE FUNCTION {sql.API}.record_case_step_v1(p_case_no text, p_version int,
    p_changes jsonb, p_at timestamp, p_actor text, p_action text, p_detail jsonb)
RETURNS jsonb LANGUAGE plpgsql {sql.DEFINER} AS $fn$
DECLARE c record;
BEGIN
  {sql.LOCK_CHANGE_LOG}
  BEGIN
    SELECT * INTO c FROM cases WHERE case_no = p_case_no FOR UPDATE NOWAIT;
  EXCEPTION WHEN lock_not_available THEN
    RAISE EXCEPTION USING ERRCODE = 'YC013',
      MESSAGE = format('办件 %s 正在由工作站同步，县中心暂不能修改，请稍后重试。', p_case_no);
  END;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'YC010', MESSAGE = format('县中心没有办件 %s。', p_case_no);
  END IF;
  IF c.row_version <> p_version THEN
    RAISE EXCEPTION USING ERRCODE = 'YC014',
      MESSAGE = format('办件 %s 刚有新的办理（版本 %s → %s），请重新查看后再办理。',
                       p_case_no, p_version, c.row_version);
  END IF;
  IF p_changes ? 'status' AND NOT status_forward(c.status, p_changes->>'status') THEN
    RAISE EXCEPTION USING ERRCODE = 'YC011',
      MESSAGE = format('办件 %s 的状态只能前进：“%s”不能改为“%s”。', p_case_no, c.status,
                       p_changes->>'status');
  END IF;
  UPDATE cases SET
    status = coalesce(p_changes->>'status', status),
    owner = coalesce(p_changes->>'owner', owner),
    due_date = CASE WHEN p_changes ? 'due_date' THEN (p_changes->>'due_date')::date ELSE due_date END,
    clock_stopped_on = CASE WHEN p_changes ? 'clock_stopped_on'
                            THEN (p_changes->>'clock_stopped_on')::date ELSE clock_stopped_on END,
    completed_at = CASE WHEN p_changes ? 'completed_at'
                        THEN (p_changes->>'completed_at')::timestamp ELSE completed_at END,
    row_version = row_version + 1
    WHERE id = c.id;
  INSERT INTO audit_entry (id, case_id, centre_code, at, actor, action, detail, workstation)
    VALUES (gen_random_uuid(), c.id, c.centre_code, p_at, p_actor, p_action, p_detail, NULL);
  RETURN jsonb_build_object('row_version', c.row_version + 1);
END $fn$;
"""


def step_grants(admin_role: str) -> str:
    return f"""
REVOKE EXECUTE ON FUNCTION {sql.API}.case_life_v1(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION {sql.API}.record_case_step_v1(text, int, jsonb, timestamp, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {sql.API}.case_life_v1(text) TO "{admin_role}";
GRANT EXECUTE ON FUNCTION {sql.API}.record_case_step_v1(text, int, jsonb, timestamp, text, text, jsonb) TO "{admin_role}";
"""


def upgrade() -> None:
    statuses = ", ".join(f"'{s}'" for s in STATUSES)
    moves = ", ".join(f"('{a}', '{b}')" for a, b in STATUS_FORWARD)
    _run("SET search_path = yc, pg_temp")
    _run(
        """
ALTER TABLE cases ADD COLUMN due_date date;
ALTER TABLE cases ADD COLUMN clock_stopped_on date;
ALTER TABLE cases ADD COLUMN owner text NOT NULL DEFAULT '';
"""
    )
    # existing rows: no clock stop yet; the intake clerk owns the case. The change log
    # triggers fire only on a status or version change, so this sends nothing down.
    _run("UPDATE cases SET due_date = promised_date, owner = clerk")
    _run(
        "CREATE OR REPLACE FUNCTION status_list() RETURNS text[] LANGUAGE sql IMMUTABLE AS "
        f"$$ SELECT ARRAY[{statuses}] $$"
    )
    _run(
        "CREATE OR REPLACE FUNCTION status_forward(a text, b text) RETURNS boolean "
        f"LANGUAGE sql IMMUTABLE AS $$ SELECT (a, b) IN ({moves}) $$"
    )
    _run(apply_cases_v4())
    _run(pull_v4())
    _run(STEP_FUNCTIONS)
    _run(step_grants(sql.Roles(context.config.attributes["prefix"]).admin))
    _run("SET search_path = public")


def downgrade() -> None:
    raise NotImplementedError("the central schema is not downgraded")


def _run(statement: str) -> None:
    # straight to psycopg without parameters, so the '%s' of format() and the ':' of
    # PL/pgSQL reach the server as written
    op.get_bind().connection.driver_connection.execute(statement)  # type: ignore[union-attr]
