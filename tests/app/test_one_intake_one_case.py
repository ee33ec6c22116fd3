"""One intake gives at most one case: key bursts through the real window, two saves
on the worker, two threads and two processes saving the same intake."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.context import open_context
from app.core.case_records import SavedCase
from app.core.check import Decision, MaterialOutcome, Status
from app.core.clock import SystemClock
from app.core.ids import uuid7
from app.core.intake import Applicant, Intake
from app.core.paths import resource
from app.core.workdays import load_calendar_dir
from app.services.counter import CounterService
from app.ui.main_window import MainWindow
from db.catalog_repo import current_version
from db.models import CaseRow
from db.store import Store
from tests.app.conftest import Keyboard
from tests.app.test_intake import fill_person, pick_item

ROOT = Path(__file__).resolve().parents[2]
KEY = Qt.Key
NOW = datetime(2026, 6, 1, 10, 0)


def _cases(store: Store) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(CaseRow)) or 0)


def _ready_to_accept(window: MainWindow, kb: Keyboard) -> None:
    pick_item(window, kb, "zdshbz")
    fill_person(kb)
    kb.press(KEY.Key_F4)
    kb.press(KEY.Key_Space, times=6)
    assert window.intake.decisions.buttons[Decision.ACCEPT].isEnabled()


def _settle(qtbot: QtBot, window: MainWindow) -> None:
    # every key is handled inside its press (a decision dialog opens, Return accepts
    # it and queues the save), and a save's answer queues what follows it (printing)
    # before the worker counts it done: nothing is left once no job is pending
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=10_000)


@pytest.mark.gui
@pytest.mark.parametrize(
    "keys",
    [
        "F5 F5 Return Return",
        "F5 F5 F5 Return Return Return",
        "F5 Return F5 Return",
        "F5 F7 Return Return",
        "F5 F5 Return F5 Return Return",
    ],
)
def test_a_burst_of_decision_keys_saves_one_case(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard, keys: str
) -> None:
    _ready_to_accept(window, keyboard)
    saved: list[SavedCase] = []
    window.intake.saved.connect(lambda case, _intake: saved.append(case))
    for name in keys.split():  # no wait between keys: as fast as a clerk's double press
        keyboard.press(getattr(KEY, f"Key_{name}"))
    _settle(qtbot, window)
    assert _cases(window.context.store) == 1
    assert len(saved) == 1
    assert window.intake.item is None  # the form is clear for the next applicant
    assert QApplication.activeModalWidget() is None  # and no dialog is left over it
    assert not [
        w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()
    ]


@pytest.mark.gui
def test_only_one_decision_dialog_at_a_time(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard
) -> None:
    _ready_to_accept(window, keyboard)
    keyboard.press(KEY.Key_F5)
    keyboard.press(KEY.Key_F5)
    keyboard.press(KEY.Key_F8)
    dialogs = [
        w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()
    ]
    assert len(dialogs) == 1
    keyboard.press(KEY.Key_Escape)  # 返回修改: the intake stays, F5 works again
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None)
    keyboard.press(KEY.Key_F5)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None)
    with qtbot.waitSignal(window.intake.saved, timeout=10_000):
        keyboard.press(KEY.Key_Return)
    _settle(qtbot, window)
    assert _cases(window.context.store) == 1


@pytest.mark.gui
def test_two_saves_of_one_intake_racing_on_the_worker_give_one_case(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard
) -> None:
    _ready_to_accept(window, keyboard)
    intake = window.intake.build_intake(Decision.ACCEPT)
    assert intake is not None and intake.intake_id is not None
    results: list[SavedCase] = []
    for _ in range(2):
        window.runner.submit(
            lambda: window.service.save_intake(intake, now=NOW), on_done=results.append
        )
    qtbot.waitUntil(lambda: len(results) == 2, timeout=10_000)
    assert results[0].case_no == results[1].case_no
    assert [r.already_saved for r in results] == [False, True]
    assert _cases(window.context.store) == 1


def _demo_intake(store: Store) -> Intake:
    with store.session() as s:
        found = current_version(s, "370999-MZ-001")
    assert found is not None
    vid, item = found
    return Intake(
        item=item, item_version_id=vid, answers={},
        outcomes={m.seq: MaterialOutcome(Status.RECEIVED, m.copies) for m in item.materials},
        applicant=Applicant(name="张三", id_no="11010519491231002X"),
        decision=Decision.ACCEPT, clerk="wangfang", clerk_name="王芳", window_no="1",
        intake_id=uuid7(),
    )  # fmt: skip


def _race_threads(store: Store, n: int = 4) -> None:
    intake = _demo_intake(store)
    calendar = load_calendar_dir(resource("calendar"))
    barrier = threading.Barrier(n)
    results: list[SavedCase] = []
    errors: list[BaseException] = []

    def save() -> None:
        service = CounterService(store, calendar, "370999101", "A1", SystemClock())
        barrier.wait()
        try:
            results.append(service.save_intake(intake, now=NOW))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=save) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    assert len({r.case_no for r in results}) == 1 and len(results) == n
    assert sum(not r.already_saved for r in results) == 1
    assert _cases(store) == 1


def test_threads_saving_one_intake_on_sqlite_give_one_case(tmp_path: Path) -> None:
    context = open_context(data_dir=str(tmp_path))
    try:
        _race_threads(context.store.get())
    finally:
        context.close()


@pytest.mark.pg
def test_threads_saving_one_intake_on_postgresql_give_one_case(pg_store: Store) -> None:
    from app.services.catalog_files import read_catalog
    from db.catalog_repo import import_items
    from tests.conftest import DEMO_CATALOG

    parsed = read_catalog(DEMO_CATALOG)
    with pg_store.session() as s, s.begin():
        import_items(s, parsed.items)
    _race_threads(pg_store)


@pytest.mark.slow
def test_two_processes_saving_one_intake_on_one_sqlite_file_give_one_case(
    tmp_path: Path,
) -> None:
    context = open_context(data_dir=str(tmp_path))  # migrated, demo catalogue loaded
    url = context.store.url
    context.close()
    intake_id = str(uuid7())
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start_at = time.time() + 3.0  # both are loaded by then, and start together
    children = [
        subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "tests" / "app" / "save_once.py"),
                url,
                intake_id,
                str(start_at),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(3)
    ]
    outputs = [child.communicate(timeout=60) for child in children]
    for child, (_out, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
    case_nos = {out.split()[1] for out, _err in outputs}
    assert len(case_nos) == 1
    from db.store import open_store

    store = open_store(url, upgrade=False)
    try:
        assert _cases(store) == 1
    finally:
        store.close()
