"""Administration of the central database, for `yichuang central …` and for tests.

Every function takes an administrator's URL (a superuser, or a role with CREATEROLE
for `init`/`add_centre`; a member of the admin role for publishing). Messages for
people are Chinese and say what to do.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import sys
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import psycopg
from psycopg import sql as pgsql

from app.core.bundles import Bundle, bundle_to_doc
from app.core.items import Item
from db.central.sql import API, SCHEMA, Roles
from db.sync.catalog_docs import item_to_doc

if TYPE_CHECKING:  # Alembic and SQLAlchemy load only where the schema is migrated
    from alembic.config import Config
    from sqlalchemy import Connection

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
PREFIX = re.compile(r"^[a-z][a-z0-9_]{0,30}\Z")
CENTRE = re.compile(r"^\d{6,12}\Z")
WORKSTATION = re.compile(r"^[A-Z0-9]{2}\Z")


class CentralAdminError(RuntimeError):
    """A refusal or failure, in Chinese, for the county IT person."""


def libpq_url(url: str) -> str:
    """A libpq URL from a SQLAlchemy-style one (drops ``+psycopg``)."""
    return re.sub(r"^postgresql\+\w+://", "postgresql://", url)


def sqlalchemy_url(url: str) -> str:
    return re.sub(r"^postgres(?:ql)?(\+\w+)?://", "postgresql+psycopg://", url)


def connect(url: str, **kwargs: Any) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(libpq_url(url), connect_timeout=10, **kwargs)
    except psycopg.OperationalError as exc:
        raise CentralAdminError(f"无法连接县中心数据库：{exc}".strip()) from exc


def scram_verifier(password: str, iterations: int = 4096) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores: computed here, so the password
    itself never reaches the server (or its statement log)."""
    salt = os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    b64 = base64.b64encode
    return (
        f"SCRAM-SHA-256${iterations}:{b64(salt).decode()}"
        f"${b64(stored_key).decode()}:{b64(server_key).decode()}"
    )


def _alembic_config(connection: Connection, prefix: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    cfg.attributes["prefix"] = prefix
    cfg.attributes["owner"] = Roles(prefix).owner
    return cfg


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def _role_exists(cur: psycopg.Cursor[Any], name: str) -> bool:
    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
    return cur.fetchone() is not None


def init_central(url: str, prefix: str = "yc", revision: str = "head") -> Roles:
    """Create the roles, the schemas and the central tables (idempotent: a second run
    upgrades to ``revision``)."""
    if not PREFIX.match(prefix):
        raise CentralAdminError(f"角色前缀“{prefix}”无效：应为小写字母开头的小写字母、数字或下划线")
    roles = Roles(prefix)
    with connect(url, autocommit=True) as conn, conn.cursor() as cur:
        for role in (roles.owner, roles.admin, roles.centre_group):
            if not _role_exists(cur, role):
                cur.execute(pgsql.SQL("CREATE ROLE {} NOLOGIN").format(pgsql.Identifier(role)))
        cur.execute("SELECT current_database()")
        row = cur.fetchone()
        assert row is not None
        db = pgsql.Identifier(row[0])
        owner = pgsql.Identifier(roles.owner)
        for schema in (SCHEMA, API):
            cur.execute(
                pgsql.SQL("CREATE SCHEMA IF NOT EXISTS {} AUTHORIZATION {}").format(
                    pgsql.Identifier(schema), owner
                )
            )
        cur.execute(pgsql.SQL("REVOKE CONNECT, TEMPORARY ON DATABASE {} FROM PUBLIC").format(db))
        cur.execute(
            pgsql.SQL("GRANT CONNECT ON DATABASE {} TO {}, {}").format(
                db, pgsql.Identifier(roles.centre_group), pgsql.Identifier(roles.admin)
            )
        )
        _hide_other_sessions(cur, roles)
    _upgrade(url, prefix, revision)
    return roles


# Functions behind pg_stat_activity that tell one login who else is connected (role,
# application name). PUBLIC may call them by default, in every database.
SESSION_FUNCTIONS = (
    "pg_stat_get_activity(integer)",
    "pg_stat_get_backend_userid(integer)",
    "pg_stat_get_backend_activity(integer)",
)


def _hide_other_sessions(cur: psycopg.Cursor[Any], roles: Roles) -> None:
    """In this database, centre logins may not list the server's sessions (which
    would show other centres' logins and application names); the admin role may.
    Only a superuser can change these grants: otherwise the county's DBA is told."""
    cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    row = cur.fetchone()
    if not row or not row[0]:
        print(
            "提示：init 不是以超级用户运行，未能对各中心隐藏 pg_stat_activity；"
            "请数据库管理员按 docs/sync.md 执行相应的 REVOKE。",
            file=sys.stderr,
        )
        return
    admin = pgsql.Identifier(roles.admin)
    cur.execute(
        pgsql.SQL("REVOKE SELECT ON pg_catalog.pg_stat_activity FROM PUBLIC; "
                  "GRANT SELECT ON pg_catalog.pg_stat_activity TO {}").format(admin)
    )  # fmt: skip
    for fn in SESSION_FUNCTIONS:
        cur.execute(
            pgsql.SQL("REVOKE EXECUTE ON FUNCTION pg_catalog.{} FROM PUBLIC").format(pgsql.SQL(fn))
        )
        cur.execute(
            pgsql.SQL("GRANT EXECUTE ON FUNCTION pg_catalog.{} TO {}").format(pgsql.SQL(fn), admin)
        )


def installed_prefix(url: str) -> str:
    with connect(url) as conn, conn.cursor() as cur:
        try:
            cur.execute("SELECT prefix FROM yc.install")
        except psycopg.errors.UndefinedTable as exc:
            raise CentralAdminError(
                "这个数据库还不是一窗通县中心数据库：请先运行 yichuang central init --url …"
            ) from exc
        row = cur.fetchone()
        assert row is not None
        return str(row[0])


def _upgrade(url: str, prefix: str, revision: str) -> None:
    from alembic import command
    from sqlalchemy import create_engine

    engine = create_engine(sqlalchemy_url(url))
    try:
        with engine.begin() as conn:
            command.upgrade(_alembic_config(conn, prefix), revision)
    finally:
        engine.dispose()


def upgrade_central(url: str, revision: str = "head") -> str:
    _upgrade(url, installed_prefix(url), revision)
    return central_revision(url)


def central_revision(url: str) -> str:
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT version_num FROM yc.alembic_version")
        row = cur.fetchone()
        return str(row[0]) if row else ""


@dataclass(frozen=True)
class CentreLogin:
    code: str
    name: str
    role: str
    password: str


# The connection model (docs/sync.md, "Connections"): a workstation connects for one
# sync and disconnects (no pool, no idle session). Each centre login may hold at most
# CENTRE_CONNECTION_LIMIT sessions (CONNECTION LIMIT on the role, enforced by the
# server whatever the client does): measured at 15 workstations syncing every 5 s, a
# centre rarely has more than one sync in flight at a time (bench/bench_sync_county.py).
# The centres' limits together stay within max_connections less the superuser slots
# and COUNTY_RESERVE (the county's own tools, monitoring, backups), so workstations can
# never take the server's last connection: a workstation turned away says so in
# Chinese and comes back at its next turn (db/sync/client.py, BUSY_MESSAGE).
CENTRE_CONNECTION_LIMIT = 3
COUNTY_RESERVE = 7


@dataclass(frozen=True)
class CentreConnections:
    code: str
    role: str
    limit: int  # rolconnlimit; -1 is "no limit"
    in_use: int  # sessions of the login now (pg_stat_activity)


@dataclass(frozen=True)
class ConnectionBudget:
    max_connections: int
    superuser_reserved: int
    county_reserve: int
    centres: tuple[CentreConnections, ...]

    @property
    def for_centres(self) -> int:
        """Sessions the centre logins may hold together without touching the reserve."""
        return self.max_connections - self.superuser_reserved - self.county_reserve

    @property
    def promised(self) -> int:
        """The centres' limits added up (a centre without a limit counts as all)."""
        if any(c.limit < 0 for c in self.centres):
            return self.max_connections
        return sum(c.limit for c in self.centres)

    @property
    def ok(self) -> bool:
        return self.promised <= self.for_centres


def connection_budget(url: str) -> ConnectionBudget:
    """The server's connection slots against the centre logins' CONNECTION LIMITs, and
    each login's sessions now (for `yichuang central connections`)."""
    with connect(url) as conn, conn.cursor() as cur:
        return _budget(cur)


def _budget(cur: psycopg.Cursor[Any]) -> ConnectionBudget:
    cur.execute(
        "SELECT current_setting('max_connections')::int,"
        " current_setting('superuser_reserved_connections')::int"
        " + coalesce(current_setting('reserved_connections', true)::int, 0)"
    )
    row = cur.fetchone()
    assert row is not None
    cur.execute(
        "SELECT c.code, c.role_name, r.rolconnlimit,"
        " (SELECT count(*) FROM pg_stat_activity a WHERE a.usename = c.role_name)"
        " FROM yc.centre c JOIN pg_roles r ON r.rolname = c.role_name ORDER BY c.code"
    )
    centres = tuple(CentreConnections(r[0], r[1], int(r[2]), int(r[3])) for r in cur.fetchall())
    return ConnectionBudget(int(row[0]), int(row[1]), COUNTY_RESERVE, centres)


def _over_budget(budget: ConnectionBudget, promised: int, extra: int) -> str:
    return (
        f"县中心数据库最多 {budget.max_connections} 个连接（max_connections），"
        f"扣除超级用户保留 {budget.superuser_reserved} 个和县中心自用 {budget.county_reserve} 个后，"
        f"各中心同步账号合计最多 {budget.for_centres} 个；现有 {len(budget.centres)} 个中心"
        f"合计 {promised} 个，再加 {extra} 个就会超出，工作站多时可能占满数据库。"
        "请提高 PostgreSQL 的 max_connections（见 docs/sync.md“连接数”），"
        "或降低各中心的连接上限：yichuang central connections --per-centre 2"
    )


def set_connection_limit(url: str, limit: int, centre: str | None = None) -> ConnectionBudget:
    """Set the CONNECTION LIMIT of one centre's login, or of every centre's; refused
    when the centres' limits together would exceed the server's budget."""
    if limit < 1:
        raise CentralAdminError("每个中心至少要能有 1 个连接")
    with connect(url) as conn, conn.cursor() as cur:
        budget = _budget(cur)
        chosen = [c for c in budget.centres if centre is None or c.code == centre]
        if centre is not None and not chosen:
            raise CentralAdminError(f"没有中心 {centre}")
        others = sum(c.limit for c in budget.centres if c not in chosen)
        if others + limit * len(chosen) > budget.for_centres:
            raise CentralAdminError(_over_budget(budget, others, limit * len(chosen)))
        for c in chosen:
            cur.execute(
                pgsql.SQL("ALTER ROLE {} CONNECTION LIMIT {}").format(
                    pgsql.Identifier(c.role), pgsql.Literal(limit)
                )
            )
        return _budget(cur)


def pgbouncer_userlist(url: str) -> str:
    """PgBouncer's auth file for this installation's centre logins: each login with its
    SCRAM verifier (never a password), so PgBouncer checks the workstation's password
    and logs in to PostgreSQL as that same login (SCRAM pass-through). Needs a
    superuser (pg_authid)."""
    with connect(url) as conn, conn.cursor() as cur:
        try:
            cur.execute(
                "SELECT a.rolname, a.rolpassword FROM yc.centre c"
                " JOIN pg_authid a ON a.rolname = c.role_name ORDER BY c.code"
            )
        except psycopg.errors.InsufficientPrivilege as exc:
            raise CentralAdminError(
                "读取各中心账号的 SCRAM 校验值需要数据库超级用户（postgres）"
            ) from exc
        lines = []
        for role, secret in cur.fetchall():
            if not str(secret or "").startswith("SCRAM-SHA-256$"):
                raise CentralAdminError(
                    f"账号 {role} 没有 SCRAM 校验值：请先运行 yichuang central reset-password"
                )
            lines.append(f'"{role}" "{secret}"')
    return "\n".join(lines) + "\n"


def add_centre(
    url: str,
    code: str,
    name: str,
    *,
    connection_limit: int = CENTRE_CONNECTION_LIMIT,
    statement_timeout: str = "120s",
) -> CentreLogin:
    """Create a centre and its login role; the password is made here and shown once.
    Refused when its CONNECTION LIMIT would take the centres past the server's
    connection budget."""
    if not CENTRE.match(code):
        raise CentralAdminError(f"中心代码“{code}”无效：应为6至12位数字（行政区划代码）")
    if not name.strip():
        raise CentralAdminError("请填写中心名称")
    roles = Roles(installed_prefix(url))
    role = roles.centre_login(code)
    password = secrets.token_urlsafe(18)
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT name FROM yc.centre WHERE code = %s", [code])
        if cur.fetchone() is not None:
            raise CentralAdminError(
                f"中心 {code} 已存在。如需新密码：yichuang central reset-password {code}"
            )
        budget = _budget(cur)
        if budget.promised + connection_limit > budget.for_centres:
            raise CentralAdminError(_over_budget(budget, budget.promised, connection_limit))
        ident = pgsql.Identifier(role)
        if _role_exists(cur, role):
            raise CentralAdminError(f"数据库角色 {role} 已存在，请先由数据库管理员处理")
        cur.execute(
            pgsql.SQL(
                "CREATE ROLE {} LOGIN INHERIT PASSWORD {} CONNECTION LIMIT {} IN ROLE {}"
            ).format(
                ident,
                pgsql.Literal(scram_verifier(password)),
                pgsql.Literal(connection_limit),
                pgsql.Identifier(roles.centre_group),
            )
        )
        cur.execute(
            pgsql.SQL("ALTER ROLE {} SET statement_timeout = {}").format(
                ident, pgsql.Literal(statement_timeout)
            )
        )
        cur.execute(
            pgsql.SQL("ALTER ROLE {} SET idle_in_transaction_session_timeout = '60s'").format(ident)
        )
        cur.execute(
            "INSERT INTO yc.centre (code, name, role_name) VALUES (%s, %s, %s)",
            [code, name.strip(), role],
        )
    return CentreLogin(code, name.strip(), role, password)


def reset_password(url: str, code: str) -> CentreLogin:
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT name, role_name FROM yc.centre WHERE code = %s", [code])
        row = cur.fetchone()
        if row is None:
            raise CentralAdminError(f"没有中心 {code}")
        password = secrets.token_urlsafe(18)
        cur.execute(
            pgsql.SQL("ALTER ROLE {} PASSWORD {}").format(
                pgsql.Identifier(row[1]), pgsql.Literal(scram_verifier(password))
            )
        )
    return CentreLogin(code, row[0], row[1], password)


def add_admin(url: str, login: str) -> str:
    """A person's login in the admin role (catalogue, calendar, users, case status)."""
    roles = Roles(installed_prefix(url))
    password = secrets.token_urlsafe(18)
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            pgsql.SQL("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE {}").format(
                pgsql.Identifier(login),
                pgsql.Literal(scram_verifier(password)),
                pgsql.Identifier(roles.admin),
            )
        )
    return password


def _call(url: str, statement: str, params: Sequence[Any]) -> Any:
    with connect(url) as conn, conn.cursor() as cur:
        try:
            cur.execute(statement, params)
        except psycopg.Error as exc:
            raise CentralAdminError(server_message(exc)) from exc
        row = cur.fetchone()
        return row[0] if row else None


def server_message(exc: psycopg.Error) -> str:
    diag = getattr(exc, "diag", None)
    primary = diag.message_primary if diag is not None else None
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        return f"权限不足：此操作需要县中心管理员账号（{primary}）"
    return primary or str(exc)


def publish_items(url: str, items: Iterable[Item], chunk: int = 2000) -> dict[str, int]:
    """Publish item versions (all in one transaction: the new catalogue switches at once)."""
    from db.catalog_repo import content_hash

    docs = [
        {"code": i.code, "version": i.version, "name": i.name, "content_hash": content_hash(i),
         "doc": item_to_doc(i)}
        for i in items
    ]  # fmt: skip
    added = unchanged = 0
    with connect(url) as conn, conn.cursor() as cur:
        try:
            for start in range(0, len(docs), chunk):
                cur.execute(
                    f"SELECT {API}.publish_items_v1(%s::jsonb)",
                    [json.dumps(docs[start : start + chunk], ensure_ascii=False)],
                )
                row = cur.fetchone()
                assert row is not None
                added += int(row[0]["added"])
                unchanged += int(row[0]["unchanged"])
        except psycopg.Error as exc:
            raise CentralAdminError(server_message(exc)) from exc
    return {"added": added, "unchanged": unchanged}


def publish_bundles(url: str, bundles: Iterable[Bundle]) -> dict[str, int]:
    """Publish bundle versions (一件事), all or none, in one transaction. Publish their
    items first (publish_items): a hall checks a bundle against its items when it opens
    one, not when it pulls it."""
    from db.catalog_repo import bundle_hash

    docs = [
        {"code": b.code, "version": b.version, "name": b.name, "content_hash": bundle_hash(b),
         "doc": bundle_to_doc(b)}
        for b in bundles
    ]  # fmt: skip
    row = _call(
        url, f"SELECT {API}.publish_bundles_v1(%s::jsonb)", [json.dumps(docs, ensure_ascii=False)]
    )
    return {"added": int(row["added"]), "unchanged": int(row["unchanged"])}


def publish_calendar(url: str, year: int, doc: dict[str, Any]) -> int:
    return int(
        _call(
            url,
            f"SELECT {API}.publish_calendar_v1(%s, %s::jsonb)",
            [year, json.dumps(doc, ensure_ascii=False)],
        )
    )


def upsert_clerk(
    url: str,
    centre: str,
    login: str,
    name: str,
    password: str,
    *,
    window_no: str = "",
    backup_for: str = "",
    role: str = "clerk",
    active: bool = True,
) -> int:
    from app.core.accounts import hash_password

    doc = {
        "login": login, "name": name, "password_hash": hash_password(password),
        "window_no": window_no, "backup_for": backup_for, "role": role, "active": active,
    }  # fmt: skip
    return int(
        _call(
            url,
            f"SELECT {API}.upsert_clerk_v1(%s, %s::jsonb)",
            [centre, json.dumps(doc, ensure_ascii=False)],
        )
    )


class StatusChange(TypedDict):
    """What set_case_status_v1 answers."""

    changed: bool
    row_version: int


class WorkstationRegistered(TypedDict):
    """What add_workstation_v1 answers."""

    added: bool  # False: the code was registered already
    install_id: str | None  # the computer it is bound to; None: the first to sync


def set_case_status(url: str, case_no: str, status: str, actor: str) -> StatusChange:
    result: StatusChange = _call(
        url, f"SELECT {API}.set_case_status_v1(%s, %s, %s)", [case_no, status, actor]
    )
    return result


def add_workstation(
    url: str, centre: str, workstation: str, install_id: str | None = None
) -> WorkstationRegistered:
    """Register a workstation code to a centre (the county's act: a workstation never
    registers itself). With ``install_id`` the code is bound to that computer; without,
    to the first computer that syncs with it."""
    code = workstation.strip().upper()
    if not WORKSTATION.match(code):
        raise CentralAdminError(f"工作站代码“{workstation}”无效：应为2位大写字母或数字")
    if install_id is not None and not re.match(r"^[0-9a-fA-F-]{36}$", install_id):
        raise CentralAdminError(f"安装号“{install_id}”无效：应为工作站显示的完整安装号")
    result: WorkstationRegistered = _call(
        url, f"SELECT {API}.add_workstation_v1(%s, %s, %s::uuid)", [centre, code, install_id]
    )
    return result


def centre_role(url: str, centre: str) -> str:
    """The login role of a centre (for the set-up line shown to the IT person)."""
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT role_name FROM yc.centre WHERE code = %s", [centre])
        row = cur.fetchone()
    if row is None:
        raise CentralAdminError(f"没有中心 {centre}")
    return str(row[0])


def release_workstation(url: str, centre: str, workstation: str) -> bool:
    return bool(_call(url, f"SELECT {API}.release_workstation_v1(%s, %s)", [centre, workstation]))


class CentreOverview(TypedDict):
    code: str
    name: str
    role: str  # its sync login
    cases: int
    quarantined: int
    conflicts: int


class WorkstationOverview(TypedDict):
    centre: str
    code: str
    install_id: str  # empty: not bound to a computer yet
    batches: int  # the last batch received
    schema: int | None  # the schema version it last spoke
    last_seen: datetime | None


class Overview(TypedDict):
    schema: int | None  # the installed central schema
    centres: list[CentreOverview]
    workstations: list[WorkstationOverview]


def overview(url: str) -> Overview:
    """Centres, workstations and their last contact, quarantine and conflict counts."""
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT c.code, c.name, c.role_name,"
            " (SELECT count(*) FROM yc.cases k WHERE k.centre_code = c.code),"
            " (SELECT count(*) FROM yc.quarantine q WHERE q.centre_code = c.code),"
            " (SELECT count(*) FROM yc.conflict f WHERE f.centre_code = c.code)"
            " FROM yc.centre c ORDER BY c.code"
        )
        centres = [
            CentreOverview(code=r[0], name=r[1], role=r[2], cases=r[3], quarantined=r[4],
                           conflicts=r[5])
            for r in cur.fetchall()
        ]  # fmt: skip
        cur.execute(
            "SELECT centre_code, code, coalesce(install_id::text, ''), last_batch_seq, schema_version,"
            " last_seen FROM yc.workstation ORDER BY centre_code, code"
        )
        stations = [
            WorkstationOverview(centre=r[0], code=r[1], install_id=r[2], batches=r[3],
                                schema=r[4], last_seen=r[5])
            for r in cur.fetchall()
        ]  # fmt: skip
        cur.execute("SELECT schema_version FROM yc.install")
        row = cur.fetchone()
    return Overview(schema=row[0] if row else None, centres=centres, workstations=stations)


def drop_roles(url: str, prefix: str) -> None:
    """Remove every role of an installation (tests; a county decommissioning a database
    drops the database first)."""
    with connect(url, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT rolname FROM pg_roles WHERE rolname LIKE %s ORDER BY rolcanlogin DESC",
            [prefix.replace("_", r"\_") + r"\_%"],
        )
        for (name,) in cur.fetchall():
            cur.execute(pgsql.SQL("DROP ROLE IF EXISTS {}").format(pgsql.Identifier(name)))


def publish_bookings(url: str, centre: str, bookings: Iterable[Any]) -> dict[str, int]:
    """Publish a centre's bookings from the province's platform (app.core.booking.
    BookingInput, checked by parse_import), all or none; only the masked ID and phone,
    their last four and a hash of the ID go to the county. The centre's halls receive
    them at their next sync."""
    from db.booking_county import county_row

    rows = [county_row(b) for b in bookings]
    return dict(
        _call(
            url,
            f"SELECT {API}.publish_bookings_v1(%s, %s::jsonb)",
            [centre, json.dumps(rows, ensure_ascii=False)],
        )
    )


def cancel_booking(url: str, centre: str, number: str, reason: str) -> dict[str, Any]:
    """Cancel a booking at the county (refused when the hall reported it checked in)."""
    from app.core.booking import booking_no

    result: dict[str, Any] = _call(
        url, f"SELECT {API}.cancel_booking_v1(%s, %s, %s)", [centre, booking_no(number), reason]
    )
    return result


def centre_bookings(url: str, centre: str) -> list[dict[str, Any]]:
    """A centre's bookings at the county with what its hall reported (for `central
    bookings` and tests)."""
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT booking_no, category, day, start_time, end_time, name, status, hall_state,"
            " hall_at, hall_ticket FROM yc.booking WHERE centre_code = %s"
            " ORDER BY day, start_time, booking_no",
            [centre],
        )
        names = [d.name for d in cur.description or ()]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


# ---------------------------------------------------------------- audit chain breaks (c0012)


class AuditBreak(TypedDict):
    id: int
    centre: str
    workstation: str
    seq: int | None
    kind: str  # arrival: an entry pushed off the chain; rewrite: synced history rewritten
    reason: str
    found_at: datetime
    acked_at: datetime | None
    acked_by: str
    ack_reason: str


def audit_breaks(url: str, *, include_acked: bool = False) -> list[AuditBreak]:
    """The audit chain breaks the county found, per workstation, oldest first; those
    acknowledged only with ``include_acked``."""
    where = "" if include_acked else " WHERE acked_at IS NULL"
    with connect(url) as conn, conn.cursor() as cur:
        try:
            cur.execute(
                "SELECT id, centre_code, workstation, seq, kind, reason, found_at, acked_at,"
                " coalesce(acked_by, ''), coalesce(ack_reason, '') FROM yc.audit_break"
                + where
                + " ORDER BY centre_code, workstation, found_at, id"
            )
        except psycopg.errors.UndefinedTable as exc:
            raise CentralAdminError(
                "县中心数据库尚未升级到记录审计链断点的版本：请先运行 yichuang central upgrade。"
            ) from exc
        return [
            AuditBreak(id=r[0], centre=r[1], workstation=r[2], seq=r[3], kind=r[4], reason=r[5],
                       found_at=r[6], acked_at=r[7], acked_by=r[8], ack_reason=r[9])
            for r in cur.fetchall()
        ]  # fmt: skip


def ack_audit_break(url: str, break_id: int, reason: str) -> dict[str, Any]:
    """Mark a break looked into, with what was found (the administrator's login is
    recorded by the county)."""
    result: dict[str, Any] = _call(
        url, f"SELECT {API}.ack_audit_break_v1(%s, %s)", [break_id, reason]
    )
    return result


class VisitCase(TypedDict):
    case_no: str
    item_name: str
    status: str
    due_date: Any  # date | None
    completed_at: Any  # datetime | None
    workstation: str


class Visit(TypedDict):
    id: str
    centre: str
    workstation: str
    bundle_name: str  # "" when the county has no record of the visit itself
    applicant_name: str
    accepted_at: Any  # datetime | None
    window_no: str
    cases: list[VisitCase]


def visit(url: str, key: str) -> Visit | None:
    """A 联办 visit as the county holds it (c0015), found by its id or by the number
    of any of its cases: the visit and each of its cases' states. Its cases are those
    of its own centre naming it; None when no such visit or case is known."""
    key = key.strip()
    with connect(url) as conn, conn.cursor() as cur:
        try:
            app_id: str | None = str(uuid.UUID(key))
            centre = None
        except ValueError:
            cur.execute(
                "SELECT application_id::text, centre_code FROM yc.cases WHERE case_no = %s",
                [key.upper()],
            )
            found = cur.fetchone()
            if found is None or found[0] is None:
                return None
            app_id, centre = found
        cur.execute(
            "SELECT centre_code, workstation, bundle_name, applicant_name, accepted_at, window_no"
            " FROM yc.application WHERE id = %s",
            [app_id],
        )
        head = cur.fetchone()
        if head is not None:
            centre = head[0]
        if centre is None:
            return None
        cur.execute(
            "SELECT case_no, item_name, status, due_date, completed_at, workstation,"
            " applicant_name, accepted_at, window_no FROM yc.cases"
            " WHERE application_id = %s AND centre_code = %s ORDER BY accepted_at, case_no",
            [app_id, centre],
        )
        rows = cur.fetchall()
    if head is None and not rows:
        return None
    cases = [
        VisitCase(case_no=r[0], item_name=r[1], status=r[2], due_date=r[3], completed_at=r[4],
                  workstation=r[5])
        for r in rows
    ]  # fmt: skip
    if head is not None:
        return Visit(id=str(app_id), centre=head[0], workstation=head[1], bundle_name=head[2],
                     applicant_name=head[3], accepted_at=head[4], window_no=head[5],
                     cases=cases)  # fmt: skip
    first = rows[0]
    return Visit(id=str(app_id), centre=centre, workstation=first[5], bundle_name="",
                 applicant_name=first[6], accepted_at=first[7], window_no=first[8],
                 cases=cases)  # fmt: skip


# ---------------------------------------------------------------- follow-ups (c0007)

FOLLOW_UP_FINAL = ("已反馈", "申诉成立")  # app/core/feedback: the loop's ends
FOLLOW_UP_VIEWS = ("办理中", "已逾期", "已办结", "全部")  # app/services/feedback.View


class CountyFollowUp(TypedDict):
    centre: str
    centre_name: str
    no: str
    kind: str
    status: str
    opened_on: Any  # date
    due_on: Any  # date
    overdue: bool
    target_name: str
    assignee_name: str
    window_no: str
    content: str
    workstation: str


def follow_ups(
    url: str,
    today: Any,
    *,
    centre: str | None = None,
    view: str = "办理中",
    kind: str | None = None,
) -> list[CountyFollowUp]:
    """The 好差评 follow-ups and complaints the centres pushed, by centre, overdue
    first (open and due before ``today``), then by due day; ``view`` one of
    FOLLOW_UP_VIEWS, ``kind`` 差评 / 投诉."""
    if view not in FOLLOW_UP_VIEWS:
        raise ValueError(f"范围应为 {'、'.join(FOLLOW_UP_VIEWS)} 之一")
    final = list(FOLLOW_UP_FINAL)
    where, params = ["TRUE"], {"today": today, "final": final}
    if centre:
        where.append("f.centre_code = %(centre)s")
        params["centre"] = centre
    if kind:
        where.append("f.kind = %(kind)s")
        params["kind"] = kind
    if view == "办理中":
        where.append("f.status <> ALL(%(final)s)")
    elif view == "已逾期":
        where.append("f.status <> ALL(%(final)s) AND f.due_on < %(today)s")
    elif view == "已办结":
        where.append("f.status = ANY(%(final)s)")
    with connect(url) as conn, conn.cursor() as cur:
        try:
            cur.execute(
                "SELECT f.centre_code, c.name, f.no, f.kind, f.status, f.opened_on, f.due_on,"
                " (f.status <> ALL(%(final)s) AND f.due_on < %(today)s) AS overdue,"
                " f.target_name, f.assignee_name, f.window_no, f.content, f.workstation"
                " FROM yc.follow_up f JOIN yc.centre c ON c.code = f.centre_code"
                f" WHERE {' AND '.join(where)}"
                " ORDER BY f.centre_code, overdue DESC, f.status = ANY(%(final)s), f.due_on, f.no",
                params,
            )
        except psycopg.errors.UndefinedTable as exc:
            raise CentralAdminError(
                "县中心数据库尚未升级到接收好差评与投诉的版本：请先运行 yichuang central upgrade。"
            ) from exc
        return [
            CountyFollowUp(centre=r[0], centre_name=r[1], no=r[2], kind=r[3], status=r[4],
                           opened_on=r[5], due_on=r[6], overdue=bool(r[7]), target_name=r[8],
                           assignee_name=r[9], window_no=r[10], content=r[11], workstation=r[12])
            for r in cur.fetchall()
        ]  # fmt: skip
