from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from db.models import Base
from db.schema import metadata
from db.store import (
    StoreError,
    create_store_engine,
    current_revision,
    database_url,
    head_revision,
    migrate,
    open_store,
    upgrade_with_alembic,
)

ROOT = Path(__file__).resolve().parents[2]


def test_sqlite_store_is_wal_with_foreign_keys(tmp_path: Path) -> None:
    store = open_store(database_url(None, tmp_path / "data"))
    try:
        assert (tmp_path / "data" / "yichuang.sqlite3").exists()
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert current_revision(store.engine) == head_revision()
    finally:
        store.close()


def test_migrations_build_exactly_the_models_on_sqlite(tmp_path: Path) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    try:
        upgrade_with_alembic(engine)  # every migration from nothing, as Alembic runs them
        _assert_schema_matches_models(engine)
        assert current_revision(engine) == head_revision()
        migrate(engine)  # a second run is a no-op
    finally:
        engine.dispose()


def _texts(options: object) -> dict[str, str]:
    """An index's dialect options (a partial index's WHERE clause) as text."""
    return {k: " ".join(str(v).split()) for k, v in dict(options or {}).items()}  # type: ignore[call-overload]


def _schema(engine) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Everything SQLite keeps of each table, as the inspector reads it back."""
    ins = inspect(engine)
    out: dict[str, object] = {}
    for t in sorted(ins.get_table_names()):
        out[t] = (
            sorted(
                (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                for c in ins.get_columns(t)
            ),
            ins.get_pk_constraint(t),
            sorted(str(sorted(fk.items())) for fk in ins.get_foreign_keys(t)),
            sorted(
                str(sorted({**i, "dialect_options": _texts(i.get("dialect_options"))}.items()))
                for i in ins.get_indexes(t)
            ),
            sorted(str(sorted(u.items())) for u in ins.get_unique_constraints(t)),
            sorted(
                (c["name"], " ".join(c["sqltext"].split())) for c in ins.get_check_constraints(t)
            ),
        )
    return out


def test_a_new_sqlite_store_is_made_from_the_models_as_the_migrations_make_it(
    tmp_path: Path,
) -> None:
    """A new workstation's store is created from the models in one step (no Alembic);
    it must be the very schema the migrations build, down to constraint names,
    defaults, checks and indexes, and stamped so later migrations apply."""
    migrated = create_store_engine(f"sqlite:///{tmp_path / 'migrated.sqlite3'}")
    upgrade_with_alembic(migrated)
    # made in a fresh process, as a new workstation makes it: no model module that
    # another test imported may fill the metadata for it
    new = tmp_path / "new.sqlite3"
    code = f"from db.store import open_store\nopen_store('sqlite:///{new}').close()\n"
    made = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert made.returncode == 0, made.stderr
    store = open_store(f"sqlite:///{new}")
    try:
        assert _schema(store.engine) == _schema(migrated)
        assert current_revision(store.engine) == head_revision()
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        store.close()
        migrated.dispose()


def test_creating_a_new_store_needs_no_alembic(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from db.store import open_store\n"
        f"open_store('sqlite:///{tmp_path / 'n.sqlite3'}').close()\n"
        "print('alembic' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False"]


def test_a_creation_that_fails_half_way_leaves_an_empty_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As when the first start is killed while creating the tables: nothing half-made
    stays, and the next start creates the store whole."""
    url = f"sqlite:///{tmp_path / 'k.sqlite3'}"
    real = Base.metadata.create_all

    def half(bind, **_kw):  # type: ignore[no-untyped-def]
        real(bind, tables=Base.metadata.sorted_tables[:10])
        raise OSError("killed")

    monkeypatch.setattr(Base.metadata, "create_all", half)
    with pytest.raises(OSError, match="killed"):
        open_store(url)
    engine = create_store_engine(url)
    assert inspect(engine).get_table_names() == []
    engine.dispose()
    monkeypatch.setattr(Base.metadata, "create_all", real)
    store = open_store(url)
    try:
        assert current_revision(store.engine) == head_revision()
        assert "cases" in inspect(store.engine).get_table_names()
    finally:
        store.close()


def test_two_processes_creating_one_new_store_both_open_it(tmp_path: Path) -> None:
    """The demo hall starts several programs on one data folder at once."""
    db = tmp_path / "shared.sqlite3"
    code = (
        "import sys, time\n"
        "from db.store import open_store\n"
        "time.sleep(max(0.0, float(sys.argv[1]) - time.time()))\n"
        f"s = open_store('sqlite:///{db}')\n"
        "from db.store import current_revision\n"
        "print(current_revision(s.engine))\n"
    )
    import time

    start = str(time.time() + 1.5)  # both past their imports, then at the same moment
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, start],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for _ in range(3)
    ]
    results = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err for _, err in results]
    assert {out.strip() for out, _ in results} == {head_revision()}


@pytest.mark.pg
def test_migrations_build_exactly_the_models_on_postgresql(pg_url: str) -> None:
    store = open_store(pg_url)
    try:
        _assert_schema_matches_models(store.engine)
        assert current_revision(store.engine) == head_revision()
    finally:
        store.close()


def _assert_schema_matches_models(engine) -> None:  # type: ignore[no-untyped-def]
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata())
    assert diff == []
    names = set(inspect(engine).get_table_names())
    assert {"item_version", "material", "cases", "audit_entry", "notice_line"} <= names


def test_a_newer_database_is_refused_clearly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'n.sqlite3'}"
    store = open_store(url)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    store.close()
    with pytest.raises(StoreError, match="比本程序新"):
        open_store(url)


def test_unwritable_location_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="无法"):
        open_store(database_url(str(blocker / "sub" / "db.sqlite3")))


def test_the_migration_environment_without_a_database_says_what_to_give() -> None:
    from alembic import command

    from db.store import alembic_config

    with pytest.raises(SystemExit, match="-x url="):
        command.upgrade(alembic_config(), "head")  # no engine, no -x url
