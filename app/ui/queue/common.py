"""What the queue screens share: the change watcher, a small table model, and
sizes that follow the screen (a hall display may be 1080p or 4K, a demo a quarter
of a laptop screen)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import suppress
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QApplication, QHeaderView, QTableView, QWidget

from app.services.queue import UNREACHABLE, PollResult, QueueService
from app.ui.table_model import HeaderedTableModel
from app.ui.tasks import TaskRunner

log = logging.getLogger("yichuang.ui.queue")

_Index = QModelIndex | QPersistentModelIndex


class QueueWatcher(QObject):
    """Polls the queue store on the worker: ``last_event_no()`` every ``interval_ms``
    (one row, one column), new events and a fresh snapshot when it moved, and a fresh
    snapshot every ``refresh_ms`` anyway (waiting times grow, issuing hours open and
    close without any event). One poll at a time; a failing store is retried every
    second while ``failed`` says so, and ``recovered`` follows when it answers.

    With ``wake`` (the default) a QueueWaker (db/queue_notify.py) makes it poll as
    soon as anyone commits a change — PostgreSQL's NOTIFY, or the SQLite files
    moving — so a call shows at once; the timed poll stays as the fallback."""

    polled = Signal(object)  # PollResult
    failed = Signal(str)
    recovered = Signal()
    _woken = Signal()  # from the waker's thread, delivered on the GUI thread

    def __init__(
        self,
        service: QueueService,
        runner: TaskRunner,
        *,
        interval_ms: int = 200,
        refresh_ms: int = 15_000,
        parent: QObject | None = None,
        wake: bool = True,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.runner = runner
        self.interval_ms = interval_ms
        self.refresh_ms = refresh_ms
        self.last_event: int | None = None
        self.latest: PollResult | None = None
        self.error: str | None = None
        self._busy = False
        self._force = False
        self._stopped = True
        self._since_full = 0
        self._again = False  # woken while a poll was running: poll once more
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._tick)
        self._woken.connect(self._wake)
        self.waker: Any = None  # a QueueWaker
        if wake:
            waker = self.waker = service.waker(self._woken.emit)
            # never left running after the watcher (a window closed without stop())
            self.destroyed.connect(lambda *_: waker.close(timeout=1.0))

    def start(self) -> None:
        self._stopped = False
        self._timer.start(0)
        if self.waker is not None:
            self.waker.start()

    def stop(self) -> None:
        self._stopped = True
        self._timer.stop()
        if self.waker is not None:
            self.waker.close()

    def _wake(self) -> None:
        if self._stopped:
            return
        if self._busy:
            self._again = True
        else:
            self._timer.start(0)

    def refresh(self) -> None:
        """Poll now, with a fresh snapshot (after this screen changed something)."""
        self._force = True
        if not self._busy and not self._stopped:
            self._timer.start(0)

    def _tick(self) -> None:
        if self._busy or self._stopped:
            return
        self._busy = True
        force = self._force or self._since_full >= self.refresh_ms
        self._force = False
        if force:
            self._since_full = 0
        known = self.last_event
        self.runner.submit(lambda: self.service.poll(known, force=force), self._done, self._failed)

    def _done(self, result: PollResult | None) -> None:
        self._busy = False
        if self.error is not None:
            self.error = None
            self.recovered.emit()
        self._since_full += self.interval_ms
        if result is not None:
            self.last_event = result.last_event
            self.latest = result
            self._since_full = 0
            self.polled.emit(result)
        self._next(self.interval_ms)

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.error = f"{UNREACHABLE}（{exc}）"
        log.warning("queue poll failed: %s", exc)
        self.failed.emit(UNREACHABLE)
        self._next(1000)

    def _next(self, ms: int) -> None:
        if self._stopped:
            return
        again, self._again = self._again, False
        self._timer.start(0 if self._force or again else ms)


def run_job(
    runner: TaskRunner,
    job: Callable[[], Any],
    done: Callable[[Any], None],
    failed: Callable[[BaseException], None],
) -> None:
    runner.submit(job, done, failed)


class RowsModel(HeaderedTableModel):
    """A read-only table of text rows, each with a key. New rows with the same keys
    change cells in place (no reset, so the selection and scroll position stay)."""

    def __init__(self, headers: Sequence[str], parent: QObject | None = None) -> None:
        super().__init__(headers, parent)
        self.keys: list[Any] = []
        self.rows: list[tuple[str, ...]] = []
        self.colors: list[str | None] = []

    def set_rows(
        self,
        keys: Sequence[Any],
        rows: Sequence[Sequence[str]],
        colors: Sequence[str | None] | None = None,
    ) -> None:
        new_rows = [tuple(r) for r in rows]
        new_colors: list[str | None] = (
            list(colors) if colors is not None else [None for _ in new_rows]
        )
        if list(keys) == self.keys:
            for i, (old, new) in enumerate(zip(self.rows, new_rows, strict=True)):
                if old != new or self.colors[i] != new_colors[i]:
                    self.rows[i] = new
                    self.colors[i] = new_colors[i]
                    self.dataChanged.emit(self.index(i, 0), self.index(i, len(self.headers) - 1))
            return
        self.beginResetModel()
        self.keys, self.rows, self.colors = list(keys), new_rows, new_colors
        self.endResetModel()

    def key(self, row: int) -> Any:
        return self.keys[row] if 0 <= row < len(self.keys) else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and self.colors[index.row()]:
            return QColor(self.colors[index.row()])
        return None


def minutes_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    minutes = int(seconds // 60)
    if minutes < 1:
        return "不到1分钟"
    if minutes < 60:
        return f"{minutes}分钟"
    return f"{minutes // 60}小时{minutes % 60:02d}分"


def clock_text(moment: datetime | None) -> str:
    return "" if moment is None else f"{moment:%H:%M}"


WEEKDAYS = "一二三四五六日"


def date_text(moment: datetime) -> str:
    return f"{moment:%Y年%m月%d日} 星期{WEEKDAYS[moment.weekday()]} {moment:%H:%M}"


def open_keeping_focus(
    owner: QWidget, dialog: Any, accepted: Callable[[], None] | None = None
) -> None:
    """Open a dialog without blocking; when it closes, the focus goes back to the
    widget that had it (the counter's intake field, a table row) and the dialog is
    deleted. ``accepted`` runs when the dialog is accepted."""
    had_focus = QApplication.focusWidget()

    def finished() -> None:
        owner.window().activateWindow()
        if had_focus is not None:
            with suppress(RuntimeError):  # the widget is gone
                had_focus.setFocus()
        dialog.deleteLater()

    if accepted is not None:
        dialog.accepted.connect(accepted)
    dialog.finished.connect(finished)
    dialog.open()


def rows_table(model: RowsModel, name: str, parent: QWidget) -> QTableView:
    """The queue screens' read-only table: whole rows selected one at a time, columns
    as wide as their text, and Tab leaving the table as everywhere else."""
    view = QTableView(parent)
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    view.setAlternatingRowColors(True)
    view.setTabKeyNavigation(False)
    return view
