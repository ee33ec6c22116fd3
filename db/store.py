"""Opening a store: the workstation's local SQLite file (WAL, foreign keys on) or a
PostgreSQL URL, migrated to the newest schema with Alembic."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

from app.core.errors import StoreError as StoreError  # re-exported: raised here
from db.location import (
    APP_NAME as APP_NAME,  # re-exported: callers know these from here
)
from db.location import (
    MIGRATIONS,
    head_by_reading_scripts,
)
from db.location import database_url as database_url
from db.location import default_data_dir as default_data_dir

log = logging.getLogger("yichuang.db")


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across app crashes
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def create_store_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            folder = Path(parsed.database).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"无法创建数据目录 {folder}：{exc.strerror}") from exc
        engine = _encrypted_engine(url, parsed.database)
        event.listen(engine, "connect", _sqlite_pragmas)
        # Let SQLAlchemy issue BEGIN itself so transactions are explicit and
        # "BEGIN IMMEDIATE" can be used where writers must not deadlock.
        return engine
    return create_engine(url, pool_pre_ping=True)


def _encrypted_engine(url: str, database: str | None) -> Engine:
    """A SQLite file through SQLCipher (db/cipher.py): a plain file of an older version
    is converted first; each new connection sets the key before anything else."""
    from db import cipher

    if not database or database == ":memory:":
        return create_engine(url, module=cipher.dbapi())
    path = Path(database)
    cipher.ensure_encrypted(path)
    key = cipher.pragma_key(cipher.store_key(create=False))
    engine = create_engine(url, module=cipher.dbapi())

    @event.listens_for(engine, "do_connect")
    def keyed(_dialect: object, _record: object, cargs: Any, cparams: Any) -> Any:
        con = cipher.dbapi().connect(*cargs, **cparams)
        con.execute(key)
        return con

    return engine


def alembic_config(engine: Engine | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _stored_revision(engine: Engine) -> str | None:
    from sqlalchemy import inspect, text

    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (a no-op when it is there)."""
    head = head_by_reading_scripts()
    stored = _stored_revision(engine)
    if head is not None and stored == head:
        return  # the common case: nothing to do, and Alembic need not even load
    if head is not None and stored is None and _create_new_sqlite(engine, head):
        return
    upgrade_with_alembic(engine)


def _create_new_sqlite(engine: Engine, head: str) -> bool:
    """A new SQLite store is made from the models and stamped with the head revision,
    in one transaction: a quarter of a second less than running every migration
    (tests/db/test_store.py checks that both make the same schema), and a first start
    killed half-way leaves an empty file, not half a schema. False (nothing done) when
    the database is not SQLite or not empty — then Alembic takes over.

    A new store runs no migration code: a future migration that adds rows (not only
    schema) must have them made for new stores too (none does today; 0008 only updates
    rows that exist)."""
    if engine.dialect.name != "sqlite":
        return False
    from sqlalchemy import inspect, text

    from db.schema import metadata

    with engine.connect() as conn:
        dbapi: Any = conn.connection.driver_connection  # sqlcipher3 (db/cipher.py)
        legacy = dbapi.isolation_level
        # pysqlite would commit before each CREATE: take the transaction in hand
        dbapi.isolation_level = None
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # a second process waits here
            if inspect(conn).get_table_names():
                conn.exec_driver_sql("ROLLBACK")
                return False  # another process made it meanwhile, or it is not new
            metadata().create_all(conn)
            conn.execute(
                text(
                    "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                    "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
                )
            )
            conn.execute(text("INSERT INTO alembic_version VALUES (:head)"), {"head": head})
            conn.exec_driver_sql("COMMIT")
        except BaseException:
            if dbapi.in_transaction:
                dbapi.rollback()
            raise
        finally:
            conn.rollback()  # SQLAlchemy's own (empty) transaction
            dbapi.isolation_level = legacy
    log.info("new store created at revision %s", head)
    return True


def upgrade_with_alembic(engine: Engine) -> None:
    """Run the migrations from wherever the database is to the head."""
    from alembic import command
    from alembic.script import ScriptDirectory

    cfg = alembic_config(engine)
    scripts = ScriptDirectory.from_config(cfg)
    known = {s.revision for s in scripts.walk_revisions()}
    current = current_revision(engine)
    if current is not None and current not in known:
        raise StoreError(f"数据库结构版本（{current}）比本程序新，请升级一窗通后再打开此数据库。")
    head = scripts.get_current_head()
    if current is not None and current == head:
        return  # already there: another process made or migrated it meanwhile
    if current is not None:
        _backup_before_migration(engine, current, head)
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:
            # Batch mode rebuilds a table (create a copy, DROP the old one). With
            # foreign keys on, that DROP deletes every child row through ON DELETE
            # CASCADE: an upgrade emptied the applicants, materials, notice lines,
            # audit and print log of every case. Keys are off while migrating (the
            # pragma only takes effect outside a transaction) and checked before commit.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise StoreError(
                            f"数据库结构升级后有 {len(broken)} 处数据引用不一致（{broken[0][0]}），"
                            "升级已撤销，数据库未改动。请联系县中心技术人员。"
                        )
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()


def _backup_before_migration(engine: Engine, current: str, head: str | None) -> None:
    """A newer program is about to change an existing local database: keep a copy of
    it as it was (``backups/premigrate-REV-….sqlite3``), so an upgrade that goes wrong
    can be undone with ``yichuang restore``. A backup that cannot be made stops the
    migration (the data matter more than starting)."""
    from app.core.clock import clock_from_env
    from db.backup import BackupError, backup, backups_dir, prune
    from db.location import sqlite_file

    path = sqlite_file(engine.url.render_as_string(hide_password=False))
    if path is None or not path.is_file():
        return
    try:
        made = backup(path, clock_from_env().now(), kind="premigrate", label=current)
        prune(backups_dir(path), keep=DEFAULT_PREMIGRATE_KEEP)
    except (BackupError, OSError) as exc:
        raise StoreError(
            f"升级数据库结构（{current} → {head}）前的备份失败：{exc}。数据库未改动；"
            "请检查磁盘空间后再启动。"
        ) from exc
    log.info("backup before migrating %s -> %s: %s", current, head, made.name)


DEFAULT_PREMIGRATE_KEEP = 14


@dataclass
class Store:
    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def session(self) -> Session:
        return self.sessions()

    def get(self) -> Store:
        """This store (the same call opens a DeferredStore, app/quick_start.py)."""
        return self

    def close(self) -> None:
        self.engine.dispose()


class LocalStore(Protocol):
    """What callers use of the local store: an open Store, or the DeferredStore of a
    quick start (app/quick_start.py) that opens it on first use."""

    @property
    def engine(self) -> Engine: ...

    @property
    def url(self) -> str: ...

    def session(self) -> Session: ...

    def get(self) -> Store: ...

    def close(self) -> None: ...


def open_store(url: str, *, upgrade: bool = True) -> Store:
    engine = create_store_engine(url)
    try:
        if upgrade:
            migrate(engine)
    except StoreError:
        engine.dispose()
        raise
    except OperationalError as exc:
        engine.dispose()
        raise StoreError(f"无法打开数据库 {make_url(url).render_as_string()}：{exc.orig}") from exc
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StoreError(f"数据库错误：{exc}") from exc
    log.info("store open: %s", engine.url.render_as_string(hide_password=True))
    return Store(engine, sessionmaker(engine, expire_on_commit=False))
