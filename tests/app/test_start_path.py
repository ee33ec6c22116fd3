"""The counter's daily start (issue 14, item 6): the window shows with the item search
alone and builds the intake beside it after its first paint. Nothing typed meanwhile
is lost, and the modules put off until then stay off the way to the first window.
The speed itself is measured by bench/bench_counter.py."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QKeyEvent
from pytestqt.qtbot import QtBot

from app.context import AppContext, open_context
from app.quick_start import quick_context
from app.ui.main_window import MainWindow
from db.clerk_repo import ensure_demo_clerks
from tests.app.conftest import CLERK, flush_ui, show_window

ROOT = Path(__file__).resolve().parents[2]

# Not imported before the counter's window is up on a daily start: the intake and
# what only it needs (built after the first paint), the ORM (opened on the worker
# after the window), printing, the log file's rotation, the keyring and images.
DEFERRED = (
    "sqlalchemy",
    "alembic",
    "reportlab",
    "PIL",
    "cryptography",
    "keyring",
    "logging.handlers",
    "app.services.counter",
    "app.core.case_records",
    "app.core.check",
    "app.core.intake",
    "app.ui.intake",
    "app.ui.intake_forms",
    "app.ui.checklist",
    "app.ui.capture",
    "app.services.page_images",
    "devices.signature",
)


def _prepared(folder: Path) -> None:
    """A workstation's folder after its first start: store, demo catalogue, clerks."""
    ctx = open_context(data_dir=str(folder))
    with ctx.store.session() as s, s.begin():
        ensure_demo_clerks(s)
    ctx.close()


@pytest.fixture
def quick(tmp_path: Path) -> Iterator[AppContext]:
    _prepared(tmp_path)
    started = quick_context(None, str(tmp_path))
    assert started is not None  # the daily start's path, as at a counter
    yield started.context
    started.context.close()


def _post_keys(window: MainWindow, text: str) -> None:
    """Keys as the window system hands them over: queued for the window, and given to
    whatever has the focus when Qt gets to them."""
    handle = window.windowHandle()
    assert handle is not None
    for ch in text:
        key = Qt.Key(ord(ch.upper()))
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, ch)
            QCoreApplication.postEvent(handle, event)


def test_keys_typed_as_the_window_shows_are_not_lost(
    qtbot: QtBot, quick: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    build = MainWindow._build_intake

    def build_while_typing(self: MainWindow):  # type: ignore[no-untyped-def]
        _post_keys(self, "bz")  # the clerk types on while the intake is being built
        return build(self)

    monkeypatch.setattr(MainWindow, "_build_intake", build_while_typing)
    window = MainWindow(quick, CLERK)
    assert not window.intake_built  # the window comes first
    seen: list[tuple[str, bool]] = []
    window.search.edit.textChanged.connect(lambda t: seen.append((t, window.intake_built)))
    window.show()
    _post_keys(window, "zdsh")  # typed the moment the window appears
    show_window(qtbot, window)
    qtbot.waitUntil(lambda: window.intake_built and window.search.edit.text() == "zdshbz")
    qtbot.wait(50)  # nothing more arrives, nothing is typed twice
    assert window.search.edit.text() == "zdshbz"
    assert [t for t, _ in seen] == ["z", "zd", "zds", "zdsh", "zdshb", "zdshbz"]
    assert not seen[0][1] and seen[-1][1]  # keys before the intake, and during its build
    assert window.focusWidget() is window.search.edit  # the search kept the keyboard
    first = window.search.model.hit(0).entry
    assert first.name == "最低生活保障申请"  # and answered
    with qtbot.waitSignal(window.intake.item_chosen, timeout=10_000):
        qtbot.keyClick(window.search.edit, Qt.Key.Key_Return)
    assert window.intake.item is not None and window.intake.item.name == first.name
    window.runner.shutdown()


def test_the_intake_is_built_after_the_first_paint_without_being_asked_for(
    qtbot: QtBot, quick: AppContext
) -> None:
    window = MainWindow(quick, CLERK)
    assert not window.intake_built
    with qtbot.waitSignal(window.intake_ready, timeout=10_000):
        show_window(qtbot, window)
    assert window.intake_built
    # beside the search, where the window kept its place
    splitter = window.search.parentWidget()
    assert splitter is not None and splitter.indexOf(window.intake) == 1
    assert window.intake.isVisible() and window.intake.width() > window.search.width()
    window.runner.shutdown()


def test_the_daily_start_loads_no_deferred_module_before_the_window(tmp_path: Path) -> None:
    """-X importtime writes each import on stderr as it ends; with stdout in the same
    pipe, "ready" falls between what came before the window and what came after."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", YICHUANG_NO_CRASH_DIALOG="1")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cmd = [sys.executable, "-X", "importtime", "-m", "app", "run", "--data-dir", str(tmp_path),
           "--as", "wangfang", "--quit-after-ready"]  # fmt: skip
    first = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert first.returncode == 0, first.stderr[-2000:]  # the first start makes the store
    again = subprocess.run(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT,
        timeout=120,
    )  # fmt: skip
    assert again.returncode == 0, again.stdout[-2000:]
    lines = again.stdout.splitlines()
    ready = next(n for n, line in enumerate(lines) if line.startswith("ready "))
    built = next(n for n, line in enumerate(lines) if line.startswith("intake-built "))

    def imported(part: list[str]) -> set[str]:
        return {line.rsplit("|", 1)[-1].strip() for line in part if line.startswith("import time:")}

    before, after = imported(lines[:ready]), imported(lines[ready:])
    assert "app.ui.main_window" in before and "app.ui.item_search" in before
    assert not before & set(DEFERRED), sorted(before & set(DEFERRED))
    # and the intake still comes, after the window
    assert built > ready and "app.ui.intake" in after


def test_the_search_keeps_its_width_when_the_intake_comes(
    qtbot: QtBot, quick: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At the window's least size with the queue dock, the intake's least width
    narrows the search; from the second start on, the search is shown at the width
    it had at the last close, and the intake arriving does not move it."""
    shown: list[int] = []
    build = MainWindow._build_intake

    def measured(self: MainWindow):  # type: ignore[no-untyped-def]
        shown.append(self.search.width())  # as the clerk saw it until now
        return build(self)

    monkeypatch.setattr(MainWindow, "_build_intake", measured)
    quick.settings.set("queue_panel", True)
    widths = []
    for _ in range(2):  # the first start of a workstation, then the next
        window = MainWindow(quick, CLERK)
        window.resize(1280, 700)
        show_window(qtbot, window)
        qtbot.waitUntil(lambda w=window: w.intake_built and w.intake.isVisible())
        flush_ui(qtbot)
        widths.append(window.search.width())
        window.runner.shutdown()
        window.close()
    assert abs(widths[0] - widths[1]) <= 2, widths
    assert abs(shown[1] - widths[1]) <= 2, (shown, widths)  # no jump at the second start
