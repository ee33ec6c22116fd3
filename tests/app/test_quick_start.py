"""The daily start without SQLAlchemy: when it applies, that it shows the same data
as the ordinary path, that the deferred store opens once whoever asks, and that the
program really starts that way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from app.context import open_context
from app.core.search import ItemIndex
from app.quick_start import DeferredStore, quick_context
from app.services.clerks import ClerkService
from app.ui.signin import SignInDialog
from db.catalog_repo import search_entries
from db.clerk_repo import ensure_demo_clerks, list_clerks
from tests.app.conftest import Keyboard

ROOT = Path(__file__).resolve().parents[2]


def _prepared(folder: Path) -> None:
    """A workstation's folder after its first start: store, demo catalogue, clerks."""
    ctx = open_context(data_dir=str(folder))
    with ctx.store.session() as s, s.begin():
        ensure_demo_clerks(s)
    ctx.close()


def test_a_new_folder_takes_the_ordinary_path(tmp_path: Path) -> None:
    assert quick_context(None, str(tmp_path)) is None
    assert not (tmp_path / "yichuang.sqlite3").exists()  # nothing created on the way


def test_a_postgresql_url_takes_the_ordinary_path(tmp_path: Path) -> None:
    assert quick_context("postgresql://somewhere/yichuang", str(tmp_path)) is None


def test_the_quick_path_reads_what_the_orm_reads(tmp_path: Path) -> None:
    _prepared(tmp_path)
    quick = quick_context(None, str(tmp_path))
    assert quick is not None
    ctx = open_context(data_dir=str(tmp_path))
    with ctx.store.session() as s:
        from db.application_repo import bundle_search_entries

        orm_entries = [*search_entries(s), *bundle_search_entries(s)]  # items and 一件事
        orm_clerks = list_clerks(s)
    assert quick.clerks == orm_clerks
    assert quick.context.item_index().entries() == ItemIndex(orm_entries).entries()
    hits = quick.context.item_index().search("zdsh")
    assert hits and hits[0].entry.name == "最低生活保障申请"
    assert not quick.context.store.ready  # nothing has asked for the ORM yet
    ctx.close()


def test_bundles_are_found_by_pinyin_from_the_first_paint(tmp_path: Path) -> None:
    """一件事 are picked like items: the quick path's index has them, with the pinyin
    stored at import, before the store opens (the same entries the ORM path builds)."""
    from app.core.search import BundleKey
    from db.application_repo import bundle_search_entries

    _prepared(tmp_path)
    quick = quick_context(None, str(tmp_path))
    assert quick is not None
    index = quick.context.item_index()
    hits = index.search("wykfd")
    assert hits and hits[0].entry.name == "我要开饭店"
    assert isinstance(hits[0].entry.key, BundleKey)
    assert index.search("qykb")[0].entry.name == "企业开办一件事"
    assert not quick.context.store.ready  # found without the ORM store
    ctx = open_context(data_dir=str(tmp_path))
    with ctx.store.session() as s:
        orm = [*search_entries(s), *bundle_search_entries(s)]
    assert index.entries() == ItemIndex(orm).entries()
    bundles = [e for e in index.entries() if isinstance(e.key, BundleKey)]
    assert len(bundles) == 4 and all(e.full and e.initials for e in bundles)
    ctx.close()


def test_a_store_that_needs_a_migration_takes_the_ordinary_path(tmp_path: Path) -> None:
    _prepared(tmp_path)
    ctx = open_context(data_dir=str(tmp_path))
    with ctx.store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    ctx.close()
    assert quick_context(None, str(tmp_path)) is None


def test_a_damaged_file_takes_the_ordinary_path(tmp_path: Path) -> None:
    (tmp_path / "yichuang.sqlite3").write_bytes(b"this is not a database" * 100)
    assert quick_context(None, str(tmp_path)) is None


def test_the_deferred_store_opens_once_for_every_thread(tmp_path: Path) -> None:
    _prepared(tmp_path)
    store = DeferredStore(f"sqlite:///{tmp_path / 'yichuang.sqlite3'}")
    got: list[object] = []
    threads = [threading.Thread(target=lambda: got.append(store.get())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 8 and len({id(g) for g in got}) == 1
    with store.session() as s:
        assert s.execute(text("SELECT count(*) FROM clerk")).scalar() == 4
    store.close()


@pytest.mark.gui
def test_signing_in_on_the_quick_path(qtbot: QtBot, tmp_path: Path, keyboard: Keyboard) -> None:
    _prepared(tmp_path)
    quick = quick_context(None, str(tmp_path))
    assert quick is not None
    dialog = SignInDialog(
        ClerkService(quick.context.store, quick.context.clock), "2", demo=True, clerks=quick.clerks
    )
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: dialog.login.hasFocus())
    keyboard.type("lijun")
    dialog.password.setFocus()
    keyboard.type("123456")
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        keyboard.press(Qt.Key.Key_Return)
    assert dialog.seat is not None and dialog.seat.clerk.name == "李军"
    assert quick.context.store.ready  # the password check opened it
    quick.context.close()


def test_the_program_starts_on_the_quick_path_and_then_opens_the_store(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", YICHUANG_NO_CRASH_DIALOG="1")
    cmd = [sys.executable, "-X", "importtime", "-m", "app", "run", "--data-dir", str(tmp_path),
           "--as", "wangfang", "--quit-after-ready"]  # fmt: skip
    first = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert first.returncode == 0, first.stderr[-2000:]
    again = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert again.returncode == 0, again.stderr[-2000:]
    lines = again.stdout.split()
    assert "ready" in lines and "store-open" in lines
    # -X importtime lists every import in order: SQLAlchemy only after the window
    imports = [line.rsplit("|", 1)[-1].strip() for line in again.stderr.splitlines()]
    assert "app.ui.main_window" in imports and "sqlalchemy" in imports
    assert imports.index("sqlalchemy") > imports.index("app.ui.main_window")


def test_calendar_years_pulled_from_the_county_are_used_on_both_paths(tmp_path: Path) -> None:
    from datetime import date

    from db.models import CalendarYearRow

    _prepared(tmp_path)
    ctx = open_context(data_dir=str(tmp_path))
    assert not ctx.calendar.covers(date(2027, 1, 4))
    doc = json.loads((ROOT / "tests" / "data" / "cn-2027-sample.json").read_text("utf-8"))
    with ctx.store.session() as s, s.begin():
        s.add(CalendarYearRow(year=2027, version=1, doc=doc))
    ctx.close()
    slow = open_context(data_dir=str(tmp_path))
    quick = quick_context(None, str(tmp_path))
    assert quick is not None
    for calendar in (slow.calendar, quick.context.calendar):
        assert calendar.covers(date(2027, 1, 4)) and calendar.covers(date(2026, 3, 2))
        assert calendar.holiday_name(date(2027, 1, 2)) == "元旦"
        assert calendar.is_working_day(date(2027, 1, 4))
    slow.close()
