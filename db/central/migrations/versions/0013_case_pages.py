"""page images of cases' materials (issue 22 item 2): uploaded by the workstation that
took them, in chunks, in the background; the county keeps each image once per centre
under its SHA-256 and checks that hash itself before it links the image to a page

Revision ID: c0013
Revises: c0009
Create Date: 2026-12-07

The sync protocol's shape does not change (schema version stays 2): images go through
a function of their own, ``upload_page_v1``, which an older program never calls.

- ``yc.page_blob``: one image of one centre, keyed (centre, sha256), with its declared
  size; ``data`` grows chunk by chunk and ``complete`` is set only when the bytes'
  own SHA-256 (computed here, ``sha256(bytea)``) equals the name. A wrong hash empties
  it and refuses the call (``YC031``): the workstation starts that image again.
- ``yc.case_page``: case + material + page → sha256; only for a complete image.
- ``upload_page_v1(req jsonb, chunk bytea)`` (centre logins): the caller is checked
  as in every sync call (``session_user``, registered workstation, c0003); the case
  must be the caller's own (its centre and its workstation), or the answer is
  ``no_case`` (not pushed yet: the workstation tries again after its next push). A
  chunk at another offset than the bytes held gets ``offset`` and the length held, so
  an upload cut half-way resumes where the county stands. Each call is one short
  transaction; no call holds the change log (images are not pulled down).
"""

from __future__ import annotations

from alembic import context, op

from db.central import sql

revision = "c0013"
down_revision = "c0012"  # rechained at the merges: after the audit anchor
branch_labels = None
depends_on = None

S, API = sql.SCHEMA, sql.API

MAX_BYTES = 20 * 1024 * 1024  # one page image; the program sends about 0.3 MB
MAX_CHUNK = 1024 * 1024

TABLES = f"""
CREATE TABLE page_blob (
  centre_code text NOT NULL REFERENCES centre,
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{{64}}$'),
  size int NOT NULL CHECK (size > 0 AND size <= {MAX_BYTES}),
  data bytea NOT NULL DEFAULT '',
  complete boolean NOT NULL DEFAULT false,
  workstation text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  PRIMARY KEY (centre_code, sha256));
ALTER TABLE page_blob ALTER COLUMN data SET STORAGE EXTERNAL;  -- JPEG: no compression
CREATE TABLE case_page (
  centre_code text NOT NULL REFERENCES centre,
  case_id uuid NOT NULL REFERENCES cases,
  material_seq int NOT NULL CHECK (material_seq >= 0),
  page int NOT NULL CHECK (page >= 1),
  sha256 text NOT NULL,
  workstation text NOT NULL,
  linked_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (case_id, material_seq, page),
  FOREIGN KEY (centre_code, sha256) REFERENCES page_blob);
CREATE INDEX ix_case_page_sha ON case_page (centre_code, sha256);
"""

UPLOAD = f"""
CREATE OR REPLACE FUNCTION {API}.upload_page_v1(req jsonb, chunk bytea) RETURNS jsonb
LANGUAGE plpgsql {sql.DEFINER} AS $fn$
DECLARE {sql.CHECK_DECLARE}
  c record; b record; p_sha text; p_size int; p_off int; p_case uuid; p_seq int; p_page int;
  have int;
BEGIN
  {sql.caller_checks_v3()}
  p_sha := req->>'sha256';
  IF coalesce(p_sha, '') !~ '^[0-9a-f]{{64}}$' THEN
    RAISE EXCEPTION USING ERRCODE = 'YC030', MESSAGE = '材料影像的校验值无效，县中心拒收。';
  END IF;
  BEGIN
    p_case := (req->>'case_id')::uuid;
    p_seq := (req->>'material_seq')::int;
    p_page := (req->>'page')::int;
    p_size := (req->>'size')::int;
    p_off := (req->>'offset')::int;
  EXCEPTION WHEN others THEN
    RAISE EXCEPTION USING ERRCODE = 'YC030', MESSAGE = '材料影像的上传请求格式错误，县中心拒收。';
  END;
  IF p_case IS NULL OR p_seq IS NULL OR p_seq < 0 OR p_page IS NULL OR p_page < 1
     OR p_size IS NULL OR p_size < 1 OR p_size > {MAX_BYTES} OR p_off IS NULL OR p_off < 0
     OR octet_length(coalesce(chunk, '')) > {MAX_CHUNK} THEN
    RAISE EXCEPTION USING ERRCODE = 'YC030', MESSAGE = format(
      '材料影像的上传请求超出范围（单张不超过 %s MB，每段不超过 1 MB），县中心拒收。', {MAX_BYTES} / 1048576);
  END IF;
  SELECT id, centre_code, workstation INTO c FROM cases WHERE id = p_case;
  IF NOT FOUND OR c.centre_code IS DISTINCT FROM me OR c.workstation IS DISTINCT FROM ws THEN
    RETURN jsonb_build_object('state', 'no_case', 'notice', notice);
  END IF;
  INSERT INTO page_blob (centre_code, sha256, size, workstation)
    VALUES (me, p_sha, p_size, ws) ON CONFLICT (centre_code, sha256) DO NOTHING;
  SELECT centre_code, sha256, size, complete, octet_length(data) AS n INTO b
    FROM page_blob WHERE centre_code = me AND sha256 = p_sha FOR UPDATE;
  IF NOT b.complete THEN
    IF b.size <> p_size THEN  -- started with another size: start again with this one
      UPDATE page_blob SET size = p_size, data = '' WHERE centre_code = me AND sha256 = p_sha;
      b.n := 0;
    END IF;
    IF p_off <> b.n THEN
      RETURN jsonb_build_object('state', 'offset', 'have', b.n, 'notice', notice);
    END IF;
    have := b.n + octet_length(coalesce(chunk, ''));
    IF have > p_size THEN
      UPDATE page_blob SET data = '' WHERE centre_code = me AND sha256 = p_sha;
      RETURN jsonb_build_object('state', 'offset', 'have', 0, 'notice', notice);
    END IF;
    UPDATE page_blob SET data = data || coalesce(chunk, '') WHERE centre_code = me AND sha256 = p_sha;
    IF have < p_size THEN
      RETURN jsonb_build_object('state', 'partial', 'have', have, 'notice', notice);
    END IF;
    IF encode(sha256((SELECT data FROM page_blob WHERE centre_code = me AND sha256 = p_sha)), 'hex')
       <> p_sha THEN
      -- the emptied row must stay empty: this call returns instead of raising
      UPDATE page_blob SET data = '' WHERE centre_code = me AND sha256 = p_sha;
      RETURN jsonb_build_object('state', 'bad_hash', 'have', 0, 'notice', notice);
    END IF;
    UPDATE page_blob SET complete = true, completed_at = now()
      WHERE centre_code = me AND sha256 = p_sha;
  END IF;
  INSERT INTO case_page (centre_code, case_id, material_seq, page, sha256, workstation)
    VALUES (me, p_case, p_seq, p_page, p_sha, ws)
    ON CONFLICT (case_id, material_seq, page) DO UPDATE SET sha256 = excluded.sha256,
      linked_at = now() WHERE case_page.sha256 IS DISTINCT FROM excluded.sha256;
  RETURN jsonb_build_object('state', 'done', 'have', p_size, 'notice', notice);
END $fn$;
"""


def grants(roles: sql.Roles) -> str:
    return f"""
REVOKE EXECUTE ON FUNCTION {API}.upload_page_v1(jsonb, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {API}.upload_page_v1(jsonb, bytea) TO "{roles.centre_group}";
"""


def upgrade() -> None:
    roles = sql.Roles(context.config.attributes["prefix"])
    _run(f"SET search_path = {S}, pg_temp")
    _run(TABLES)
    _run(sql.centre_policies("page_blob", roles))
    _run(sql.centre_policies("case_page", roles))
    _run(UPLOAD)
    _run(grants(roles))
    _run("SET search_path = public")


def downgrade() -> None:
    raise NotImplementedError("the central schema is not downgraded")


def _run(statement: str) -> None:
    # straight to psycopg without parameters, so the '%s' of format() and the ':' of
    # PL/pgSQL reach the server as written
    op.get_bind().connection.driver_connection.execute(statement)  # type: ignore[union-attr]
