"""Shared fixtures: real SQLite files, a real PostgreSQL database per test run, Qt
offscreen. Under CI=true a test that needs PostgreSQL fails when none is reachable;
elsewhere it skips and says why."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("YICHUANG_NO_CRASH_DIALOG", "1")
# no hall file of this machine (/etc/yichuang/hall.json) seeds the tests' data folders
os.environ.setdefault("YICHUANG_HALL_FILE", "")


def _hypothesis_without_clocks() -> None:
    """Property tests never depend on the machine's speed: no per-example deadline and
    no health check that times input generation (a loaded CI machine or a mutation
    run made them fail on time alone)."""
    from hypothesis import HealthCheck, settings

    settings.register_profile(
        "yichuang", deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    settings.load_profile("yichuang")


_hypothesis_without_clocks()


def _test_store_key() -> None:
    """The local stores are encrypted (db/cipher.py) with a key kept outside the data
    folder: the tests' key file, made once per run (mode 600) and handed to every
    subprocess through the environment, as an unattended machine is set up."""
    import secrets
    import tempfile

    if os.environ.get("YICHUANG_STORE_KEY_FILE"):
        return
    path = Path(tempfile.mkdtemp(prefix="yc-test-key-")) / "store.key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    os.environ["YICHUANG_STORE_KEY_FILE"] = str(path)


_test_store_key()


@pytest.fixture(autouse=True)
def _own_audit_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test its own audit key file (db/cipher.audit_key_path), beside the run's
    store key and handed to its subprocesses: a key made by one test's program must
    not meet another test's store, which never marked its chain as keyed."""
    where = Path(os.environ["YICHUANG_STORE_KEY_FILE"]).with_name(f"audit-{uuid.uuid4().hex}.key")
    monkeypatch.setenv("YICHUANG_AUDIT_KEY_FILE", str(where))


from app.core.paths import resource  # noqa: E402  (after the environment above)
from db.store import Store, open_store  # noqa: E402

PG_ADMIN_URL = os.environ.get(
    "YICHUANG_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
DEMO_CATALOG = resource("catalog", "demo-catalog.xlsx")


@pytest.fixture(autouse=True)
def platform_font_after_each_test() -> Iterator[None]:
    """The application font is the QApplication's, which lives for the whole run: a
    test that installs the counter's font (app/ui/fonts.install_font) or the large
    one (Ctrl+Shift+L) would hand it to every later test, whose layout would then
    depend on the order the tests ran in. After each test the platform's own font
    comes back; a test that wants the counter's font installs it (tests/app/
    test_fonts_kept.py). Qt is not imported for a test that did not import it."""
    import sys

    yield
    widgets = sys.modules.get("PySide6.QtWidgets")
    app = widgets.QApplication.instance() if widgets is not None else None
    if app is not None:
        from PySide6.QtGui import QFontDatabase

        app.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.GeneralFont))


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(f"sqlite:///{tmp_path / 'local.sqlite3'}")
    yield store
    store.close()


def _pg_admin_engine():  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine

    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The admin URL of a reachable PostgreSQL, or skip/fail as the brief says."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    engine = _pg_admin_engine()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        engine.dispose()
        reason = f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.orig}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    engine.dispose()
    yield PG_ADMIN_URL


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh database on the real server, dropped afterwards."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    name = f"yc_test_{uuid.uuid4().hex[:12]}"
    engine = _pg_admin_engine()
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(pg_server).set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[Store]:
    store = open_store(pg_url)
    yield store
    store.close()


@pytest.fixture
def app_context(tmp_path: Path):  # type: ignore[no-untyped-def]
    """The embedded default on a fresh data folder: local SQLite + demo catalogue."""
    from app.context import open_context

    context = open_context(data_dir=str(tmp_path / "data"))
    yield context
    context.close()
