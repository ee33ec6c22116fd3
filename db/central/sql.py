"""SQL text of the central schema, generated from small table specs so that every
synced table is applied the same way: one set-based ``INSERT … SELECT FROM
jsonb_populate_recordset(…) ON CONFLICT`` per table and batch, refused rows to the
quarantine, and a row-by-row fallback that isolates a row the database itself refuses.

The migrations call these generators with explicit table lists; a later change of the
protocol gets a new migration (and, if its shape changes, a new ``_v2`` function).
"""

from __future__ import annotations

from dataclasses import dataclass

SCHEMA = "yc"  # tables; no grant to centre roles at all
API = "yc_api"  # the versioned functions a centre role may execute


@dataclass(frozen=True)
class Roles:
    prefix: str

    @property
    def owner(self) -> str:
        return f"{self.prefix}_owner"

    @property
    def admin(self) -> str:
        return f"{self.prefix}_admin"

    @property
    def centre_group(self) -> str:
        return f"{self.prefix}_centre"

    def centre_login(self, code: str) -> str:
        return f"{self.prefix}_{code}"


@dataclass(frozen=True)
class Spec:
    name: str
    key: tuple[str, ...]
    columns: tuple[str, ...]  # every column the batch may set (centre_code, ws_seq included)
    child_of_case: bool = True
    mode: str = "immutable"  # immutable: DO NOTHING; versioned: DO UPDATE WHERE version <


CHILD_META = ("centre_code", "ws_seq")

SPECS: dict[str, Spec] = {
    s.name: s
    for s in (
        Spec(
            "applicant",
            ("case_id",),
            (
                "case_id",
                "kind",
                "name",
                "id_type",
                "id_no",
                "phone",
                "address",
                "legal_rep",
                "agent_name",
                "agent_id_type",
                "agent_id_no",
                "agent_phone",
                *CHILD_META,
            ),
        ),
        Spec(
            "case_answer",
            ("case_id", "question_code"),
            ("case_id", "question_code", "ord", "question", "answer", *CHILD_META),
        ),
        Spec(
            "case_material",
            ("case_id", "seq"),
            (
                "case_id",
                "seq",
                "name",
                "medium",
                "necessity",
                "required_copies",
                "status",
                "copies",
                "reason",
                *CHILD_META,
            ),
        ),
        Spec(
            "notice_line",
            ("case_id", "seq"),
            ("case_id", "seq", "material", "problem", "requirement", "deferrable", *CHILD_META),
        ),
        Spec(
            "audit_entry",
            ("id",),
            ("id", "case_id", "at", "actor", "action", "detail", "workstation", *CHILD_META),
        ),
        Spec(
            "print_log",
            ("id",),
            (
                "id",
                "case_id",
                "ref",
                "what",
                "at",
                "who",
                "copies",
                "printer",
                "success",
                "message",
                "job_id",
                "file",
                *CHILD_META,
            ),
        ),
        Spec(
            "queue_summary",
            ("centre_code", "source", "day", "category"),
            ("source", "day", "category", "figures", "version", *CHILD_META),
            child_of_case=False,
            mode="versioned",
        ),
    )
}

CASE_COLUMNS = (
    "id", "centre_code", "case_no", "item_code", "item_version", "item_name", "decision",
    "status", "decision_reason", "legal_basis", "promised_date", "supply_by", "accepted_at",
    "completed_at", "clerk", "clerk_name", "on_behalf_of", "window_no", "workstation",
    "applicant_name", "applicant_id_no", "previous_case_id", "application_id", "row_version",
    "ws_seq",
)  # fmt: skip

# Forward-only case status: the allowed moves. Mirrored in db/sync/rules.py.
STATUS_MOVES = (
    ("容缺受理", "已受理"),
    ("容缺受理", "已办结"),
    ("已受理", "已办结"),
    ("待补正", "已补正"),
)
STATUSES = ("已受理", "容缺受理", "待补正", "不予受理", "已办结", "已补正")

DEFINER = f"SECURITY DEFINER SET search_path = {SCHEMA}, pg_temp"
HELPER = f"SET search_path = {SCHEMA}, pg_temp"


def _key_text(spec: Spec, alias: str) -> str:
    return " || '/' || ".join(f"{alias}.{k}::text" for k in spec.key)


def _quarantine_cte(table: str, key_expr: str) -> str:
    return f"""q AS (
    INSERT INTO quarantine (centre_code, workstation, batch_seq, tbl, row_key, reason, row_data)
    SELECT me, ws, bseq, '{table}', {key_expr}, chk.why, to_jsonb(chk) - 'why'
      FROM chk WHERE chk.why IS NOT NULL
    RETURNING jsonb_build_object('tbl', tbl, 'key', row_key, 'reason', reason, 'row', row_data) AS j)"""


RESERVED = frozenset({"deferrable"})


def quote(column: str) -> str:
    return f'"{column}"' if column in RESERVED else column


def apply_child_function(spec: Spec) -> str:
    cols = ", ".join(quote(c) for c in spec.columns)
    parent = (
        "WHEN NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = s.case_id) "
        "THEN '所属办件在县中心不存在或属于其他中心'"
        if spec.child_of_case
        else ""
    )
    if spec.mode == "versioned":
        sets = ", ".join(
            f"{quote(c)} = excluded.{quote(c)}" for c in spec.columns if c not in spec.key
        )
        on_conflict = f"DO UPDATE SET {sets} WHERE {spec.name}.version < excluded.version"
        dedupe = f"SELECT DISTINCT ON ({', '.join(spec.key)}) * FROM raw ORDER BY {', '.join(spec.key)}, ws_seq DESC"
    else:
        on_conflict = "DO NOTHING"
        dedupe = "SELECT * FROM raw"
    return f"""
CREATE OR REPLACE FUNCTION {SCHEMA}._apply_{spec.name}(rows jsonb, me text, ws text, bseq bigint)
RETURNS jsonb LANGUAGE plpgsql {HELPER} AS $fn$
DECLARE qj jsonb; n bigint;
BEGIN
  WITH raw AS (SELECT * FROM jsonb_populate_recordset(NULL::{SCHEMA}.{spec.name}, rows)),
  src AS ({dedupe}),
  chk AS (
    SELECT s.*, CASE
        WHEN s.centre_code IS DISTINCT FROM me THEN '中心代码与本中心不符'
        {parent}
      END AS why
    FROM src s),
  {_quarantine_cte(spec.name, _key_text(spec, "chk"))},
  ins AS (
    INSERT INTO {spec.name} ({cols})
    SELECT {cols} FROM chk WHERE chk.why IS NULL
    ON CONFLICT ({", ".join(spec.key)}) {on_conflict}
    RETURNING 1)
  SELECT (SELECT coalesce(jsonb_agg(j), '[]'::jsonb) FROM q), (SELECT count(*) FROM ins)
    INTO qj, n;
  RETURN jsonb_build_object('applied', n, 'quarantined', qj, 'conflicts', '[]'::jsonb);
END $fn$;
"""


def apply_cases_function() -> str:
    cols = ", ".join(CASE_COLUMNS)
    return f"""
CREATE OR REPLACE FUNCTION {SCHEMA}._apply_cases(rows jsonb, me text, ws text, bseq bigint)
RETURNS jsonb LANGUAGE plpgsql {HELPER} AS $fn$
DECLARE qj jsonb; cj jsonb; n bigint;
BEGIN
  WITH src AS (
    SELECT DISTINCT ON (id) * FROM jsonb_populate_recordset(NULL::{SCHEMA}.cases, rows)
    ORDER BY id, ws_seq DESC),
  chk AS (
    SELECT s.*, e.status AS e_status, e.row_version AS e_version, (e.id IS NOT NULL) AS e_exists,
      CASE
        WHEN s.centre_code IS DISTINCT FROM me THEN '中心代码与本中心不符'
        WHEN s.workstation IS DISTINCT FROM ws THEN '办件的工作站代码与上传的工作站不符'
        WHEN s.status IS NULL OR NOT (s.status = ANY (status_list())) THEN '办件状态无效'
      END AS why
    FROM src s LEFT JOIN cases e ON e.id = s.id),
  {_quarantine_cte("cases", "chk.id::text")},
  cf AS (
    INSERT INTO conflict (centre_code, workstation, tbl, row_key, rule, message, detail)
    SELECT me, ws, 'cases', chk.case_no, 'case_status_forward_only',
      format('办件 %s：县中心状态为“%s”，本机上传“%s”。办件状态只能前进，以县中心已处理的状态为准，本机将在下次下载时更新。',
             chk.case_no, chk.e_status, chk.status),
      jsonb_build_object('central', chk.e_status, 'local', chk.status,
                         'central_version', chk.e_version, 'local_version', chk.row_version)
    FROM chk
    WHERE chk.why IS NULL AND chk.e_exists AND chk.status <> chk.e_status
      AND NOT status_forward(chk.e_status, chk.status)
    RETURNING jsonb_build_object('tbl', tbl, 'key', row_key, 'rule', rule, 'message', message,
                                 'detail', detail) AS j),
  ins AS (
    INSERT INTO cases ({cols})
    SELECT {cols} FROM chk WHERE chk.why IS NULL
    ON CONFLICT (id) DO UPDATE SET
      status = excluded.status, completed_at = excluded.completed_at,
      supply_by = excluded.supply_by,
      row_version = GREATEST(cases.row_version, excluded.row_version),
      ws_seq = excluded.ws_seq
    WHERE status_forward(cases.status, excluded.status)
       OR (cases.status = excluded.status AND cases.row_version < excluded.row_version)
    RETURNING 1)
  SELECT (SELECT coalesce(jsonb_agg(j), '[]'::jsonb) FROM q),
         (SELECT coalesce(jsonb_agg(j), '[]'::jsonb) FROM cf),
         (SELECT count(*) FROM ins)
    INTO qj, cj, n;
  RETURN jsonb_build_object('applied', n, 'quarantined', qj, 'conflicts', cj);
END $fn$;
"""


ROWWISE = f"""
CREATE OR REPLACE FUNCTION {SCHEMA}._apply_rowwise(tbl text, rows jsonb, me text, ws text, bseq bigint)
RETURNS jsonb LANGUAGE plpgsql {HELPER} AS $fn$
-- The slow path, taken only when the set-based statement failed: each row in its own
-- subtransaction, so the one row the database refuses is quarantined and the rest go in.
DECLARE e jsonb; r jsonb; n bigint := 0; qj jsonb := '[]'; cj jsonb := '[]'; why text; k text;
BEGIN
  FOR e IN SELECT value FROM jsonb_array_elements(rows) LOOP
    BEGIN
      EXECUTE format('SELECT {SCHEMA}._apply_%s($1, $2, $3, $4)', tbl)
        INTO r USING jsonb_build_array(e), me, ws, bseq;
      n := n + (r->>'applied')::bigint;
      qj := qj || (r->'quarantined');
      cj := cj || (r->'conflicts');
    EXCEPTION WHEN OTHERS THEN
      why := CASE SQLSTATE
          WHEN '23505' THEN '与县中心已有记录重复（编号或主键已被占用：工作站代码重复或数据被复制？）'
          WHEN '42501' THEN '无权写入：该记录属于其他中心'
          WHEN '23503' THEN '所属记录在县中心不存在'
          ELSE '县中心拒收此行'
        END || '：' || SQLERRM;
      k := coalesce(e->>'id', e->>'case_id', '');
      INSERT INTO quarantine (centre_code, workstation, batch_seq, tbl, row_key, reason, row_data)
        VALUES (me, ws, bseq, tbl, k, why, e);
      qj := qj || jsonb_build_array(jsonb_build_object('tbl', tbl, 'key', k, 'reason', why, 'row', e));
    END;
  END LOOP;
  RETURN jsonb_build_object('applied', n, 'quarantined', qj, 'conflicts', cj);
END $fn$;
"""


def caller_checks() -> str:
    """PL/pgSQL that finds the caller's centre (by session_user: inside a SECURITY
    DEFINER function current_user is the owner) and checks schema version and install."""
    return """
  SELECT code INTO me FROM centre WHERE role_name = session_user;
  IF me IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'YC001',
      MESSAGE = format('账号 %s 不是任何中心的同步账号，县中心拒绝同步。请用县中心为本中心分配的账号（yichuang sync set-up）。', session_user);
  END IF;
  SELECT schema_version INTO cur FROM install;
  v := (req->>'schema')::int;
  IF v IS NULL OR v > cur THEN
    RAISE EXCEPTION USING ERRCODE = 'YC002',
      MESSAGE = format('县中心数据库结构版本为 %s，本工作站程序为 %s，县中心尚未升级。请县中心管理员运行 yichuang central upgrade；在此之前办件照常保存在本机，不会丢失。', cur, coalesce(v::text, '未知'));
  ELSIF v < cur - 1 THEN
    RAISE EXCEPTION USING ERRCODE = 'YC002',
      MESSAGE = format('本工作站程序过旧（同步结构版本 %s，县中心为 %s），县中心不再接收。请升级一窗通后再同步；办件保存在本机，不会丢失。', v, cur);
  END IF;
  IF req->>'centre' IS DISTINCT FROM me THEN
    RAISE EXCEPTION USING ERRCODE = 'YC003',
      MESSAGE = format('本机设置的中心代码 %s 与同步账号所属中心 %s 不符，县中心拒收。请检查本机设置中的中心代码或同步账号。', coalesce(req->>'centre', '（空）'), me);
  END IF;
  ws := req->>'workstation';
  IF ws IS NULL OR ws !~ '^[A-Z0-9]{2}$' THEN
    RAISE EXCEPTION USING ERRCODE = 'YC003', MESSAGE = format('工作站代码“%s”无效，应为2位大写字母或数字。', coalesce(ws, ''));
  END IF;
  INSERT INTO workstation (centre_code, code, install_id, machine, schema_version)
    VALUES (me, ws, (req->>'install_id')::uuid, coalesce(req->>'machine', ''), v)
    ON CONFLICT DO NOTHING;
  SELECT * INTO wsrow FROM workstation WHERE centre_code = me AND code = ws FOR UPDATE;
  IF wsrow.install_id IS DISTINCT FROM (req->>'install_id')::uuid THEN
    RAISE EXCEPTION USING ERRCODE = 'YC004',
      MESSAGE = format('工作站代码 %s 已由另一台电脑（安装号 %s…）使用，县中心拒绝同步，以免两台电脑的办件编号重复。复制的系统盘或更换的电脑须由县中心分配新的工作站代码（或由县中心管理员释放旧代码：yichuang central release-workstation %s %s）。本机办件已保存，不会丢失。', ws, left(wsrow.install_id::text, 8), me, ws);
  END IF;
  UPDATE workstation SET last_seen = now(), schema_version = v WHERE centre_code = me AND code = ws;
  IF v < cur THEN
    notice := format('本工作站程序比县中心旧一个版本（%s / %s），仍可同步。请尽快升级一窗通。', v, cur);
  END IF;
"""


CHECK_DECLARE = "me text; ws text; v int; cur int; wsrow record; notice text;"


def push_function(tables: tuple[str, ...]) -> str:
    names = ", ".join(f"'{t}'" for t in tables)
    return f"""
CREATE OR REPLACE FUNCTION {API}.sync_push_v1(req jsonb) RETURNS jsonb
LANGUAGE plpgsql {DEFINER} AS $fn$
DECLARE {CHECK_DECLARE}
  bseq bigint := (req->>'batch_seq')::bigint;
  t jsonb := coalesce(req->'tables', '{{}}'::jsonb);
  allowed text[] := ARRAY[{names}];
  tname text; r jsonb; applied bigint := 0; qj jsonb := '[]'; cj jsonb := '[]'; prev record;
BEGIN
  {caller_checks()}
  IF EXISTS (SELECT 1 FROM jsonb_object_keys(t) k WHERE NOT (k = ANY (allowed))) THEN
    RAISE EXCEPTION USING ERRCODE = 'YC006',
      MESSAGE = '批次中有县中心不认识的数据表，本工作站程序可能比县中心新。请县中心升级后再同步。';
  END IF;
  IF bseq IS NULL OR bseq < 1 THEN
    RAISE EXCEPTION USING ERRCODE = 'YC005', MESSAGE = '批次编号无效。';
  END IF;
  IF bseq <= wsrow.last_batch_seq THEN
    -- a batch sent again (its acknowledgement was lost): a no-op, if it is the same batch
    SELECT * INTO prev FROM inbox
      WHERE centre_code = me AND workstation = ws AND install_id = wsrow.install_id
        AND batch_seq = bseq;
    IF NOT FOUND OR prev.digest IS DISTINCT FROM req->>'digest' THEN
      RAISE EXCEPTION USING ERRCODE = 'YC005',
        MESSAGE = format('第 %s 批与县中心已收到的同号批次内容不同：本机数据库可能是从备份恢复的，或被复制到了另一台电脑。为免覆盖，已停止上传，请联系县中心。本机办件已保存。', bseq);
    END IF;
    RETURN jsonb_build_object('status', 'duplicate', 'batch_seq', bseq, 'notice', notice,
      'applied', 0,
      'quarantined', (SELECT coalesce(jsonb_agg(jsonb_build_object('tbl', tbl, 'key', row_key,
                        'reason', reason, 'row', row_data)), '[]'::jsonb)
                      FROM quarantine WHERE centre_code = me AND workstation = ws
                        AND batch_seq = bseq AND install_id = wsrow.install_id),
      'conflicts', '[]'::jsonb);
  END IF;
  IF bseq <> wsrow.last_batch_seq + 1 THEN
    RAISE EXCEPTION USING ERRCODE = 'YC005',
      MESSAGE = format('批次编号不连续：县中心已收到第 %s 批，本次为第 %s 批。本机数据库可能被替换过，已停止上传，请联系县中心。', wsrow.last_batch_seq, bseq);
  END IF;
  INSERT INTO inbox (centre_code, workstation, install_id, batch_seq, first_seq, last_seq, digest, schema_version)
    VALUES (me, ws, wsrow.install_id, bseq, (req->>'first_seq')::bigint, (req->>'last_seq')::bigint,
            req->>'digest', v);
  UPDATE workstation SET last_batch_seq = bseq WHERE centre_code = me AND code = ws;
  PERFORM set_config('yc.push_ws', ws, true);  -- tells the change log who made a change
  PERFORM set_config('yc.push_install', wsrow.install_id::text, true);
  FOREACH tname IN ARRAY allowed LOOP
    IF jsonb_typeof(t->tname) = 'array' AND jsonb_array_length(t->tname) > 0 THEN
      BEGIN
        EXECUTE format('SELECT {SCHEMA}._apply_%s($1, $2, $3, $4)', tname)
          INTO r USING t->tname, me, ws, bseq;
      EXCEPTION WHEN OTHERS THEN
        r := _apply_rowwise(tname, t->tname, me, ws, bseq);
      END;
      applied := applied + (r->>'applied')::bigint;
      qj := qj || (r->'quarantined');
      cj := cj || (r->'conflicts');
    END IF;
  END LOOP;
  UPDATE inbox SET rows_applied = applied, rows_quarantined = jsonb_array_length(qj)
    WHERE centre_code = me AND workstation = ws AND install_id = wsrow.install_id AND batch_seq = bseq;
  RETURN jsonb_build_object('status', 'applied', 'batch_seq', bseq, 'notice', notice,
    'applied', applied, 'quarantined', qj, 'conflicts', cj);
END $fn$;
"""


PULL = f"""
CREATE OR REPLACE FUNCTION {API}.sync_pull_v1(req jsonb) RETURNS jsonb
LANGUAGE plpgsql {DEFINER} AS $fn$
-- Changes after the caller's cursor (xid, seq), only from transactions older than the
-- oldest one still running: a transaction that commits late is never skipped, its rows
-- come with a later pull. Rows are sent as they stand now, with their versions, so
-- applying them is idempotent and does not depend on order.
DECLARE {CHECK_DECLARE}
  bound xid8; after_x xid8; after_s bigint; lim int; page jsonb; n int; last_x xid8; last_s bigint;
  remaining bigint;
BEGIN
  {caller_checks()}
  after_x := coalesce(req->>'after_xid', '0')::xid8;
  after_s := coalesce((req->>'after_seq')::bigint, 0);
  lim := least(greatest(coalesce((req->>'limit')::int, 500), 1), 5000);
  bound := pg_snapshot_xmin(pg_current_snapshot());
  WITH visible AS (
    SELECT c.xid, c.seq, c.tbl, c.key, c.key2 FROM change_log c
    WHERE (c.xid, c.seq) > (after_x, after_s) AND c.xid < bound
      AND (c.centre_code IS NULL
           OR (c.centre_code = me
               AND (c.tbl <> 'cases' OR (c.workstation = ws AND c.origin IS DISTINCT FROM ws))))),
  pg AS (SELECT * FROM visible ORDER BY xid, seq LIMIT lim)
  SELECT count(*), coalesce(jsonb_agg(jsonb_build_object('xid', p.xid::text, 'seq', p.seq,
      'tbl', p.tbl, 'key', p.key, 'row',
      CASE p.tbl
        WHEN 'item_version' THEN (SELECT jsonb_build_object('code', i.code, 'version', i.version,
            'content_hash', i.content_hash, 'doc', i.doc)
            FROM item_version i WHERE i.code = p.key AND i.version = p.key2)
        WHEN 'calendar_year' THEN (SELECT jsonb_build_object('year', y.year, 'version', y.version, 'doc', y.doc)
            FROM calendar_year y WHERE y.year = p.key::int)
        WHEN 'clerk' THEN (SELECT to_jsonb(k) - 'centre_code' FROM clerk k
            WHERE k.centre_code = me AND k.login = p.key)
        WHEN 'cases' THEN (SELECT jsonb_build_object('id', c.id, 'case_no', c.case_no,
            'status', c.status, 'completed_at', c.completed_at, 'row_version', c.row_version,
            'audit', (SELECT coalesce(jsonb_agg(to_jsonb(a) - 'centre_code' - 'ws_seq'), '[]'::jsonb)
                      FROM audit_entry a WHERE a.case_id = c.id AND a.workstation IS NULL))
            FROM cases c WHERE c.id = p.key::uuid)
      END) ORDER BY p.xid, p.seq), '[]'::jsonb)
    INTO n, page FROM pg p;
  IF coalesce((req->>'count')::boolean, false) THEN
    SELECT count(*) INTO remaining FROM change_log c
      WHERE (c.xid, c.seq) > (after_x, after_s) AND c.xid < bound
        AND (c.centre_code IS NULL
             OR (c.centre_code = me
                 AND (c.tbl <> 'cases' OR (c.workstation = ws AND c.origin IS DISTINCT FROM ws))));
  END IF;
  IF n > 0 THEN
    last_x := (page->-1->>'xid')::xid8; last_s := (page->-1->>'seq')::bigint;
  END IF;
  IF n < lim THEN
    last_x := greatest(bound, after_x); last_s := 0;
  END IF;
  RETURN jsonb_build_object('changes', page, 'cursor',
      jsonb_build_object('xid', last_x::text, 'seq', last_s),
    'more', n >= lim, 'remaining', remaining, 'notice', notice, 'schema', cur);
END $fn$;
"""


SERVER_INFO = f"""
CREATE OR REPLACE FUNCTION {API}.server_info_v1() RETURNS jsonb
LANGUAGE sql STABLE {DEFINER} AS $fn$
  SELECT jsonb_build_object(
    'schema', i.schema_version,
    'accepts', jsonb_build_array(i.schema_version - 1, i.schema_version),
    'centre', (SELECT c.code FROM centre c WHERE c.role_name = session_user),
    'centre_name', (SELECT c.name FROM centre c WHERE c.role_name = session_user),
    'role', session_user::text)
  FROM install i
$fn$;
"""

ADMIN_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION {API}.publish_items_v1(items jsonb) RETURNS jsonb
LANGUAGE plpgsql {DEFINER} AS $fn$
-- Publish item versions, all or none. A published version never changes.
DECLARE clash text; n bigint;
BEGIN
  SELECT string_agg(format('%s（版本 %s）', s.code, s.version), '、') INTO clash
    FROM jsonb_to_recordset(items) AS s(code text, version text, content_hash text)
    JOIN item_version i ON i.code = s.code AND i.version = s.version
                        AND i.content_hash <> s.content_hash;
  IF clash IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'YC020',
      MESSAGE = '以下事项的同一版本已发布且内容不同；已发布的版本不能修改，请提高版本号后再发布：' || clash;
  END IF;
  WITH ins AS (
    INSERT INTO item_version (code, version, name, content_hash, doc)
    SELECT e.v->>'code', e.v->>'version', e.v->>'name', e.v->>'content_hash', e.v->'doc'
      FROM jsonb_array_elements(items) WITH ORDINALITY AS e(v, n)
      ORDER BY e.n
    ON CONFLICT DO NOTHING RETURNING 1)
  SELECT count(*) INTO n FROM ins;
  RETURN jsonb_build_object('added', n, 'unchanged', jsonb_array_length(items) - n);
END $fn$;

CREATE OR REPLACE FUNCTION {API}.publish_calendar_v1(p_year int, p_doc jsonb) RETURNS int
LANGUAGE plpgsql {DEFINER} AS $fn$
DECLARE v int;
BEGIN
  INSERT INTO calendar_year (year, version, doc) VALUES (p_year, 1, p_doc)
  ON CONFLICT (year) DO UPDATE SET doc = excluded.doc, version = calendar_year.version + 1,
    updated_at = now()
    WHERE calendar_year.doc IS DISTINCT FROM excluded.doc;
  SELECT version INTO v FROM calendar_year WHERE year = p_year;
  RETURN v;
END $fn$;

CREATE OR REPLACE FUNCTION {API}.upsert_clerk_v1(p_centre text, c jsonb) RETURNS int
LANGUAGE plpgsql {DEFINER} AS $fn$
DECLARE v int;
BEGIN
  INSERT INTO clerk (centre_code, login, name, password_hash, window_no, backup_for, role, active)
  VALUES (p_centre, c->>'login', c->>'name', c->>'password_hash', coalesce(c->>'window_no', ''),
          coalesce(c->>'backup_for', ''), coalesce(c->>'role', 'clerk'),
          coalesce((c->>'active')::boolean, true))
  ON CONFLICT (centre_code, login) DO UPDATE SET name = excluded.name,
    password_hash = excluded.password_hash, window_no = excluded.window_no,
    backup_for = excluded.backup_for, role = excluded.role, active = excluded.active,
    row_version = clerk.row_version + 1
  RETURNING row_version INTO v;
  RETURN v;
END $fn$;

CREATE OR REPLACE FUNCTION {API}.set_case_status_v1(p_case_no text, p_status text, p_actor text)
RETURNS jsonb LANGUAGE plpgsql {DEFINER} AS $fn$
-- A status change made at the county (approval, completion): forward only; the
-- workstation that accepted the case pulls it down.
DECLARE c record;
BEGIN
  SELECT * INTO c FROM cases WHERE case_no = p_case_no FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'YC010', MESSAGE = format('县中心没有办件 %s。', p_case_no);
  END IF;
  IF c.status = p_status THEN
    RETURN jsonb_build_object('changed', false, 'row_version', c.row_version);
  END IF;
  IF NOT status_forward(c.status, p_status) THEN
    RAISE EXCEPTION USING ERRCODE = 'YC011',
      MESSAGE = format('办件 %s 的状态只能前进：“%s”不能改为“%s”。', p_case_no, c.status, p_status);
  END IF;
  UPDATE cases SET status = p_status, row_version = row_version + 1,
    completed_at = CASE WHEN p_status = '已办结' THEN localtimestamp(0) ELSE completed_at END
    WHERE id = c.id;
  INSERT INTO audit_entry (id, case_id, centre_code, at, actor, action, detail, workstation)
    VALUES (gen_random_uuid(), c.id, c.centre_code, localtimestamp(0), p_actor, p_status,
            jsonb_build_object('source', 'county', 'from', c.status), NULL);
  RETURN jsonb_build_object('changed', true, 'row_version', c.row_version + 1);
END $fn$;

CREATE OR REPLACE FUNCTION {API}.release_workstation_v1(p_centre text, p_ws text) RETURNS boolean
LANGUAGE plpgsql {DEFINER} AS $fn$
BEGIN
  DELETE FROM workstation WHERE centre_code = p_centre AND code = p_ws;
  RETURN FOUND;
END $fn$;
"""

ADMIN_FUNCTION_SIGNATURES = (
    "publish_items_v1(jsonb)",
    "publish_calendar_v1(int, jsonb)",
    "upsert_clerk_v1(text, jsonb)",
    "set_case_status_v1(text, text, text)",
    "release_workstation_v1(text, text)",
)
CENTRE_FUNCTION_SIGNATURES = ("sync_push_v1(jsonb)", "sync_pull_v1(jsonb)", "server_info_v1()")


def grants(roles: Roles) -> str:
    centre_fns = ", ".join(f"{API}.{f}" for f in CENTRE_FUNCTION_SIGNATURES)
    admin_fns = ", ".join(f"{API}.{f}" for f in ADMIN_FUNCTION_SIGNATURES)
    return f"""
REVOKE ALL ON SCHEMA {SCHEMA} FROM PUBLIC;
REVOKE ALL ON SCHEMA {API} FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA {SCHEMA} FROM PUBLIC;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA {SCHEMA} FROM PUBLIC;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA {API} FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE "{roles.owner}" REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
GRANT USAGE ON SCHEMA {API} TO "{roles.centre_group}", "{roles.admin}";
GRANT USAGE ON SCHEMA {SCHEMA} TO "{roles.admin}";
GRANT SELECT ON ALL TABLES IN SCHEMA {SCHEMA} TO "{roles.admin}";
GRANT EXECUTE ON FUNCTION {centre_fns} TO "{roles.centre_group}";
GRANT EXECUTE ON FUNCTION {API}.server_info_v1() TO "{roles.admin}";
GRANT EXECUTE ON FUNCTION {admin_fns} TO "{roles.admin}";
"""


def centre_policies(table: str, roles: Roles) -> str:
    column = "centre_code"
    mine_direct = "(SELECT c.code FROM yc.centre c WHERE c.role_name = current_user)"
    mine_definer = "(SELECT c.code FROM yc.centre c WHERE c.role_name = session_user)"
    admin = f"pg_has_role(session_user, '{roles.admin}', 'MEMBER')"
    visible = f"{column} = {mine_definer} OR {admin}"
    if table == "change_log":
        visible = f"{column} IS NULL OR {visible}"
    return f"""
ALTER TABLE yc.{table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE yc.{table} FORCE ROW LEVEL SECURITY;
-- a centre login reaching a table directly (it has no grant; this is the second wall)
CREATE POLICY centre_own ON yc.{table} USING ({column} = {mine_direct})
  WITH CHECK ({column} = {mine_direct});
-- inside the SECURITY DEFINER functions current_user is the owner: the caller is the
-- session user, which a non-superuser cannot change
CREATE POLICY via_functions ON yc.{table} TO "{roles.owner}" USING ({visible}) WITH CHECK ({visible});
CREATE POLICY admin_reads ON yc.{table} FOR SELECT TO "{roles.admin}" USING (true);
"""


# ---------------------------------------------------------------- c0003 (issue 13)
#
# The county trusts only what it can check: the authenticated login (session_user)
# and the workstations the county registered to it. The generators above stay as the
# released revisions c0001/c0002 ran them; c0003 replaces the functions with these.

CHANGE_WRITER_MODES = (
    "RowExclusiveLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
)
# Every county function that writes the change log takes this lock first, before its
# transaction has an id: the pull horizon then sees it (below). A centre login can
# never take it: it has no privilege on schema yc, and pushes never write the log.
LOCK_CHANGE_LOG = f"LOCK TABLE {SCHEMA}.change_log IN ROW EXCLUSIVE MODE;"


def caller_checks_v3() -> str:
    """Like caller_checks, but a workstation must have been registered by the county
    (``central add-workstation``); the first install id that uses a registered code is
    bound to it, another one is refused."""
    return """
  SELECT code INTO me FROM centre WHERE role_name = session_user;
  IF me IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'YC001',
      MESSAGE = format('账号 %s 不是任何中心的同步账号，县中心拒绝同步。请用县中心为本中心分配的账号（yichuang sync set-up）。', session_user);
  END IF;
  SELECT schema_version INTO cur FROM install;
  v := (req->>'schema')::int;
  IF v IS NULL OR v > cur THEN
    RAISE EXCEPTION USING ERRCODE = 'YC002',
      MESSAGE = format('县中心数据库结构版本为 %s，本工作站程序为 %s，县中心尚未升级。请县中心管理员运行 yichuang central upgrade；在此之前办件照常保存在本机，不会丢失。', cur, coalesce(v::text, '未知'));
  ELSIF v < cur - 1 THEN
    RAISE EXCEPTION USING ERRCODE = 'YC002',
      MESSAGE = format('本工作站程序过旧（同步结构版本 %s，县中心为 %s），县中心不再接收。请升级一窗通后再同步；办件保存在本机，不会丢失。', v, cur);
  END IF;
  IF req->>'centre' IS DISTINCT FROM me THEN
    RAISE EXCEPTION USING ERRCODE = 'YC003',
      MESSAGE = format('本机设置的中心代码 %s 与同步账号所属中心 %s 不符，县中心拒收。请检查本机设置中的中心代码或同步账号。', coalesce(req->>'centre', '（空）'), me);
  END IF;
  ws := req->>'workstation';
  IF ws IS NULL OR ws !~ '^[A-Z0-9]{2}$' THEN
    RAISE EXCEPTION USING ERRCODE = 'YC003', MESSAGE = format('工作站代码“%s”无效，应为2位大写字母或数字。', coalesce(ws, ''));
  END IF;
  IF coalesce(req->>'install_id', '') !~ '^[0-9a-f-]{36}$' THEN
    RAISE EXCEPTION USING ERRCODE = 'YC003', MESSAGE = '本机安装号无效，县中心拒绝同步。';
  END IF;
  SELECT * INTO wsrow FROM workstation WHERE centre_code = me AND code = ws FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'YC007',
      MESSAGE = format('工作站 %s-%s 尚未在县中心登记，县中心拒绝同步。请县中心管理员运行：yichuang central add-workstation %s %s（本机安装号 %s…）。本机办件已保存，不会丢失。', me, ws, me, ws, left(req->>'install_id', 8));
  END IF;
  IF wsrow.install_id IS NULL THEN
    -- registered by the county without an install id: bound to the first one that syncs
    UPDATE workstation SET install_id = (req->>'install_id')::uuid, machine = coalesce(req->>'machine', '')
      WHERE centre_code = me AND code = ws;
    wsrow.install_id := (req->>'install_id')::uuid;
  ELSIF wsrow.install_id IS DISTINCT FROM (req->>'install_id')::uuid THEN
    RAISE EXCEPTION USING ERRCODE = 'YC004',
      MESSAGE = format('工作站代码 %s 已由另一台电脑（安装号 %s…）使用，县中心拒绝同步，以免两台电脑的办件编号重复。复制的系统盘或更换的电脑须由县中心分配新的工作站代码（或由县中心管理员释放旧代码：yichuang central release-workstation %s %s）。本机办件已保存，不会丢失。', ws, left(wsrow.install_id::text, 8), me, ws);
  END IF;
  UPDATE workstation SET last_seen = now(), schema_version = v WHERE centre_code = me AND code = ws;
  IF v < cur THEN
    notice := format('本工作站程序比县中心旧一个版本（%s / %s），仍可同步。请尽快升级一窗通。', v, cur);
  END IF;
"""


COUNTY_ACTOR = "县中心"


def apply_child_function_v3(spec: Spec) -> str:
    """A child row may only hang on a case of the pushing workstation; an audit entry
    must name that workstation and may not speak as the county."""
    cols = ", ".join(quote(c) for c in spec.columns)
    checks = ["WHEN s.centre_code IS DISTINCT FROM me THEN '中心代码与本中心不符'"]
    if spec.child_of_case:
        checks.append(
            "WHEN NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = s.case_id AND c.workstation = ws) "
            "THEN '所属办件在县中心不存在，或属于其他中心或本中心的其他工作站'"
        )
    if spec.name == "audit_entry":
        checks.append(
            "WHEN s.workstation IS DISTINCT FROM ws THEN '审计记录的工作站与上传的工作站不符'"
        )
        checks.append(
            f"WHEN s.actor = '{COUNTY_ACTOR}' OR s.detail->>'source' = 'county' "
            f"THEN '“{COUNTY_ACTOR}”的记录只能由县中心产生'"
        )
    if spec.mode == "versioned":
        sets = ", ".join(
            f"{quote(c)} = excluded.{quote(c)}" for c in spec.columns if c not in spec.key
        )
        on_conflict = f"DO UPDATE SET {sets} WHERE {spec.name}.version < excluded.version"
        dedupe = f"SELECT DISTINCT ON ({', '.join(spec.key)}) * FROM raw ORDER BY {', '.join(spec.key)}, ws_seq DESC"
    else:
        on_conflict = "DO NOTHING"
        dedupe = "SELECT * FROM raw"
    whens = "\n        ".join(checks)
    return f"""
CREATE OR REPLACE FUNCTION {SCHEMA}._apply_{spec.name}(rows jsonb, me text, ws text, bseq bigint)
RETURNS jsonb LANGUAGE plpgsql {HELPER} AS $fn$
DECLARE qj jsonb; n bigint;
BEGIN
  WITH raw AS (SELECT * FROM jsonb_populate_recordset(NULL::{SCHEMA}.{spec.name}, rows)),
  src AS ({dedupe}),
  chk AS (
    SELECT s.*, CASE
        {whens}
      END AS why
    FROM src s),
  {_quarantine_cte(spec.name, _key_text(spec, "chk"))},
  ins AS (
    INSERT INTO {spec.name} ({cols})
    SELECT {cols} FROM chk WHERE chk.why IS NULL
    ON CONFLICT ({", ".join(spec.key)}) {on_conflict}
    RETURNING 1)
  SELECT (SELECT coalesce(jsonb_agg(j), '[]'::jsonb) FROM q), (SELECT count(*) FROM ins)
    INTO qj, n;
  RETURN jsonb_build_object('applied', n, 'quarantined', qj, 'conflicts', '[]'::jsonb);
END $fn$;
"""


def apply_cases_function_v3() -> str:
    """A case must carry the pushing login's centre, the pushing (registered)
    workstation, and a case number made of both: no centre can take another's number."""
    cols = ", ".join(CASE_COLUMNS)
    return f"""
CREATE OR REPLACE FUNCTION {SCHEMA}._apply_cases(rows jsonb, me text, ws text, bseq bigint)
RETURNS jsonb LANGUAGE plpgsql {HELPER} AS $fn$
DECLARE qj jsonb; cj jsonb; n bigint;
BEGIN
  WITH src AS (
    SELECT DISTINCT ON (id) * FROM jsonb_populate_recordset(NULL::{SCHEMA}.cases, rows)
    ORDER BY id, ws_seq DESC),
  chk AS (
    SELECT s.*, e.status AS e_status, e.row_version AS e_version, (e.id IS NOT NULL) AS e_exists,
      CASE
        WHEN s.centre_code IS DISTINCT FROM me THEN '中心代码与本中心不符'
        WHEN s.workstation IS DISTINCT FROM ws THEN '办件的工作站代码与上传的工作站不符'
        WHEN s.case_no IS NULL OR s.case_no !~ '^[0-9]{{6,12}}-[A-Z0-9]{{2}}-[0-9]{{8}}-[0-9]{{4}}$'
          OR split_part(s.case_no, '-', 1) <> me OR split_part(s.case_no, '-', 2) <> ws
          THEN format('办件编号 %s 不属于本中心的工作站 %s-%s：编号须以“%s-%s-”开头', s.case_no, me, ws, me, ws)
        WHEN e.id IS NOT NULL AND (e.workstation IS DISTINCT FROM ws OR e.case_no IS DISTINCT FROM s.case_no)
          THEN '该办件属于本中心的其他工作站，或编号与县中心记录不符'
        WHEN s.status IS NULL OR NOT (s.status = ANY (status_list())) THEN '办件状态无效'
      END AS why
    FROM src s LEFT JOIN cases e ON e.id = s.id),
  {_quarantine_cte("cases", "chk.id::text")},
  cf AS (
    INSERT INTO conflict (centre_code, workstation, tbl, row_key, rule, message, detail)
    SELECT me, ws, 'cases', chk.case_no, 'case_status_forward_only',
      format('办件 %s：县中心状态为“%s”，本机上传“%s”。办件状态只能前进，以县中心已处理的状态为准，本机将在下次下载时更新。',
             chk.case_no, chk.e_status, chk.status),
      jsonb_build_object('central', chk.e_status, 'local', chk.status,
                         'central_version', chk.e_version, 'local_version', chk.row_version)
    FROM chk
    WHERE chk.why IS NULL AND chk.e_exists AND chk.status <> chk.e_status
      AND NOT status_forward(chk.e_status, chk.status)
    RETURNING jsonb_build_object('tbl', tbl, 'key', row_key, 'rule', rule, 'message', message,
                                 'detail', detail) AS j),
  ins AS (
    INSERT INTO cases ({cols})
    SELECT {cols} FROM chk WHERE chk.why IS NULL
    ON CONFLICT (id) DO UPDATE SET
      status = excluded.status, completed_at = excluded.completed_at,
      supply_by = excluded.supply_by,
      row_version = GREATEST(cases.row_version, excluded.row_version),
      ws_seq = excluded.ws_seq
    WHERE (status_forward(cases.status, excluded.status)
       OR (cases.status = excluded.status AND cases.row_version < excluded.row_version))
      AND cases.workstation = ws
    RETURNING 1)
  SELECT (SELECT coalesce(jsonb_agg(j), '[]'::jsonb) FROM q),
         (SELECT coalesce(jsonb_agg(j), '[]'::jsonb) FROM cf),
         (SELECT count(*) FROM ins)
    INTO qj, cj, n;
  RETURN jsonb_build_object('applied', n, 'quarantined', qj, 'conflicts', cj);
END $fn$;
"""


ROWWISE_V3 = ROWWISE.replace(
    f"EXECUTE format('SELECT {SCHEMA}._apply_%s($1, $2, $3, $4)', tbl)",
    f"EXECUTE format('SELECT %I.%I($1, $2, $3, $4)', '{SCHEMA}', '_apply_' || tbl)",
)
assert ROWWISE_V3 != ROWWISE


def push_function_v3(tables: tuple[str, ...]) -> str:
    text = push_function(tables).replace(caller_checks(), caller_checks_v3())
    old = f"EXECUTE format('SELECT {SCHEMA}._apply_%s($1, $2, $3, $4)', tname)"
    new = f"EXECUTE format('SELECT %I.%I($1, $2, $3, $4)', '{SCHEMA}', '_apply_' || tname)"
    assert old in text and caller_checks_v3() in text
    return text.replace(old, new)


# The pull horizon. c0001 bounded a pull by pg_snapshot_xmin: the oldest transaction
# running anywhere, so one centre holding a transaction open froze every centre's
# downloads. Only transactions that write the change log matter: every such writer
# holds a write lock on yc.change_log from before it has a transaction id (county
# functions take LOCK_CHANGE_LOG first thing; the trigger would take it on insert).
# The bound is the oldest running transaction id among those lock holders, else the
# snapshot's xmax. pg_locks and the snapshot's xip list need no privilege, and a
# centre login can take no write lock on yc.change_log (no privilege on schema yc,
# and its pushes never write the log), so nothing a centre does moves the bound.
HORIZON = f"""
CREATE OR REPLACE FUNCTION {SCHEMA}.pull_horizon() RETURNS xid8
LANGUAGE plpgsql {HELPER} AS $fn$
DECLARE snap pg_snapshot; writer xid8;
BEGIN
  -- the horizon holds for the statement snapshots of READ COMMITTED only: under a
  -- transaction snapshot, writers that finished since would be skipped
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION USING ERRCODE = 'YC008',
      MESSAGE = '下载须在 READ COMMITTED 事务中进行（一窗通程序自动如此）。';
  END IF;
  snap := pg_current_snapshot();
  SELECT min(x) INTO writer
    FROM pg_snapshot_xip(snap) AS x
   WHERE (x::text::numeric % 4294967296)::bigint IN (
      SELECT t.transactionid::text::bigint
        FROM pg_locks w
        JOIN pg_locks t ON t.virtualtransaction = w.virtualtransaction
                       AND t.locktype = 'transactionid' AND t.mode = 'ExclusiveLock' AND t.granted
       WHERE w.locktype = 'relation'
         AND w.database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND w.relation = '{SCHEMA}.change_log'::regclass
         AND w.mode IN ({", ".join(f"'{m}'" for m in CHANGE_WRITER_MODES)}));
  RETURN coalesce(writer, pg_snapshot_xmax(snap));
END $fn$;
"""

PULL_V3 = PULL.replace(caller_checks(), caller_checks_v3()).replace(
    "bound := pg_snapshot_xmin(pg_current_snapshot());", "bound := pull_horizon();"
)
assert "pull_horizon()" in PULL_V3 and caller_checks_v3() in PULL_V3


def _locked(fn_sql: str, name: str) -> str:
    """Insert LOCK_CHANGE_LOG as the first statement of an admin function's body."""
    head = f"CREATE OR REPLACE FUNCTION {API}.{name}("
    start = fn_sql.index(head)
    begin = fn_sql.index("BEGIN\n", start) + len("BEGIN\n")
    return fn_sql[:begin] + f"  {LOCK_CHANGE_LOG}\n" + fn_sql[begin:]


ADMIN_FUNCTIONS_V3 = ADMIN_FUNCTIONS
for _name in ("publish_items_v1", "publish_calendar_v1", "upsert_clerk_v1", "set_case_status_v1"):
    ADMIN_FUNCTIONS_V3 = _locked(ADMIN_FUNCTIONS_V3, _name)
ADMIN_FUNCTIONS_V3 = ADMIN_FUNCTIONS_V3.replace(
    """BEGIN
  DELETE FROM workstation WHERE centre_code = p_centre AND code = p_ws;
  RETURN FOUND;
END $fn$;""",
    """DECLARE bound boolean;
BEGIN
  -- the code stays registered; the next computer that syncs with it is bound to it
  SELECT install_id IS NOT NULL INTO bound FROM workstation
    WHERE centre_code = p_centre AND code = p_ws FOR UPDATE;
  UPDATE workstation SET install_id = NULL, last_batch_seq = 0, machine = ''
    WHERE centre_code = p_centre AND code = p_ws;
  RETURN coalesce(bound, false);
END $fn$;""",
)
assert "install_id = NULL" in ADMIN_FUNCTIONS_V3
# A county status change must not wait, holding the horizon, for a row lock that a
# centre's open push transaction holds on its own case: it fails at once instead (the
# IT person retries), so no centre can hold back the others' downloads through it.
_WAITING = "  SELECT * INTO c FROM cases WHERE case_no = p_case_no FOR UPDATE;\n"
assert ADMIN_FUNCTIONS_V3.count(_WAITING) == 1
ADMIN_FUNCTIONS_V3 = ADMIN_FUNCTIONS_V3.replace(
    _WAITING,
    """  BEGIN
    SELECT * INTO c FROM cases WHERE case_no = p_case_no FOR UPDATE NOWAIT;
  EXCEPTION WHEN lock_not_available THEN
    RAISE EXCEPTION USING ERRCODE = 'YC013',
      MESSAGE = format('办件 %s 正在由工作站同步，县中心暂不能修改，请稍后重试。', p_case_no);
  END;
""",
)

ADD_WORKSTATION = f"""
CREATE OR REPLACE FUNCTION {API}.add_workstation_v1(p_centre text, p_ws text, p_install uuid)
RETURNS jsonb LANGUAGE plpgsql {DEFINER} AS $fn$
-- The county registers a workstation code to a centre, optionally bound to an install
-- id (shown by a refused workstation); without one, the first computer that syncs
-- with the code is bound to it.
DECLARE w record;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM centre WHERE code = p_centre) THEN
    RAISE EXCEPTION USING ERRCODE = 'YC012', MESSAGE = format('没有中心 %s。', p_centre);
  END IF;
  IF p_ws IS NULL OR p_ws !~ '^[A-Z0-9]{{2}}$' THEN
    RAISE EXCEPTION USING ERRCODE = 'YC012',
      MESSAGE = format('工作站代码“%s”无效，应为2位大写字母或数字。', coalesce(p_ws, ''));
  END IF;
  INSERT INTO workstation (centre_code, code, install_id, registered_by)
    VALUES (p_centre, p_ws, p_install, session_user)
    ON CONFLICT (centre_code, code) DO NOTHING;
  IF FOUND THEN
    RETURN jsonb_build_object('added', true, 'install_id', p_install);
  END IF;
  SELECT * INTO w FROM workstation WHERE centre_code = p_centre AND code = p_ws FOR UPDATE;
  IF p_install IS NOT NULL AND w.install_id IS NULL THEN
    UPDATE workstation SET install_id = p_install WHERE centre_code = p_centre AND code = p_ws;
    RETURN jsonb_build_object('added', false, 'install_id', p_install);
  END IF;
  IF p_install IS NOT NULL AND w.install_id <> p_install THEN
    RAISE EXCEPTION USING ERRCODE = 'YC004',
      MESSAGE = format('工作站代码 %s-%s 已由另一台电脑（安装号 %s…）使用；确需更换电脑时先运行 yichuang central release-workstation %s %s。',
                       p_centre, p_ws, left(w.install_id::text, 8), p_centre, p_ws);
  END IF;
  RETURN jsonb_build_object('added', false, 'install_id', w.install_id);
END $fn$;
"""

LOG_CHANGE_V3 = f"""
CREATE OR REPLACE FUNCTION {SCHEMA}.log_change() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = {SCHEMA}, pg_temp AS $fn$
BEGIN
  IF TG_TABLE_NAME = 'item_version' THEN
    INSERT INTO change_log (tbl, key, key2) VALUES ('item_version', NEW.code, NEW.version);
  ELSIF TG_TABLE_NAME = 'calendar_year' THEN
    INSERT INTO change_log (tbl, key) VALUES ('calendar_year', NEW.year::text);
  ELSIF TG_TABLE_NAME = 'clerk' THEN
    INSERT INTO change_log (tbl, key, centre_code) VALUES ('clerk', NEW.login, NEW.centre_code);
  ELSIF TG_TABLE_NAME = 'cases' THEN
    -- a push touches only the pushing workstation's own cases, which do not come back
    -- to it: a push never writes the change log (so no centre login ever holds the
    -- write lock the pull horizon looks for)
    IF nullif(current_setting('yc.push_ws', true), '') IS NULL THEN
      INSERT INTO change_log (tbl, key, centre_code, workstation, origin)
        VALUES ('cases', NEW.id::text, NEW.centre_code, NEW.workstation, 'county');
    END IF;
  END IF;
  RETURN NULL;
END $fn$;
"""

ADMIN_FUNCTION_SIGNATURES_V3 = (*ADMIN_FUNCTION_SIGNATURES, "add_workstation_v1(text, text, uuid)")


def grants_v3(roles: Roles) -> str:
    extra = f"""
GRANT EXECUTE ON FUNCTION {API}.add_workstation_v1(text, text, uuid) TO "{roles.admin}";
REVOKE EXECUTE ON FUNCTION {SCHEMA}.pull_horizon() FROM PUBLIC;
"""
    return grants(roles) + extra


# c0004: the case's lifecycle columns kept (the workstation's values), and the loop's
# rule (已退回 ⇄ 待核准: the higher row_version wins).
LIFECYCLE_COLUMNS = ("due_date", "clock_stopped_on", "owner")


def apply_cases_function_v4() -> str:
    """c0003's _apply_cases with the three columns kept, and the loop's rule."""
    text = apply_cases_function_v3()
    cols = ", ".join(CASE_COLUMNS)
    wider = cols + ", " + ", ".join(LIFECYCLE_COLUMNS)
    assert text.count(cols) == 2
    text = text.replace(cols, wider)
    old_set = "      supply_by = excluded.supply_by,\n"
    assert text.count(old_set) == 1
    text = text.replace(
        old_set,
        old_set
        + "      due_date = excluded.due_date, clock_stopped_on = excluded.clock_stopped_on,\n"
        + "      owner = coalesce(nullif(excluded.owner, ''), cases.owner),\n",
    )
    old_where = "    WHERE (status_forward(cases.status, excluded.status)\n"
    assert text.count(old_where) == 1
    return text.replace(
        old_where,
        "    WHERE ((status_forward(cases.status, excluded.status)\n"
        "            AND (NOT status_forward(excluded.status, cases.status)\n"
        "                 OR cases.row_version < excluded.row_version))\n",
    )


# c0004 (the case lifecycle): the pull sends each case's due date, running clock stop
# and owner down with it. c0006 (county bookings) leaves booking changes out of the
# main pull. Each later migration that replaces the pull builds on both.
_PULL_CASE = "'status', c.status, 'completed_at', c.completed_at, 'row_version', c.row_version,"
_PULL_WINDOW = "WHERE (c.xid, c.seq) > (after_x, after_s) AND c.xid < bound"


def pull_with_lifecycle(pull: str) -> str:
    assert pull.count(_PULL_CASE) == 1
    return pull.replace(
        _PULL_CASE,
        _PULL_CASE + "\n            'due_date', c.due_date, 'clock_stopped_on', c.clock_stopped_on,"
        " 'owner', c.owner,",
    )


def pull_without_bookings(pull: str) -> str:
    assert pull.count(_PULL_WINDOW) == 2
    return pull.replace(_PULL_WINDOW, _PULL_WINDOW + " AND c.tbl <> 'booking'")


# ---------------------------------------------------------------- c0005 (issue 16)
#
# The audit hash chain at the county. A workstation's entries arrive with seq,
# prev_hash, row_hash and entry_hash (app/core/audit_chain). Before they are stored,
# each is checked against the last entry the county accepted from that workstation
# (yc.audit_chain, the head per workstation): its hash is recomputed here from the
# row itself (SM3 through pgcrypto over the same canonical text, jsonb_build_array's),
# its seq must follow the head's and its prev_hash be the head's hash. A row that
# breaks the chain is quarantined with a reason naming the workstation, and the
# workstation's head records the first break (broken_seq, broken_reason). The head
# then moves on to the row, so the next entries are checked against it: one break is
# reported once, not again for every later entry.

AUDIT_SPEC_V5 = Spec(
    "audit_entry",
    ("id",),
    ("id", "case_id", "at", "actor", "action", "detail", "workstation", "seq", "prev_hash",
     "row_hash", "entry_hash", *CHILD_META),
)  # fmt: skip

AUDIT_CHAIN_TABLE = f"""
ALTER TABLE {SCHEMA}.audit_entry ADD COLUMN seq bigint, ADD COLUMN prev_hash text,
  ADD COLUMN row_hash text, ADD COLUMN entry_hash text;
-- not unique: a workstation code released to another computer starts a new chain
CREATE INDEX ix_audit_entry_ws_seq ON {SCHEMA}.audit_entry (centre_code, workstation, seq)
  WHERE seq IS NOT NULL;
CREATE TABLE {SCHEMA}.audit_chain (
  centre_code text NOT NULL REFERENCES {SCHEMA}.centre,
  workstation text NOT NULL,
  seq bigint,                 -- the last entry accepted into the chain (NULL: none yet)
  entry_hash text,
  anchored_seq bigint,        -- the first chained entry the county received
  entries bigint NOT NULL DEFAULT 0,
  broken_seq bigint,          -- the first break found, kept until the county looks into it
  broken_reason text,
  broken_at timestamptz,
  breaks bigint NOT NULL DEFAULT 0,
  released_at timestamptz,    -- the code was released: the next computer starts a new chain
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (centre_code, workstation));
"""


def entry_hash_sql(crypto_schema: str, e: str, algorithm: str = "'sm3'") -> str:
    """SQL computing app/core/audit_chain.entry_hash of the audit_entry record ``e``
    (``algorithm``: an SQL expression naming pgcrypto's digest, 'sm3' or 'sha256')."""
    return (
        f"encode({crypto_schema}.digest(convert_to(jsonb_build_array('yc-audit-1', {e}.seq, "
        f"{e}.prev_hash, replace({e}.id::text, '-', ''), replace({e}.case_id::text, '-', ''), "
        f"to_char({e}.at, 'YYYY-MM-DD HH24:MI:SS.US'), {e}.actor, {e}.action, "
        f"coalesce({e}.detail, '{{}}'::jsonb), {e}.row_hash)::text, 'UTF8'), {algorithm}), 'hex')"
    )


def audit_chain_function(crypto_schema: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION {SCHEMA}._audit_chain(rows jsonb, me text, ws text, bseq bigint)
RETURNS jsonb LANGUAGE plpgsql {HELPER} AS $fn$
-- Checks a batch's audit entries against the workstation's chain head, in seq order;
-- returns the rows to store and the ones quarantined for breaking the chain.
DECLARE h record; e {SCHEMA}.audit_entry; j jsonb; why text; kept jsonb := '[]'; qj jsonb := '[]';
  head_seq bigint; head_hash text; n bigint := 0;
BEGIN
  INSERT INTO audit_chain (centre_code, workstation) VALUES (me, ws) ON CONFLICT DO NOTHING;
  SELECT * INTO h FROM audit_chain WHERE centre_code = me AND workstation = ws FOR UPDATE;
  head_seq := h.seq; head_hash := h.entry_hash;
  FOR j IN
    SELECT r.value FROM jsonb_array_elements(rows) r
     ORDER BY CASE WHEN jsonb_typeof(r.value->'seq') = 'number' THEN (r.value->>'seq')::numeric END
       NULLS FIRST
  LOOP
    BEGIN
      e := jsonb_populate_record(NULL::{SCHEMA}.audit_entry, j);
    EXCEPTION WHEN OTHERS THEN
      kept := kept || jsonb_build_array(j);  -- a malformed row: the apply quarantines it
      CONTINUE;
    END;
    IF e.centre_code IS DISTINCT FROM me OR e.workstation IS DISTINCT FROM ws THEN
      kept := kept || jsonb_build_array(j);  -- not this workstation's: the apply refuses it
      CONTINUE;
    END IF;
    why := NULL;
    IF e.seq IS NULL THEN
      IF head_seq IS NOT NULL THEN
        why := format('未入链的审计记录（该工作站的审计链已从第 %s 条开始，此后每条记录都须入链）', h.anchored_seq);
      END IF;  -- before its chain began (an older program): taken as before
    ELSIF {entry_hash_sql(f'"{crypto_schema}"', "e")} IS DISTINCT FROM e.entry_hash THEN
      why := format('第 %s 条审计记录的内容与其哈希不符（记录在工作站上被改动过）', e.seq);
    ELSIF head_seq IS NULL THEN
      NULL;  -- the first chained entry the county sees: the chain is anchored here
    ELSIF e.seq <= head_seq THEN
      -- sent again (a refused row retried): it must be the entry the county had at that seq
      IF EXISTS (SELECT 1 FROM audit_entry a WHERE a.centre_code = me AND a.workstation = ws
                   AND a.seq = e.seq AND a.id <> e.id) THEN
        why := format('第 %s 条审计记录与县中心已收到的同号记录不同（记录被替换）', e.seq);
      END IF;
    ELSIF e.seq > head_seq + 1 THEN
      why := CASE WHEN e.seq = head_seq + 2 THEN format('第 %s 条', head_seq + 1)
                  ELSE format('第 %s–%s 条', head_seq + 1, e.seq - 1) END
             || '审计记录缺失（在工作站上被删除）';
    ELSIF e.prev_hash IS DISTINCT FROM head_hash THEN
      why := format('第 %s 条记下的前一条哈希与县中心已收到的第 %s 条不符（有记录被插入或替换）', e.seq, head_seq);
    END IF;
    IF e.seq IS NOT NULL AND (head_seq IS NULL OR e.seq > head_seq) THEN
      IF head_seq IS NULL THEN
        UPDATE audit_chain SET anchored_seq = e.seq WHERE centre_code = me AND workstation = ws;
        h.anchored_seq := e.seq;
      END IF;
      head_seq := e.seq; head_hash := e.entry_hash;  -- moves on, also past a break
      n := n + 1;
    END IF;
    IF why IS NULL THEN
      kept := kept || jsonb_build_array(j);
    ELSE
      why := format('工作站 %s-%s 的审计链断开：%s。请县中心核查该工作站（在该工作站运行 yichuang audit verify），保留此记录。', me, ws, why);
      INSERT INTO quarantine (centre_code, workstation, batch_seq, tbl, row_key, reason, row_data)
        VALUES (me, ws, bseq, 'audit_entry', coalesce(e.id::text, ''), why, j);
      qj := qj || jsonb_build_array(jsonb_build_object('tbl', 'audit_entry', 'key', e.id::text,
                                                       'reason', why, 'row', j));
      UPDATE audit_chain SET breaks = breaks + 1,
          broken_seq = coalesce(broken_seq, e.seq), broken_reason = coalesce(broken_reason, why),
          broken_at = coalesce(broken_at, now())
        WHERE centre_code = me AND workstation = ws;
    END IF;
  END LOOP;
  UPDATE audit_chain SET seq = head_seq, entry_hash = head_hash, entries = entries + n,
      updated_at = now()
    WHERE centre_code = me AND workstation = ws;
  RETURN jsonb_build_object('rows', kept, 'quarantined', qj);
END $fn$;
"""


def push_function_v5(tables: tuple[str, ...]) -> str:
    """c0003's push, with the audit entries checked against the chain first."""
    text = push_function_v3(tables)
    replacements = (
        ("tname text; r jsonb;", "tname text; r jsonb; rows_in jsonb;"),
        (
            "    IF jsonb_typeof(t->tname) = 'array' AND jsonb_array_length(t->tname) > 0 THEN\n",
            "    rows_in := t->tname;\n"
            "    IF tname = 'audit_entry' AND jsonb_typeof(rows_in) = 'array' THEN\n"
            "      r := _audit_chain(rows_in, me, ws, bseq);\n"
            "      rows_in := r->'rows';\n"
            "      qj := qj || (r->'quarantined');\n"
            "    END IF;\n"
            "    IF jsonb_typeof(rows_in) = 'array' AND jsonb_array_length(rows_in) > 0 THEN\n",
        ),
        ("INTO r USING t->tname, me, ws, bseq;", "INTO r USING rows_in, me, ws, bseq;"),
        ("r := _apply_rowwise(tname, t->tname, me, ws, bseq);",
         "r := _apply_rowwise(tname, rows_in, me, ws, bseq);"),
    )  # fmt: skip
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def grants_v5(roles: Roles) -> str:
    return (
        grants_v3(roles)
        + f"""
REVOKE EXECUTE ON FUNCTION {SCHEMA}._audit_chain(jsonb, text, text, bigint) FROM PUBLIC;
"""
    )


# Releasing a workstation code (another computer takes it, or the database was lost)
# ends its chain at the county: the next chained entry received anchors a new one.
RELEASE_WORKSTATION_V5 = """
CREATE OR REPLACE FUNCTION {API}.release_workstation_v1(p_centre text, p_ws text) RETURNS boolean
LANGUAGE plpgsql {DEFINER} AS $fn$
DECLARE bound boolean;
BEGIN
  -- the code stays registered; the next computer that syncs with it is bound to it
  SELECT install_id IS NOT NULL INTO bound FROM workstation
    WHERE centre_code = p_centre AND code = p_ws FOR UPDATE;
  UPDATE workstation SET install_id = NULL, last_batch_seq = 0, machine = ''
    WHERE centre_code = p_centre AND code = p_ws;
  UPDATE audit_chain SET seq = NULL, entry_hash = NULL, anchored_seq = NULL, released_at = now()
    WHERE centre_code = p_centre AND workstation = p_ws;
  RETURN coalesce(bound, false);
END $fn$;
""".replace("{API}", API).replace("{DEFINER}", DEFINER)


# c0012 (the county as the audit chain's anchor): every break found on arrival is
# also listed in yc.audit_break.
_BREAK_MARK = """      UPDATE audit_chain SET breaks = breaks + 1,"""
_LIST_BREAK = """      INSERT INTO audit_break (centre_code, workstation, seq, kind, reason)
        VALUES (me, ws, e.seq, 'arrival', why);
"""


def audit_chain_function_v12(crypto_schema: str) -> str:
    text = audit_chain_function(crypto_schema)
    assert text.count(_BREAK_MARK) == 1
    return text.replace(_BREAK_MARK, _LIST_BREAK + _BREAK_MARK)


# ---------------------------------------------------------------- c0014 (issues 23, 16)
#
# Each chain is checked with its own algorithm (SM3 or SHA-256, the workstation's
# setting ``audit_hash`` when its chain began). The county does not take the
# algorithm from the client: the chain's first entry whose hash holds under one of
# them fixes it (yc.audit_chain.algorithm, and algorithm_seq: that entry), and every
# later entry must hold under that one. An entry whose hash holds only under the
# other is a break of its own kind (a chain switched algorithms part way: the part
# after the switch may have been recomputed), named as such. A released code's next
# chain fixes its algorithm again.

AUDIT_CHAIN_ALGORITHM = f"""
ALTER TABLE {SCHEMA}.audit_chain
  ADD COLUMN algorithm text CHECK (algorithm IN ('sm3', 'sha256')),
  ADD COLUMN algorithm_seq bigint;  -- the entry that fixed it
-- Until now every chained entry the county accepted held under SM3 (the only one it
-- checked): a chain that has one is an SM3 chain. Others stay open (a SHA-256
-- workstation whose entries were all refused is fixed by its next entry, and its
-- refused entries, sent again, are then taken).
UPDATE {SCHEMA}.audit_chain h SET algorithm = 'sm3', algorithm_seq = f.seq
  FROM (SELECT c.centre_code, c.workstation,
               (SELECT min(a.seq) FROM {SCHEMA}.audit_entry a
                 WHERE a.centre_code = c.centre_code AND a.workstation = c.workstation
                   AND a.seq >= c.anchored_seq) AS seq
          FROM {SCHEMA}.audit_chain c WHERE c.anchored_seq IS NOT NULL) f
 WHERE f.centre_code = h.centre_code AND f.workstation = h.workstation AND f.seq IS NOT NULL;
"""


def audit_chain_function_v14(crypto_schema: str) -> str:
    """c0012's check, each entry's hash under the chain's algorithm."""
    schema = f'"{crypto_schema}"'
    text = audit_chain_function_v12(crypto_schema)
    chain = entry_hash_sql(schema, "e", "alg")
    sm3 = entry_hash_sql(schema, "e", "'sm3'")
    sha256 = entry_hash_sql(schema, "e", "'sha256'")
    replacements = (
        ("  head_seq bigint; head_hash text; n bigint := 0;\n",
         "  head_seq bigint; head_hash text; n bigint := 0; alg text; matched text;\n"),
        ("  head_seq := h.seq; head_hash := h.entry_hash;\n",
         "  head_seq := h.seq; head_hash := h.entry_hash; alg := h.algorithm;\n"),
        ("    why := NULL;\n    IF e.seq IS NULL THEN\n",
         "    why := NULL; matched := NULL;\n"
         "    IF e.seq IS NOT NULL THEN\n"
         "      -- the algorithm under which the entry's hash holds (the chain's tried first)\n"
         "      matched := CASE\n"
         f"        WHEN alg IS NOT NULL AND {chain} = e.entry_hash THEN alg\n"
         f"        WHEN {sm3} = e.entry_hash THEN 'sm3'\n"
         f"        WHEN {sha256} = e.entry_hash THEN 'sha256'\n"
         "      END;\n"
         "    END IF;\n"
         "    IF e.seq IS NULL THEN\n"),
        (f"    ELSIF {entry_hash_sql(schema, 'e')} IS DISTINCT FROM e.entry_hash THEN\n"
         "      why := format('第 %s 条审计记录的内容与其哈希不符（记录在工作站上被改动过）', e.seq);\n",
         "    ELSIF matched IS NULL THEN\n"
         "      why := format('第 %s 条审计记录的内容与其哈希不符（记录在工作站上被改动过）', e.seq);\n"
         "    ELSIF alg IS NOT NULL AND matched <> alg THEN\n"
         "      why := format('第 %s 条审计记录的哈希用的是 %s，而该工作站的审计链自第 %s 条起用 %s'\n"
         "                    '（一条链中途不能更换算法：此后的记录可能被重算改写过）',\n"
         "                    e.seq, matched, h.algorithm_seq, alg);\n"),
        ("    IF e.seq IS NOT NULL AND (head_seq IS NULL OR e.seq > head_seq) THEN\n",
         "    IF alg IS NULL AND matched IS NOT NULL THEN\n"
         "      -- the chain's first entry whose hash the county can check fixes its algorithm\n"
         "      alg := matched; h.algorithm_seq := e.seq;\n"
         "      UPDATE audit_chain SET algorithm = alg, algorithm_seq = e.seq\n"
         "        WHERE centre_code = me AND workstation = ws;\n"
         "    END IF;\n"
         "    IF e.seq IS NOT NULL AND (head_seq IS NULL OR e.seq > head_seq) THEN\n"),
    )  # fmt: skip
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


_RELEASE_CHAIN = (
    "  UPDATE audit_chain SET seq = NULL, entry_hash = NULL, anchored_seq = NULL, "
    "released_at = now()\n"
)
assert RELEASE_WORKSTATION_V5.count(_RELEASE_CHAIN) == 1
RELEASE_WORKSTATION_V14 = RELEASE_WORKSTATION_V5.replace(
    _RELEASE_CHAIN,
    "  UPDATE audit_chain SET seq = NULL, entry_hash = NULL, anchored_seq = NULL, "
    "released_at = now(),\n      algorithm = NULL, algorithm_seq = NULL\n",
)


# ---------------------------------------------------------------- c0009 (issue 21)
#
# Bundles (一件事) come down with the catalogue: the pull sends a bundle version's
# document beside the item versions'. A program that does not know bundles skips the
# rows (it applies only the tables it knows).

_PULL_ITEM_BRANCH = "        WHEN 'calendar_year' THEN"


def pull_with_bundles(pull: str) -> str:
    assert pull.count(_PULL_ITEM_BRANCH) == 1
    return pull.replace(
        _PULL_ITEM_BRANCH,
        "        WHEN 'bundle_version' THEN (SELECT jsonb_build_object('code', b.code,"
        " 'version', b.version,\n"
        "            'content_hash', b.content_hash, 'doc', b.doc)\n"
        "            FROM bundle_version b WHERE b.code = p.key AND b.version = p.key2)\n"
        + _PULL_ITEM_BRANCH,
    )


# c0014 (issue 16): the county keeps what a 特别程序 needs to move a case's dates as
# the workstation does (app/core/lifecycle.case_state, the one place): the promised
# limit (limit_days, limit_unit: the case's own, as counted at intake), the statutory
# date and the item's statutory limit (statutory_days, statutory_unit: pushed with the
# case, so an item the county never published is counted too). A workstation pushes
# them with every case row; one not yet updated sends none, and the county keeps what
# it has (coalesce). The pull sends the statutory date down with the due date.

CASE_LIMIT_COLUMNS = ("limit_days", "limit_unit", "statutory_date", "statutory_days",
                      "statutory_unit")  # fmt: skip

CASE_LIMITS_TABLE = f"""
ALTER TABLE {SCHEMA}.cases
  ADD COLUMN limit_days integer,
  ADD COLUMN limit_unit text CHECK (limit_unit IN ('工作日', '自然日')),
  ADD COLUMN statutory_date date,
  ADD COLUMN statutory_days integer,
  ADD COLUMN statutory_unit text CHECK (statutory_unit IN ('工作日', '自然日'));
"""


def apply_cases_function_v14() -> str:
    """c0004's _apply_cases, with the case's limits and statutory date kept."""
    text = apply_cases_function_v4()
    lifecycle = ", ".join(LIFECYCLE_COLUMNS)
    assert text.count(lifecycle) == 2
    text = text.replace(lifecycle, lifecycle + ", " + ", ".join(CASE_LIMIT_COLUMNS))
    old_set = "      due_date = excluded.due_date, clock_stopped_on = excluded.clock_stopped_on,\n"
    assert text.count(old_set) == 1
    kept = "".join(f"      {c} = coalesce(excluded.{c}, cases.{c}),\n" for c in CASE_LIMIT_COLUMNS)
    return text.replace(old_set, old_set + kept)


_PULL_LIFECYCLE = " 'owner', c.owner,"


def pull_with_statutory(pull: str) -> str:
    """A pull (after pull_with_lifecycle) that sends the statutory date down too."""
    assert pull.count(_PULL_LIFECYCLE) == 1
    return pull.replace(_PULL_LIFECYCLE, _PULL_LIFECYCLE + " 'statutory_date', c.statutory_date,")


# c0009's pull (bundles, no bookings, the lifecycle's columns) with the statutory date
PULL_V14 = pull_with_bundles(
    pull_without_bookings(pull_with_statutory(pull_with_lifecycle(PULL_V3)))
)

# ``central step`` reads a case (case_life_v1) and writes a step (record_case_step_v1),
# c0004's, now with the limits and the statutory date.
STEP_FUNCTIONS_V14 = f"""
CREATE OR REPLACE FUNCTION {API}.case_life_v1(p_case_no text) RETURNS jsonb
LANGUAGE sql STABLE {DEFINER} AS $fn$
  SELECT jsonb_build_object(
    'case_no', c.case_no, 'status', c.status, 'row_version', c.row_version,
    'owner', c.owner, 'clerk', c.clerk, 'promised_date', c.promised_date,
    'due_date', c.due_date, 'supply_by', c.supply_by, 'accepted_at', c.accepted_at,
    'limit_days', c.limit_days, 'limit_unit', c.limit_unit,
    'statutory_date', c.statutory_date, 'statutory_days', c.statutory_days,
    'statutory_unit', c.statutory_unit,
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

CREATE OR REPLACE FUNCTION {API}.record_case_step_v1(p_case_no text, p_version int,
    p_changes jsonb, p_at timestamp, p_actor text, p_action text, p_detail jsonb)
RETURNS jsonb LANGUAGE plpgsql {DEFINER} AS $fn$
DECLARE c record;
BEGIN
  {LOCK_CHANGE_LOG}
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
    statutory_date = CASE WHEN p_changes ? 'statutory_date'
                          THEN (p_changes->>'statutory_date')::date ELSE statutory_date END,
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
