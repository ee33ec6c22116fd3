"""bookings made on the province's platform, held by the county per centre and pulled
by each hall (issue 20 item 3); the hall's check-ins and no-shows come back up

Revision ID: c0006
Revises: c0005
Create Date: 2026-12-07

The sync protocol's shape does not change (schema version stays 2): bookings go
through a function of their own, ``sync_bookings_v1``, which a program that does not
know it never calls. The main pull (``sync_pull_v1``) leaves the booking changes out.

- ``yc.booking``: one booking of one centre, keyed (centre, booking number). Only
  what the hall's check-in needs is kept: the name, the masked ID and phone, their
  last four and a hash of the whole ID number (the county never holds a whole ID or
  phone number of a booking). Its content never changes once published; its status
  moves forward only (booked → cancelled). The hall's report (checked in, no-show)
  sits beside it.
- ``publish_bookings_v1(centre, rows)`` (admin): all or none; a number already
  published with other content refuses the whole call (``YC021``); each new booking
  appends a change-log row for its centre. ``cancel_booking_v1`` (admin): refused for
  a booking the hall reported checked in (``YC023``); never waits for a row a centre
  holds (``NOWAIT``, ``YC013``), so no centre can hold the pull horizon through it.
- ``sync_bookings_v1(req)`` (centre logins): the caller's centre and registered
  workstation are checked as in every sync call (``session_user``, c0003); the hall's
  reports are written to the caller's centre's bookings only; then the changes after
  the hall's cursor, the caller's centre only, bounded by ``pull_horizon()``.
"""

from __future__ import annotations

from alembic import context, op

from db.central import sql

revision = "c0006"
down_revision = "c0005"
branch_labels = None
depends_on = None

S, API = sql.SCHEMA, sql.API

TABLE = """
CREATE TABLE booking (
  centre_code text NOT NULL REFERENCES centre,
  booking_no text NOT NULL CHECK (booking_no ~ '^[A-Z0-9-]{4,32}$'),
  category text NOT NULL,
  day date NOT NULL,
  start_time text NOT NULL CHECK (start_time ~ '^[0-2][0-9]:[0-5][0-9]$'),
  end_time text NOT NULL CHECK (end_time ~ '^[0-2][0-9]:[0-5][0-9]$'),
  name text NOT NULL,
  id_masked text NOT NULL DEFAULT '',
  id_last4 text NOT NULL DEFAULT '',
  id_hash text NOT NULL DEFAULT '',
  phone_masked text NOT NULL DEFAULT '',
  phone_last4 text NOT NULL DEFAULT '',
  status text NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'cancelled')),
  cancel_reason text NOT NULL DEFAULT '',
  version int NOT NULL DEFAULT 1,
  published_at timestamptz NOT NULL DEFAULT now(),
  published_by text NOT NULL DEFAULT session_user,
  hall_state text NOT NULL DEFAULT '' CHECK (hall_state IN ('', '已签到', '爽约')),
  hall_at timestamp,
  hall_ticket text NOT NULL DEFAULT '',
  hall_workstation text,
  hall_reported_at timestamptz,
  PRIMARY KEY (centre_code, booking_no));
CREATE INDEX ix_booking_centre_day ON booking (centre_code, day);
"""

# what a hall receives of a booking (no county bookkeeping, no other hall's report)
ROW = (
    "booking_no", "category", "day", "start_time", "end_time", "name", "id_masked",
    "id_last4", "id_hash", "phone_masked", "phone_last4", "status", "cancel_reason", "version",
)  # fmt: skip

PUBLISH = f"""
CREATE OR REPLACE FUNCTION {API}.publish_bookings_v1(p_centre text, rows jsonb) RETURNS jsonb
LANGUAGE plpgsql {sql.DEFINER} AS $fn$
-- Bookings of one centre, all or none. A number published before with the same
-- content is left as it is (a file published twice); with other content the whole
-- call is refused. A cancelled booking is not booked again under its number.
DECLARE clash text; n bigint;
BEGIN
  {sql.LOCK_CHANGE_LOG}
  IF NOT EXISTS (SELECT 1 FROM centre WHERE code = p_centre) THEN
    RAISE EXCEPTION USING ERRCODE = 'YC012', MESSAGE = format('没有中心 %s。', p_centre);
  END IF;
  SELECT string_agg(s.booking_no, '、' ORDER BY s.booking_no) INTO clash
    FROM jsonb_populate_recordset(NULL::booking, rows) s
    JOIN booking b ON b.centre_code = p_centre AND b.booking_no = s.booking_no
   WHERE (b.category, b.day, b.start_time, b.end_time, b.name, b.id_masked, b.id_last4,
          b.id_hash, b.phone_masked, b.phone_last4, b.status)
         IS DISTINCT FROM
         (s.category, s.day, s.start_time, s.end_time, s.name, coalesce(s.id_masked, ''),
          coalesce(s.id_last4, ''), coalesce(s.id_hash, ''), coalesce(s.phone_masked, ''),
          coalesce(s.phone_last4, ''), 'booked');
  IF clash IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'YC021',
      MESSAGE = '以下预约号已发布且内容不同（或已取消），本次一条也没有发布；预约号不能重复使用：' || clash;
  END IF;
  WITH ins AS (
    INSERT INTO booking (centre_code, booking_no, category, day, start_time, end_time, name,
                         id_masked, id_last4, id_hash, phone_masked, phone_last4)
    SELECT p_centre, s.booking_no, s.category, s.day, s.start_time, s.end_time, s.name,
           coalesce(s.id_masked, ''), coalesce(s.id_last4, ''), coalesce(s.id_hash, ''),
           coalesce(s.phone_masked, ''), coalesce(s.phone_last4, '')
      FROM jsonb_populate_recordset(NULL::booking, rows) s
     -- a number already there is not inserted again: an INSERT meeting it in the unique
     -- index would wait for a centre that holds that row (its report), horizon held
     WHERE NOT EXISTS (SELECT 1 FROM booking b WHERE b.centre_code = p_centre
                                                AND b.booking_no = s.booking_no)
    ON CONFLICT (centre_code, booking_no) DO NOTHING
    RETURNING booking_no),
  logged AS (
    INSERT INTO change_log (tbl, key, centre_code, origin)
    SELECT 'booking', booking_no, p_centre, 'county' FROM ins ORDER BY booking_no
    RETURNING 1)
  SELECT count(*) INTO n FROM logged;
  RETURN jsonb_build_object('added', n, 'unchanged', jsonb_array_length(rows) - n);
END $fn$;

CREATE OR REPLACE FUNCTION {API}.cancel_booking_v1(p_centre text, p_no text, p_reason text)
RETURNS jsonb LANGUAGE plpgsql {sql.DEFINER} AS $fn$
-- Cancelled at the county (the applicant cancelled on the platform): the hall frees
-- the place at its next pull. A booking the hall reported checked in stays as it is.
DECLARE b record;
BEGIN
  {sql.LOCK_CHANGE_LOG}
  IF coalesce(btrim(p_reason), '') = '' THEN
    RAISE EXCEPTION USING ERRCODE = 'YC022', MESSAGE = '请写明取消原因。';
  END IF;
  BEGIN
    SELECT * INTO b FROM booking WHERE centre_code = p_centre AND booking_no = p_no
      FOR UPDATE NOWAIT;
  EXCEPTION WHEN lock_not_available THEN
    RAISE EXCEPTION USING ERRCODE = 'YC013',
      MESSAGE = format('预约 %s 正在由大厅同步，县中心暂不能修改，请稍后重试。', p_no);
  END;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'YC022', MESSAGE = format('中心 %s 没有预约号 %s。', p_centre, p_no);
  END IF;
  IF b.hall_state = '已签到' THEN
    RAISE EXCEPTION USING ERRCODE = 'YC023',
      MESSAGE = format('预约 %s 已于 %s 在大厅签到（号码 %s），不能取消。', p_no,
                       to_char(b.hall_at, 'YYYY-MM-DD HH24:MI'), b.hall_ticket);
  END IF;
  IF b.status = 'cancelled' THEN
    RETURN jsonb_build_object('changed', false, 'version', b.version);
  END IF;
  UPDATE booking SET status = 'cancelled', cancel_reason = btrim(p_reason), version = version + 1
    WHERE centre_code = p_centre AND booking_no = p_no;
  INSERT INTO change_log (tbl, key, centre_code, origin) VALUES ('booking', p_no, p_centre, 'county');
  RETURN jsonb_build_object('changed', true, 'version', b.version + 1);
END $fn$;
"""

MAX_REPORTS = 20000  # a hall reports its last days' county bookings at each sync

_ROW_JSON = "jsonb_build_object(" + ", ".join(f"'{c}', b.{c}" for c in ROW) + ")"

SYNC = f"""
CREATE OR REPLACE FUNCTION {API}.sync_bookings_v1(req jsonb) RETURNS jsonb
LANGUAGE plpgsql {sql.DEFINER} AS $fn$
-- The caller's hall: its reports (checked in, no-show) written to its own centre's
-- bookings, then the booking changes after its cursor, its own centre's only, as they
-- stand now (with their version), bounded like every pull by pull_horizon().
DECLARE {sql.CHECK_DECLARE}
  bound xid8; after_x xid8; after_s bigint; lim int; page jsonb; n int; last_x xid8; last_s bigint;
  reported int := 0; conflicts jsonb := '[]';
BEGIN
  {sql.caller_checks_v3()}
  IF jsonb_typeof(req->'used') = 'array' AND jsonb_array_length(req->'used') > {MAX_REPORTS} THEN
    RAISE EXCEPTION USING ERRCODE = 'YC024',
      MESSAGE = '一次报告的预约签到、爽约记录过多，县中心拒收（最多 {MAX_REPORTS} 条）。';
  END IF;
  IF jsonb_typeof(req->'used') = 'array' AND jsonb_array_length(req->'used') > 0 THEN
    WITH r AS (
      SELECT DISTINCT ON (u.booking_no) u.booking_no, u.state, u.at, coalesce(u.ticket, '') AS ticket
        FROM jsonb_to_recordset(req->'used') AS u(booking_no text, state text, at timestamp, ticket text)
       WHERE u.state IN ('已签到', '爽约')
       ORDER BY u.booking_no, u.state = '已签到' DESC),
    upd AS (
      UPDATE booking b SET hall_state = r.state, hall_at = r.at, hall_ticket = left(r.ticket, 8),
             hall_workstation = ws, hall_reported_at = now()
        FROM r
       WHERE b.centre_code = me AND b.booking_no = r.booking_no
         AND (b.hall_state = '' OR (b.hall_state = '爽约' AND r.state = '已签到'))
      RETURNING b.booking_no, b.status, r.state, r.ticket),
    cf AS (
      INSERT INTO conflict (centre_code, workstation, tbl, row_key, rule, message, detail)
      SELECT me, ws, 'booking', upd.booking_no, 'booking_used_after_cancel',
             format('预约 %s 已在县中心取消，但大厅已签到（号码 %s）：以大厅签到为准。', upd.booking_no, upd.ticket),
             jsonb_build_object('ticket', upd.ticket)
        FROM upd WHERE upd.status = 'cancelled' AND upd.state = '已签到'
      RETURNING jsonb_build_object('tbl', tbl, 'key', row_key, 'rule', rule, 'message', message) AS j)
    SELECT (SELECT count(*) FROM upd), (SELECT coalesce(jsonb_agg(j), '[]'::jsonb) FROM cf)
      INTO reported, conflicts;
  END IF;
  after_x := coalesce(req->>'after_xid', '0')::xid8;
  after_s := coalesce((req->>'after_seq')::bigint, 0);
  lim := least(greatest(coalesce((req->>'limit')::int, 500), 1), 5000);
  bound := pull_horizon();
  WITH pg AS (
    SELECT c.xid, c.seq, c.key FROM change_log c
     WHERE c.tbl = 'booking' AND c.centre_code = me
       AND (c.xid, c.seq) > (after_x, after_s) AND c.xid < bound
     ORDER BY c.xid, c.seq LIMIT lim)
  SELECT count(*), coalesce(jsonb_agg(jsonb_build_object('xid', p.xid::text, 'seq', p.seq,
      'tbl', 'booking', 'key', p.key,
      'row', (SELECT {_ROW_JSON} FROM booking b WHERE b.centre_code = me AND b.booking_no = p.key))
      ORDER BY p.xid, p.seq), '[]'::jsonb)
    INTO n, page FROM pg p;
  IF n > 0 THEN
    last_x := (page->-1->>'xid')::xid8; last_s := (page->-1->>'seq')::bigint;
  END IF;
  IF n < lim THEN
    last_x := greatest(bound, after_x); last_s := 0;
  END IF;
  RETURN jsonb_build_object('changes', page, 'cursor',
      jsonb_build_object('xid', last_x::text, 'seq', last_s),
    'more', n >= lim, 'reported', reported, 'conflicts', conflicts, 'notice', notice,
    'schema', cur);
END $fn$;
"""

# the main pull leaves booking changes to sync_bookings_v1 (a hall applies them to its
# queue store, under a cursor kept there)
# (after c0004, whose pull sends the lifecycle's columns down)
PULL_V6 = sql.pull_without_bookings(sql.pull_with_lifecycle(sql.PULL_V3))


def grants(roles: sql.Roles) -> str:
    return (
        sql.grants_v3(roles)
        + f"""
GRANT EXECUTE ON FUNCTION {API}.sync_bookings_v1(jsonb) TO "{roles.centre_group}";
GRANT EXECUTE ON FUNCTION {API}.publish_bookings_v1(text, jsonb),
  {API}.cancel_booking_v1(text, text, text) TO "{roles.admin}";
"""
    )


def upgrade() -> None:
    roles = sql.Roles(context.config.attributes["prefix"])
    _run(f"SET search_path = {S}, pg_temp")
    _run(TABLE)
    _run(sql.centre_policies("booking", roles))
    _run(PUBLISH)
    _run(SYNC)
    _run(PULL_V6)
    _run(grants(roles))
    _run("SET search_path = public")


def downgrade() -> None:
    raise NotImplementedError("the central schema is not downgraded")


def _run(statement: str) -> None:
    # straight to psycopg without parameters, so the '%s' of format() and the ':' of
    # PL/pgSQL reach the server as written
    op.get_bind().connection.driver_connection.execute(statement)  # type: ignore[union-attr]
