"""好差评 follow-ups and complaints come down to every workstation of their centre
(issue 17): a clerk on another PC sees, and can work, the follow-up the manager opened

Revision ID: c0016
Revises: c0013
Create Date: 2026-12-08

The sync protocol's shape does not change (schema version stays 2): the follow-ups
come through a function of their own, ``sync_follow_ups_v1``, which a program that
does not know it never calls; ``sync_push_v1`` is not rebuilt (only its follow-up and
audit-entry helpers are replaced).

- ``yc.follow_up`` records the transaction that last wrote each row
  (``changed_xid``) and the workstation that pushed it (``changed_ws``).
- The push's follow-up helper takes a shared advisory lock of the centre before it
  writes. ``sync_follow_ups_v1`` reads the centre's rows written after the caller's
  cursor by transactions older than the oldest one holding that centre's lock (the
  pull horizon of c0003, per centre: a centre holding its push open holds back only
  its own feed), never the rows the caller itself pushed.
- A follow-up may now be moved by any registered workstation of its centre (it is
  made, numbered and owned by one; its ``workstation`` never changes); an audit entry
  with no case may name any follow-up of the pushing centre. The forward-only rule of
  c0007 and the higher ``row_version`` still decide.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from alembic import context, op

from db.central import sql

revision = "c0016"
down_revision = "c0015"  # rechained at the merge: after the visits
branch_labels = None
depends_on = None

S, API = sql.SCHEMA, sql.API
LOCK_CLASS = 17017  # pg_advisory_xact_lock_shared(LOCK_CLASS, hashtext(centre))


def _c0007() -> ModuleType:
    """The follow-up texts as c0007 released them (a released revision never changes)."""
    path = Path(__file__).with_name("0007_follow_ups.py")
    spec = importlib.util.spec_from_file_location("yc_central_c0007", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TABLE = f"""
ALTER TABLE {S}.follow_up
  ADD COLUMN changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  ADD COLUMN changed_ws text NOT NULL DEFAULT '';
UPDATE {S}.follow_up SET changed_ws = workstation;
CREATE INDEX ix_follow_up_feed ON {S}.follow_up (centre_code, changed_xid, id);
"""

_OWNER_CHECKS = (
    "        WHEN s.workstation IS DISTINCT FROM ws THEN '好差评/投诉记录的工作站与上传的工作站不符'\n"
    "        WHEN s.no IS NULL OR s.no !~ ('^(CP|TS)-' || ws || '-[0-9]{8}-[0-9]{3,}$')\n"
    "          THEN '好差评/投诉编号须由本工作站代码编成'\n"
    "        WHEN o.id IS NOT NULL AND (o.centre_code <> me OR o.workstation <> ws)\n"
    "          THEN '此好差评/投诉记录属于其他中心或其他工作站'\n"
)
# a new one is made and numbered by the pushing workstation; a known one is moved by
# any workstation of its centre, which cannot change who made it or its number
_CENTRE_CHECKS = (
    "        WHEN o.id IS NULL AND s.workstation IS DISTINCT FROM ws\n"
    "          THEN '好差评/投诉记录的工作站与上传的工作站不符'\n"
    "        WHEN o.id IS NULL AND (s.no IS NULL\n"
    "             OR s.no !~ ('^(CP|TS)-' || ws || '-[0-9]{8}-[0-9]{3,}$'))\n"
    "          THEN '好差评/投诉编号须由本工作站代码编成'\n"
    "        WHEN o.id IS NOT NULL AND o.centre_code <> me\n"
    "          THEN '此好差评/投诉记录属于其他中心'\n"
    "        WHEN o.id IS NOT NULL AND (s.workstation IS DISTINCT FROM o.workstation\n"
    "             OR s.no IS DISTINCT FROM o.no)\n"
    "          THEN '好差评/投诉记录的编号和创建工作站不能改变'\n"
)
_INSERT = "    INSERT INTO follow_up ({cols})\n    SELECT {cols} FROM chk WHERE chk.why IS NULL\n"
_WRITTEN = "ON CONFLICT (id) DO UPDATE SET "


def apply_follow_up() -> str:
    text: str = _c0007().apply_follow_up()
    checks = _OWNER_CHECKS
    assert text.count(checks) == 1, "c0007's follow-up checks changed"
    text = text.replace(checks, _CENTRE_CHECKS)
    cols = ", ".join(_c0007().COLUMNS)
    insert = _INSERT.format(cols=cols)
    assert text.count(insert) == 1
    text = text.replace(
        insert,
        f"    INSERT INTO follow_up ({cols}, changed_ws)\n"
        f"    SELECT {cols}, ws FROM chk WHERE chk.why IS NULL\n",
    )
    assert text.count(_WRITTEN) == 1
    text = text.replace(
        _WRITTEN, _WRITTEN + "changed_xid = pg_current_xact_id(), changed_ws = excluded.changed_ws, "
    )
    begin = "BEGIN\n  WITH raw AS"
    assert text.count(begin) == 1
    return text.replace(
        begin,
        f"BEGIN\n  PERFORM pg_advisory_xact_lock_shared({LOCK_CLASS}, hashtext(me));\n  WITH raw AS",
    )


_SUBJECT = (
    "WHERE f.id::text = s.detail->>'follow_up_id' AND f.centre_code = me AND f.workstation = ws) "
    "THEN '所属的好差评/投诉记录在县中心不存在，或属于其他工作站'"
)


def apply_audit_entry() -> str:
    """c0007's: an entry with no case now names a follow-up of the pushing centre."""
    text: str = _c0007().apply_audit_entry()
    assert text.count(_SUBJECT) == 1
    return text.replace(
        _SUBJECT,
        "WHERE f.id::text = s.detail->>'follow_up_id' AND f.centre_code = me) "
        "THEN '所属的好差评/投诉记录在县中心不存在，或属于其他中心'",
    )


FEED = f"""
CREATE OR REPLACE FUNCTION {API}.sync_follow_ups_v1(req jsonb) RETURNS jsonb
LANGUAGE plpgsql {sql.DEFINER} AS $fn$
-- The caller's centre's follow-ups written after its cursor (changed_xid, id) by
-- transactions older than the oldest push of that centre still running (its pushes
-- hold the centre's advisory lock), except those the caller pushed itself; each row
-- as it stands now, with its version.
DECLARE {sql.CHECK_DECLARE}
  bound xid8; snap pg_snapshot; after_x xid8; after_id uuid; lim int; page jsonb; n int;
  last_x xid8; last_id uuid;
BEGIN
  {sql.caller_checks_v3()}
  after_x := coalesce(req->>'after_xid', '0')::xid8;
  after_id := coalesce(req->>'after_id', '00000000-0000-0000-0000-000000000000')::uuid;
  lim := least(greatest(coalesce((req->>'limit')::int, 500), 1), 5000);
  snap := pg_current_snapshot();
  SELECT min(x) INTO bound
    FROM pg_snapshot_xip(snap) AS x
   WHERE (x::text::numeric % 4294967296)::bigint IN (
      SELECT t.transactionid::text::bigint
        FROM pg_locks w
        JOIN pg_locks t ON t.virtualtransaction = w.virtualtransaction
                       AND t.locktype = 'transactionid' AND t.mode = 'ExclusiveLock' AND t.granted
       WHERE w.locktype = 'advisory'
         AND w.database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND w.classid = {LOCK_CLASS} AND w.objid = hashtext(me)::oid AND w.objsubid = 2);
  bound := coalesce(bound, pg_snapshot_xmax(snap));
  WITH pg AS (
    SELECT f.* FROM follow_up f
     WHERE f.centre_code = me AND (f.changed_xid, f.id) > (after_x, after_id)
       AND f.changed_xid < bound
     ORDER BY f.changed_xid, f.id LIMIT lim)
  SELECT count(*), coalesce(jsonb_agg(jsonb_build_object('xid', p.changed_xid::text,
      'id', p.id, 'mine', p.changed_ws = ws,
      'row', to_jsonb(p) - 'centre_code' - 'ws_seq' - 'received_at' - 'changed_xid' - 'changed_ws')
      ORDER BY p.changed_xid, p.id), '[]'::jsonb)
    INTO n, page FROM pg p;
  IF n > 0 THEN
    last_x := (page->-1->>'xid')::xid8; last_id := (page->-1->>'id')::uuid;
  END IF;
  IF n < lim THEN
    last_x := greatest(bound, after_x); last_id := '00000000-0000-0000-0000-000000000000';
  END IF;
  -- the caller's own pushes are not sent back (the cursor still passes them)
  SELECT coalesce(jsonb_agg(e), '[]'::jsonb) INTO page
    FROM jsonb_array_elements(page) AS e WHERE NOT (e->>'mine')::boolean;
  RETURN jsonb_build_object('changes', page, 'cursor',
      jsonb_build_object('xid', last_x::text, 'id', last_id),
    'more', n >= lim, 'notice', notice, 'schema', cur);
END $fn$;
"""


def grants(roles: sql.Roles) -> str:
    return f"""
REVOKE EXECUTE ON FUNCTION {API}.sync_follow_ups_v1(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {API}.sync_follow_ups_v1(jsonb) TO "{roles.centre_group}";
"""


def upgrade() -> None:
    roles = sql.Roles(context.config.attributes["prefix"])
    _run(f"SET search_path = {S}, pg_temp")
    _run(TABLE)
    _run(apply_follow_up())
    _run(apply_audit_entry())
    _run(FEED)
    _run(grants(roles))
    _run("SET search_path = public")


def downgrade() -> None:
    raise NotImplementedError("the central schema is not downgraded")


def _run(statement: str) -> None:
    # straight to psycopg without parameters, so the '%s' of format() and the ':' of
    # PL/pgSQL reach the server as written
    op.get_bind().connection.driver_connection.execute(statement)  # type: ignore[union-attr]
