"""the county as the audit chain's anchor (issue 16): every chain break the county
finds is listed per workstation (yc.audit_break) until an administrator acknowledges
it with a reason; at each sync the workstation shows its chain's head, which the
county compares with the entry it received at that seq (a rewrite of already-synced
history, even with the whole chain recomputed and the local key at hand, is caught)

Revision ID: c0012
Revises: c0006
Create Date: 2026-12-07

- ``yc.audit_break``: one row per break found (kind ``arrival``: an entry that did
  not follow the chain when pushed, c0005's check; ``rewrite``: the workstation's head
  no longer matches what the county holds). Earlier breaks recorded on
  ``yc.audit_chain`` (broken_seq) are carried over.
- ``_audit_chain`` (the push's check, c0005) also lists each break there.
- ``audit_anchor_v1(req)`` (centre logins; the caller's centre and registered
  workstation checked as in every sync call): ``req.head = {seq, entry_hash}``; the
  answer says whether the county could compare (it holds that seq of the current
  chain) and whether it matched.
- ``ack_audit_break_v1(id, reason)`` (admin): marks a break looked into.
"""

from __future__ import annotations

from alembic import context, op

from db.central import sql

revision = "c0012"
down_revision = "c0009"  # rechained at the merge: after the bundles
branch_labels = None
depends_on = None

S, API = sql.SCHEMA, sql.API

TABLE = f"""
CREATE TABLE {S}.audit_break (
  id bigserial PRIMARY KEY,
  centre_code text NOT NULL REFERENCES {S}.centre,
  workstation text NOT NULL,
  seq bigint,
  kind text NOT NULL CHECK (kind IN ('arrival', 'rewrite')),
  reason text NOT NULL,
  found_at timestamptz NOT NULL DEFAULT now(),
  acked_at timestamptz,
  acked_by text,
  ack_reason text);
CREATE INDEX ix_audit_break_open ON {S}.audit_break (centre_code, workstation)
  WHERE acked_at IS NULL;
INSERT INTO {S}.audit_break (centre_code, workstation, seq, kind, reason, found_at)
  SELECT centre_code, workstation, broken_seq, 'arrival', broken_reason,
         coalesce(broken_at, now())
    FROM {S}.audit_chain WHERE broken_seq IS NOT NULL;
"""

ANCHOR = f"""
CREATE OR REPLACE FUNCTION {API}.audit_anchor_v1(req jsonb) RETURNS jsonb
LANGUAGE plpgsql {sql.DEFINER} AS $fn$
-- The workstation's head against the entry the county received at that seq (of the
-- chain under way: after a release the code's next computer starts a new one).
DECLARE {sql.CHECK_DECLARE}
  h record; s bigint := (req->'head'->>'seq')::bigint; eh text := req->'head'->>'entry_hash';
  held text; why text;
BEGIN
  {sql.caller_checks_v3()}
  SELECT * INTO h FROM audit_chain WHERE centre_code = me AND workstation = ws;
  IF s IS NULL OR h.anchored_seq IS NULL OR s < h.anchored_seq THEN
    RETURN jsonb_build_object('compared', false);
  END IF;
  SELECT a.entry_hash INTO held FROM audit_entry a
   WHERE a.centre_code = me AND a.workstation = ws AND a.seq = s AND a.seq >= h.anchored_seq
   ORDER BY a.at DESC LIMIT 1;
  IF held IS NULL THEN
    RETURN jsonb_build_object('compared', false);  -- not received yet
  END IF;
  IF held = eh THEN
    RETURN jsonb_build_object('compared', true, 'ok', true);
  END IF;
  why := format('工作站 %s-%s 的审计链在县中心收到后被改写：第 %s 条记录的哈希与县中心收到的不符'
                '（本机的记录连同其后的链被重算过）。请县中心核查该工作站，保留其数据库文件。', me, ws, s);
  IF NOT EXISTS (SELECT 1 FROM audit_break b WHERE b.centre_code = me AND b.workstation = ws
                   AND b.kind = 'rewrite' AND b.seq = s AND b.acked_at IS NULL) THEN
    INSERT INTO audit_break (centre_code, workstation, seq, kind, reason)
      VALUES (me, ws, s, 'rewrite', why);
    UPDATE audit_chain SET breaks = breaks + 1, broken_seq = coalesce(broken_seq, s),
        broken_reason = coalesce(broken_reason, why), broken_at = coalesce(broken_at, now())
      WHERE centre_code = me AND workstation = ws;
  END IF;
  RETURN jsonb_build_object('compared', true, 'ok', false, 'message', why);
END $fn$;

CREATE OR REPLACE FUNCTION {API}.ack_audit_break_v1(p_id bigint, p_reason text) RETURNS jsonb
LANGUAGE plpgsql {sql.DEFINER} AS $fn$
DECLARE b record;
BEGIN
  IF coalesce(btrim(p_reason), '') = '' THEN
    RAISE EXCEPTION USING ERRCODE = 'YC031', MESSAGE = '请写明核查结果（确认的原因）。';
  END IF;
  SELECT * INTO b FROM audit_break WHERE id = p_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'YC031', MESSAGE = format('没有编号为 %s 的审计链断点。', p_id);
  END IF;
  IF b.acked_at IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'YC031',
      MESSAGE = format('断点 %s 已于 %s 由 %s 确认：%s', p_id,
                       to_char(b.acked_at, 'YYYY-MM-DD HH24:MI'), b.acked_by, b.ack_reason);
  END IF;
  UPDATE audit_break SET acked_at = now(), acked_by = session_user, ack_reason = btrim(p_reason)
    WHERE id = p_id;
  RETURN jsonb_build_object('id', p_id, 'centre', b.centre_code, 'workstation', b.workstation);
END $fn$;
"""


def grants(roles: sql.Roles) -> str:
    return f"""
GRANT SELECT ON {S}.audit_break TO "{roles.admin}";
REVOKE EXECUTE ON FUNCTION {API}.audit_anchor_v1(jsonb), {API}.ack_audit_break_v1(bigint, text)
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {API}.audit_anchor_v1(jsonb) TO "{roles.centre_group}";
GRANT EXECUTE ON FUNCTION {API}.ack_audit_break_v1(bigint, text) TO "{roles.admin}";
"""


def upgrade() -> None:
    roles = sql.Roles(context.config.attributes["prefix"])
    _run(f"SET search_path = {S}, pg_temp")
    _run(TABLE)
    _run(sql.centre_policies("audit_break", roles))
    _run(sql.audit_chain_function_v12(_crypto_schema()))
    _run(ANCHOR)
    _run(grants(roles))
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
