"""bundles (一件事) in the county's catalogue, published like item versions and pulled
down with them (issue 21)

Revision ID: c0009
Revises: c0006
Create Date: 2026-12-07

- ``yc.bundle_version``: one published version of a bundle, keyed (code, version), its
  document as app/core/bundles.bundle_to_doc writes it. Like an item version it never
  changes (``YC020``); each new version appends a change-log row (no centre: every
  hall pulls it).
- ``publish_bundles_v1(bundles)`` (admin): all or none; a version already published
  with other content refuses the whole call (``YC020``).
- ``sync_pull_v1`` sends the bundle rows; the protocol's schema version stays 2 (a
  program that does not know bundles skips the rows).
"""

from __future__ import annotations

from alembic import context, op

from db.central import sql

revision = "c0009"
down_revision = "c0006"
branch_labels = None
depends_on = None

S, API = sql.SCHEMA, sql.API

TABLE = f"""
CREATE TABLE bundle_version (
  code text NOT NULL,
  version text NOT NULL,
  name text NOT NULL,
  content_hash text NOT NULL,
  doc jsonb NOT NULL,
  published_at timestamptz NOT NULL DEFAULT now(),
  published_by text NOT NULL DEFAULT session_user,
  PRIMARY KEY (code, version));

CREATE FUNCTION log_bundle_change() RETURNS trigger LANGUAGE plpgsql {sql.DEFINER} AS $fn$
BEGIN
  INSERT INTO change_log (tbl, key, key2) VALUES ('bundle_version', NEW.code, NEW.version);
  RETURN NULL;
END $fn$;
CREATE TRIGGER bundle_version_log AFTER INSERT ON bundle_version
  FOR EACH ROW EXECUTE FUNCTION log_bundle_change();

CREATE FUNCTION refuse_bundle_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'YC020',
    MESSAGE = '已发布的一件事版本不能修改或删除；请以新的版本号发布。';
END $fn$;
CREATE TRIGGER bundle_version_immutable BEFORE UPDATE OR DELETE ON bundle_version
  FOR EACH ROW EXECUTE FUNCTION refuse_bundle_change();
"""

PUBLISH = f"""
CREATE OR REPLACE FUNCTION {API}.publish_bundles_v1(bundles jsonb) RETURNS jsonb
LANGUAGE plpgsql {sql.DEFINER} AS $fn$
-- Publish bundle versions, all or none. A published version never changes.
DECLARE clash text; n bigint;
BEGIN
  {sql.LOCK_CHANGE_LOG}
  SELECT string_agg(format('%s（版本 %s）', s.code, s.version), '、') INTO clash
    FROM jsonb_to_recordset(bundles) AS s(code text, version text, content_hash text)
    JOIN bundle_version b ON b.code = s.code AND b.version = s.version
                          AND b.content_hash <> s.content_hash;
  IF clash IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'YC020',
      MESSAGE = '以下一件事的同一版本已发布且内容不同；已发布的版本不能修改，请提高版本号后再发布：' || clash;
  END IF;
  WITH ins AS (
    INSERT INTO bundle_version (code, version, name, content_hash, doc)
    SELECT e.v->>'code', e.v->>'version', e.v->>'name', e.v->>'content_hash', e.v->'doc'
      FROM jsonb_array_elements(bundles) WITH ORDINALITY AS e(v, n)
      ORDER BY e.n
    ON CONFLICT DO NOTHING RETURNING 1)
  SELECT count(*) INTO n FROM ins;
  RETURN jsonb_build_object('added', n, 'unchanged', jsonb_array_length(bundles) - n);
END $fn$;
"""

# after c0006: the lifecycle's columns, no booking changes; now the bundles too
PULL_V9 = sql.pull_with_bundles(sql.pull_without_bookings(sql.pull_with_lifecycle(sql.PULL_V3)))


def grants(roles: sql.Roles) -> str:
    return f"""
REVOKE ALL ON {S}.bundle_version FROM PUBLIC;
GRANT SELECT ON {S}.bundle_version TO "{roles.admin}";
REVOKE EXECUTE ON FUNCTION {S}.log_bundle_change(), {S}.refuse_bundle_change() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION {API}.publish_bundles_v1(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {API}.publish_bundles_v1(jsonb) TO "{roles.admin}";
"""


def upgrade() -> None:
    roles = sql.Roles(context.config.attributes["prefix"])
    _run(f"SET search_path = {S}, pg_temp")
    _run(TABLE)
    _run(PUBLISH)
    _run(PULL_V9)
    _run(grants(roles))
    _run("SET search_path = public")


def downgrade() -> None:
    raise NotImplementedError("the central schema is not downgraded")


def _run(statement: str) -> None:
    # straight to psycopg without parameters, so the '%s' of format() and the ':' of
    # PL/pgSQL reach the server as written
    op.get_bind().connection.driver_connection.execute(statement)  # type: ignore[union-attr]
