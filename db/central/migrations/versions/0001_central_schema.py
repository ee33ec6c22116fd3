"""central schema: centres, workstations, inbox, change log, catalogue, calendar,
clerks, cases and their children; row-level security; push/pull functions

Revision ID: c0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import context, op

from db.central import sql

revision = "c0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA_VERSION = 1
TABLES_V1 = (
    "cases", "applicant", "case_answer", "case_material", "notice_line", "audit_entry",
    "print_log",
)  # fmt: skip

CENTRE_SCOPED = (
    "workstation", "inbox", "change_log", "clerk", "cases", "applicant", "case_answer",
    "case_material", "notice_line", "audit_entry", "print_log", "conflict", "quarantine",
)  # fmt: skip

DDL = """
CREATE TABLE install (
  id int PRIMARY KEY CHECK (id = 1),
  prefix text NOT NULL,
  schema_version int NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now());

CREATE TABLE centre (
  code text PRIMARY KEY CHECK (code ~ '^[0-9]{6,12}$'),
  name text NOT NULL,
  role_name text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now());

CREATE TABLE workstation (
  centre_code text NOT NULL REFERENCES centre,
  code text NOT NULL,
  install_id uuid NOT NULL,
  machine text NOT NULL DEFAULT '',
  last_batch_seq bigint NOT NULL DEFAULT 0,
  schema_version int,
  first_seen timestamptz NOT NULL DEFAULT now(),
  last_seen timestamptz,
  PRIMARY KEY (centre_code, code));

CREATE TABLE inbox (
  centre_code text NOT NULL,
  workstation text NOT NULL,
  install_id uuid NOT NULL,
  batch_seq bigint NOT NULL,
  first_seq bigint,
  last_seq bigint,
  digest text,
  schema_version int,
  rows_applied bigint,
  rows_quarantined int,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (centre_code, workstation, install_id, batch_seq));

CREATE TABLE change_log (
  seq bigserial PRIMARY KEY,
  xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  tbl text NOT NULL,
  key text NOT NULL,
  key2 text,
  centre_code text,
  workstation text,
  origin text,
  at timestamptz NOT NULL DEFAULT now());
CREATE INDEX ix_change_log_xid_seq ON change_log (xid, seq);

CREATE TABLE item_version (
  code text NOT NULL,
  version text NOT NULL,
  name text NOT NULL,
  content_hash text NOT NULL,
  doc jsonb NOT NULL,
  published_at timestamptz NOT NULL DEFAULT now(),
  published_by text NOT NULL DEFAULT session_user,
  PRIMARY KEY (code, version));

CREATE TABLE calendar_year (
  year int PRIMARY KEY,
  version int NOT NULL,
  doc jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now());

CREATE TABLE clerk (
  centre_code text NOT NULL REFERENCES centre,
  login text NOT NULL,
  name text NOT NULL,
  password_hash text NOT NULL,
  window_no text NOT NULL DEFAULT '',
  backup_for text NOT NULL DEFAULT '',
  role text NOT NULL DEFAULT 'clerk',
  active boolean NOT NULL DEFAULT true,
  row_version int NOT NULL DEFAULT 1,
  PRIMARY KEY (centre_code, login));

CREATE TABLE cases (
  id uuid PRIMARY KEY,
  centre_code text NOT NULL REFERENCES centre,
  case_no text NOT NULL UNIQUE,
  item_code text NOT NULL,
  item_version text NOT NULL,
  item_name text NOT NULL,
  decision text NOT NULL,
  status text NOT NULL,
  decision_reason text NOT NULL DEFAULT '',
  legal_basis text NOT NULL DEFAULT '',
  promised_date date,
  supply_by date,
  accepted_at timestamp NOT NULL,
  completed_at timestamp,
  clerk text NOT NULL,
  clerk_name text NOT NULL,
  on_behalf_of text NOT NULL DEFAULT '',
  window_no text NOT NULL,
  workstation text NOT NULL,
  applicant_name text NOT NULL,
  applicant_id_no text NOT NULL DEFAULT '',
  previous_case_id uuid,
  application_id uuid,
  row_version int NOT NULL DEFAULT 1,
  ws_seq bigint,
  received_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX ix_cases_centre_ws ON cases (centre_code, workstation);

CREATE TABLE applicant (
  case_id uuid PRIMARY KEY REFERENCES cases ON DELETE CASCADE,
  centre_code text NOT NULL,
  kind text NOT NULL, name text NOT NULL, id_type text NOT NULL DEFAULT '',
  id_no text NOT NULL DEFAULT '', phone text NOT NULL DEFAULT '', address text NOT NULL DEFAULT '',
  legal_rep text NOT NULL DEFAULT '', agent_name text NOT NULL DEFAULT '',
  agent_id_type text NOT NULL DEFAULT '', agent_id_no text NOT NULL DEFAULT '',
  agent_phone text NOT NULL DEFAULT '',
  ws_seq bigint);

CREATE TABLE case_answer (
  case_id uuid NOT NULL REFERENCES cases ON DELETE CASCADE,
  question_code text NOT NULL,
  centre_code text NOT NULL,
  ord int NOT NULL, question text NOT NULL, answer text NOT NULL,
  ws_seq bigint,
  PRIMARY KEY (case_id, question_code));

CREATE TABLE case_material (
  case_id uuid NOT NULL REFERENCES cases ON DELETE CASCADE,
  seq int NOT NULL,
  centre_code text NOT NULL,
  name text NOT NULL, medium text NOT NULL, necessity text NOT NULL,
  required_copies int NOT NULL, status text NOT NULL, copies int NOT NULL DEFAULT 0,
  reason text NOT NULL DEFAULT '',
  ws_seq bigint,
  PRIMARY KEY (case_id, seq));

CREATE TABLE notice_line (
  case_id uuid NOT NULL REFERENCES cases ON DELETE CASCADE,
  seq int NOT NULL,
  centre_code text NOT NULL,
  material text NOT NULL, problem text NOT NULL, requirement text NOT NULL,
  "deferrable" boolean NOT NULL DEFAULT false,
  ws_seq bigint,
  PRIMARY KEY (case_id, seq));

CREATE TABLE audit_entry (
  id uuid PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES cases ON DELETE CASCADE,
  centre_code text NOT NULL,
  at timestamp NOT NULL, actor text NOT NULL, action text NOT NULL,
  detail jsonb NOT NULL DEFAULT '{}',
  workstation text,          -- NULL: made at the county
  ws_seq bigint);
CREATE INDEX ix_audit_entry_case ON audit_entry (case_id);

CREATE TABLE print_log (
  id uuid PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES cases ON DELETE CASCADE,
  centre_code text NOT NULL,
  ref text NOT NULL, what text NOT NULL, at timestamp NOT NULL, who text NOT NULL,
  copies int NOT NULL DEFAULT 1, printer text NOT NULL DEFAULT '', success boolean NOT NULL,
  message text NOT NULL DEFAULT '', job_id text NOT NULL DEFAULT '', file text NOT NULL DEFAULT '',
  ws_seq bigint);
CREATE INDEX ix_print_log_case ON print_log (case_id);

CREATE TABLE conflict (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  centre_code text NOT NULL,
  workstation text,
  tbl text NOT NULL, row_key text NOT NULL, rule text NOT NULL, message text NOT NULL,
  detail jsonb NOT NULL DEFAULT '{}');

CREATE TABLE quarantine (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  centre_code text NOT NULL,
  workstation text,
  install_id uuid DEFAULT nullif(current_setting('yc.push_install', true), '')::uuid,
  batch_seq bigint,
  tbl text NOT NULL, row_key text NOT NULL, reason text NOT NULL, row_data jsonb);

-- the case status state machine
CREATE FUNCTION status_list() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$ SELECT ARRAY[{statuses}] $$;
CREATE FUNCTION status_forward(a text, b text) RETURNS boolean LANGUAGE sql IMMUTABLE AS
  $$ SELECT (a, b) IN ({moves}) $$;

-- change log: what the workstations pull
CREATE FUNCTION log_change() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = yc, pg_temp AS $fn$
BEGIN
  IF TG_TABLE_NAME = 'item_version' THEN
    INSERT INTO change_log (tbl, key, key2) VALUES ('item_version', NEW.code, NEW.version);
  ELSIF TG_TABLE_NAME = 'calendar_year' THEN
    INSERT INTO change_log (tbl, key) VALUES ('calendar_year', NEW.year::text);
  ELSIF TG_TABLE_NAME = 'clerk' THEN
    INSERT INTO change_log (tbl, key, centre_code) VALUES ('clerk', NEW.login, NEW.centre_code);
  ELSIF TG_TABLE_NAME = 'cases' THEN
    -- a workstation's own push does not come back to it
    IF nullif(current_setting('yc.push_ws', true), '') IS DISTINCT FROM NEW.workstation THEN
      INSERT INTO change_log (tbl, key, centre_code, workstation, origin)
        VALUES ('cases', NEW.id::text, NEW.centre_code, NEW.workstation,
                coalesce(nullif(current_setting('yc.push_ws', true), ''), 'county'));
    END IF;
  END IF;
  RETURN NULL;
END $fn$;
CREATE TRIGGER item_version_log AFTER INSERT ON item_version FOR EACH ROW EXECUTE FUNCTION log_change();
CREATE TRIGGER calendar_year_log AFTER INSERT OR UPDATE ON calendar_year FOR EACH ROW EXECUTE FUNCTION log_change();
CREATE TRIGGER clerk_log AFTER INSERT OR UPDATE ON clerk FOR EACH ROW EXECUTE FUNCTION log_change();
CREATE TRIGGER cases_log AFTER UPDATE ON cases FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.row_version IS DISTINCT FROM NEW.row_version)
  EXECUTE FUNCTION log_change();

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'YC020',
    MESSAGE = '已发布的事项版本不能修改或删除；请以新的版本号发布。';
END $fn$;
CREATE TRIGGER item_version_immutable BEFORE UPDATE OR DELETE ON item_version
  FOR EACH ROW EXECUTE FUNCTION refuse_change();

CREATE FUNCTION case_forward_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF NEW.status <> OLD.status AND NOT status_forward(OLD.status, NEW.status) THEN
    RAISE EXCEPTION USING ERRCODE = 'YC011',
      MESSAGE = format('办件 %s 的状态只能前进：“%s”不能改为“%s”。', OLD.case_no, OLD.status, NEW.status);
  END IF;
  RETURN NEW;
END $fn$;
CREATE TRIGGER cases_forward_only BEFORE UPDATE ON cases FOR EACH ROW EXECUTE FUNCTION case_forward_only();
"""


def upgrade() -> None:
    roles = sql.Roles(context.config.attributes["prefix"])
    statuses = ", ".join(f"'{s}'" for s in sql.STATUSES)
    moves = ", ".join(f"('{a}', '{b}')" for a, b in sql.STATUS_MOVES)
    _run("SET search_path = yc, pg_temp")
    _run(DDL.replace("{statuses}", statuses).replace("{moves}", moves))
    _run(
        f"INSERT INTO install (id, prefix, schema_version) VALUES (1, '{roles.prefix}', {SCHEMA_VERSION})"
    )
    for table in CENTRE_SCOPED:
        _run(sql.centre_policies(table, roles))
    _run(sql.apply_cases_function())
    for name in TABLES_V1[1:]:
        _run(sql.apply_child_function(sql.SPECS[name]))
    _run(sql.ROWWISE)
    _run(sql.push_function(TABLES_V1))
    _run(sql.PULL)
    _run(sql.SERVER_INFO)
    _run(sql.ADMIN_FUNCTIONS)
    _run(sql.grants(roles))
    _run("SET search_path = public")


def downgrade() -> None:
    raise NotImplementedError("the central schema is not downgraded")


def _run(statement: str) -> None:
    # straight to psycopg without parameters, so the '%s' of format() and the ':' of
    # PL/pgSQL reach the server as written
    op.get_bind().connection.driver_connection.execute(statement)  # type: ignore[union-attr]
