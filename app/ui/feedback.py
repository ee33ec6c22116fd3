"""好差评 follow-ups and complaints on screen, as two self-contained panels a manager's
desk hosts as tabs (each takes a FeedbackService and a TaskRunner):

- ``FollowUpPanel``: the list (办理中 / 已逾期 / 已办结 / 全部; 差评, 投诉 or both) with
  the remaining working days, overdue rows in red, 实名差评 回访率 and 整改率 above it,
  the selected one's history beside it and its steps as buttons (a greyed button
  says why in its tooltip);
- ``ComplaintPanel``: the complaint form (窗口 / 电话, who, contact, what, about which
  case or window) over the complaints' list.

Every read and write goes through the runner; the widgets hold plain values."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import StoreError
from app.core.feedback import (
    Appeal,
    Channel,
    Complaint,
    Decide,
    Kind,
    Rates,
    Rectify,
    Reply,
    StepRefused,
    Verify,
)
from app.services.feedback import ComplaintInvalid, FeedbackService, FollowUp, View
from app.ui.tasks import TaskRunner

log = logging.getLogger("yichuang.ui")

_Index = QModelIndex | QPersistentModelIndex
_OVERDUE_BG = QColor("#ffd0c2")
_OVERDUE_FG = QColor("#8c0010")
_CLOSED_FG = QColor("#4a5560")


def _tr(text: str) -> str:
    from PySide6.QtCore import QCoreApplication

    return QCoreApplication.translate("Feedback", text)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def rates_text(r: Rates) -> str:
    return (
        _tr("差评 %1 件（申诉成立不计 %2 件），其中实名 %3 件；实名差评回访率 %4（%5/%3），整改率 %6（%7/%3）")
        .replace("%1", str(r.bad_reviews)).replace("%2", str(r.excluded))
        .replace("%3", str(r.real_name)).replace("%4", percent(r.callback_rate))
        .replace("%5", str(r.verified)).replace("%6", percent(r.rectify_rate))
        .replace("%7", str(r.rectified))
    )  # fmt: skip


RATE_HEADINGS = ("范围", "差评", "实名差评", "已回访", "回访率", "已整改", "整改率")


def rate_rows(
    by_window: dict[str, Rates], by_clerk: dict[str, Rates], names: dict[str, str]
) -> list[tuple[str, ...]]:
    """The per-window and per-clerk lines of the rates table: windows in number order,
    then people by name (a 差评 about nobody in person: 未指明人员)."""

    def line(label: str, r: Rates) -> tuple[str, ...]:
        return (label, str(r.bad_reviews), str(r.real_name), str(r.verified),
                percent(r.callback_rate), str(r.rectified), percent(r.rectify_rate))  # fmt: skip

    def window_order(key: str) -> tuple[int, int, str]:
        return (0, int(key), key) if key.isdigit() else (1, 0, key)

    out = [line(_tr("%1号窗口").replace("%1", w) if w else _tr("未指明窗口"), by_window[w])
           for w in sorted(by_window, key=window_order)]  # fmt: skip
    people = sorted(by_clerk, key=lambda k: (not k, names.get(k, k)))
    out += [line(names.get(k, k) if k else _tr("未指明人员"), by_clerk[k]) for k in people]
    return out


class FollowUpModel(QAbstractTableModel):
    COLUMNS = (
        ("no", "编号"), ("kind", "类别"), ("status", "状态"), ("remaining", "剩余工作日"),
        ("due_on", "期限"), ("target", "被评价/被投诉"), ("assignee", "承办人"),
        ("window_no", "窗口"), ("source", "号/办件"), ("applicant", "申请人"),
        ("contact", "联系电话"), ("content", "内容"),
    )  # fmt: skip

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[FollowUp] = []

    def set_rows(self, rows: Sequence[FollowUp]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _tr(self.COLUMNS[section][1])
        return None

    def _text(self, f: FollowUp, key: str) -> str:
        if key == "kind":
            return f.kind.value
        if key == "remaining":
            if f.remaining is None:
                return _tr("逾期办结") if f.closed_late else ""
            if f.remaining < 0:
                return _tr("逾期 %1 天").replace("%1", str(-f.remaining))
            return str(f.remaining)
        if key == "due_on":
            return f.due_on.isoformat()
        if key == "target":
            return f.target_name or f.target
        if key == "assignee":
            return f.assignee_name or f.assignee or _tr("大厅管理人员")
        if key == "source":
            return " ".join(x for x in (f.ticket, *f.case_nos) if x)
        if key == "applicant":
            return f.applicant_name or _tr("（匿名）")
        return str(getattr(f, key))

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        f = self.rows[index.row()]
        key = self.COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(f, key)
        if role == Qt.ItemDataRole.BackgroundRole and f.overdue:
            return QBrush(_OVERDUE_BG)
        if role == Qt.ItemDataRole.ForegroundRole:
            if f.overdue:
                return QBrush(_OVERDUE_FG)
            if f.remaining is None:
                return QBrush(_CLOSED_FG)
        if role == Qt.ItemDataRole.ToolTipRole and key == "content":
            return f.content
        return None


class StepDialog(QDialog):
    """One step's text (and its yes/no where it has one)."""

    def __init__(
        self, title: str, label: str, parent: QWidget | None = None, *, choice: str = "",
        second: str = "",
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("followUpStepDialog")
        self.setWindowTitle(title)
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("stepText")
        self.text.setTabChangesFocus(True)
        self.text.setMinimumHeight(90)
        form = QFormLayout(self)
        self.yes = QRadioButton(choice, self)
        self.no = QRadioButton(second, self)
        if choice:
            group = QButtonGroup(self)
            group.addButton(self.yes)
            group.addButton(self.no)
            self.yes.setChecked(True)
            row = QHBoxLayout()
            row.addWidget(self.yes)
            row.addWidget(self.no)
            form.addRow(row)
        else:
            self.yes.hide()
            self.no.hide()
        form.addRow(label, self.text)
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #b3261e;")
        self.error.setWordWrap(True)
        form.addRow(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def value(self) -> str:
        return self.text.toPlainText().strip()

    def _check(self) -> None:
        if not self.value():
            self.error.setText(self.tr("请填写内容"))
            self.text.setFocus()
            return
        self.accept()


# the steps as buttons: action, label, the dialog's field label, its choice (if any)
_STEPS: tuple[tuple[str, str, str, str, str], ...] = (
    (Verify.ACTION, "回访核实", "核实情况", "属实", "不属实"),
    (Rectify.ACTION, "整改", "整改措施", "", ""),
    (Reply.ACTION, "反馈申请人", "反馈内容", "申请人满意", "申请人不满意"),
    (Appeal.ACTION, "申诉", "申诉理由", "", ""),
    (Decide.ACTION, "申诉复核", "复核意见", "申诉成立", "申诉驳回"),
)


class FollowUpPanel(QWidget):
    """The follow-ups (差评 and/or complaints) with their steps."""

    message = Signal(str)
    changed = Signal()

    def __init__(
        self,
        service: FeedbackService,
        runner: TaskRunner,
        *,
        kind: Kind | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("followUpPanel")
        self._service = service
        self._runner = runner
        self._kind = kind
        self.dialog: StepDialog | None = None
        self.view_box = QComboBox(self)
        self.view_box.setObjectName("viewBox")
        for view in (View.OPEN, View.OVERDUE, View.CLOSED, View.ALL):
            self.view_box.addItem(self.tr(view.value), view)
        refresh = QPushButton(self.tr("刷新 (F5)"), self)
        refresh.setShortcut(Qt.Key.Key_F5)
        refresh.clicked.connect(self.refresh)
        self.rates = QLabel(self)
        self.rates.setObjectName("ratesLabel")
        self.rates.setStyleSheet("font-weight: bold;")
        self.rates.setWordWrap(True)
        self.rates.setVisible(kind is not Kind.COMPLAINT)
        # 回访率 and 整改率 per window and per person, as the figures' table has 整改率
        self.rate_table = QTableWidget(0, len(RATE_HEADINGS), self)
        self.rate_table.setObjectName("rateTable")
        self.rate_table.setHorizontalHeaderLabels([self.tr(h) for h in RATE_HEADINGS])
        self.rate_table.verticalHeader().hide()
        self.rate_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rate_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.rate_table.setMaximumHeight(150)
        self.rate_table.setVisible(kind is not Kind.COMPLAINT)
        bar = QHBoxLayout()
        caption = QLabel(self.tr("范围"), self)
        caption.setBuddy(self.view_box)
        bar.addWidget(caption)
        bar.addWidget(self.view_box)
        bar.addStretch(1)
        bar.addWidget(refresh)
        self.model = FollowUpModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("followUpTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_current())
        self.detail = QPlainTextEdit(self)
        self.detail.setObjectName("followUpHistory")
        self.detail.setReadOnly(True)
        self.buttons: dict[str, QPushButton] = {}
        steps = QHBoxLayout()
        for action, label, field, yes, no in _STEPS:
            button = QPushButton(self.tr(label), self)
            button.setObjectName(f"step{len(self.buttons)}")
            button.setEnabled(False)
            button.clicked.connect(
                lambda _=False, a=action, t=label, f=field, y=yes, n=no: self.take(a, t, f, y, n)
            )
            self.buttons[action] = button
            steps.addWidget(button)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(QLabel(self.tr("办理经过"), right))
        right_layout.addWidget(self.detail, 1)
        right_layout.addLayout(steps)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.table)
        split.addWidget(right)
        split.setSizes([900, 420])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.rates)
        layout.addWidget(self.rate_table)
        layout.addWidget(split, 1)
        self.view_box.currentIndexChanged.connect(self.refresh)

    # ------------------------------------------------------------ reading

    def refresh(self) -> None:
        """New 差评 are opened first (the queue's evaluations), then the list is read."""
        view, kind, service = View(self.view_box.currentData()), self._kind, self._service

        def job() -> tuple[list[FollowUp], Rates | None, str, list[tuple[str, ...]]]:
            warning = ""
            if kind is not Kind.COMPLAINT:
                try:
                    service.collect()
                except (StoreError, StepRefused) as exc:  # the queue is away: list anyway
                    warning = str(exc)
            rates = service.rates() if kind is not Kind.COMPLAINT else None
            lines = rate_rows(*service.rates_breakdown()) if kind is not Kind.COMPLAINT else []
            return service.follow_ups(view, kind), rates, warning, lines

        self._runner.submit(job, self._shown, self._failed)

    def _shown(
        self, found: tuple[list[FollowUp], Rates | None, str, list[tuple[str, ...]]]
    ) -> None:
        rows, rates, warning, lines = found
        self.rate_table.setRowCount(len(lines))
        for r, line in enumerate(lines):
            for c, text in enumerate(line):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.rate_table.setItem(r, c, item)
        if warning:
            self.message.emit(warning)
        keep = self.current()
        self.model.set_rows(rows)
        if rates is not None:
            self.rates.setText(rates_text(rates))
        if rows:
            at = next((i for i, f in enumerate(rows) if keep and f.id == keep.id), 0)
            self.table.selectRow(at)
        self._show_current()

    def _failed(self, exc: BaseException) -> None:
        self.message.emit(str(exc))

    def current(self) -> FollowUp | None:
        row = self.table.currentIndex().row()
        return self.model.rows[row] if 0 <= row < len(self.model.rows) else None

    def _show_current(self) -> None:
        f = self.current()
        if f is None:
            self.detail.setPlainText("")
            for button in self.buttons.values():
                button.setEnabled(False)
            return
        head = [
            f"{f.no}  {f.kind.value}（{f.channel}）  {f.status}",
            self.tr("办理期限：%1").replace("%1", f.due_on.isoformat())
            + (self.tr("（已逾期）") if f.overdue else ""),
            self.tr("承办人：%1（%2）").replace("%1", f.assignee_name or self.tr("大厅管理人员"))
            .replace("%2", f.route),
            self.tr("申请人（投诉人）：%1 %2").replace("%1", f.applicant_name or self.tr("匿名"))
            .replace("%2", f.contact),
            "",
        ]  # fmt: skip
        lines = [f"{h.at:%Y-%m-%d %H:%M}  {h.actor_name}  {h.text}" for h in f.history]
        self.detail.setPlainText("\n".join(head + lines))
        for action, button in self.buttons.items():
            allowed = action in f.actions
            button.setEnabled(allowed)
            button.setToolTip("" if allowed else f.why_not.get(action, ""))

    # ------------------------------------------------------------ steps

    def take(self, action: str, title: str, field: str, yes: str, no: str) -> StepDialog | None:
        f = self.current()
        if f is None or action not in f.actions:
            return None
        dialog = StepDialog(f"{self.tr(title)} · {f.no}", self.tr(field), self, choice=yes,
                            second=no)  # fmt: skip
        self.dialog = dialog
        service, fid, version = self._service, f.id, f.row_version

        def accepted() -> None:
            text, first = dialog.value(), dialog.yes.isChecked()
            jobs: dict[str, Callable[[], FollowUp]] = {
                Verify.ACTION: lambda: service.verify(fid, version, text, first),
                Rectify.ACTION: lambda: service.rectify(fid, version, text),
                Reply.ACTION: lambda: service.reply(fid, version, text, first),
                Appeal.ACTION: lambda: service.appeal(fid, version, text),
                Decide.ACTION: lambda: service.decide(fid, version, first, text),
            }
            self._runner.submit(jobs[action], lambda _: self._done(title), self._step_failed)

        dialog.accepted.connect(accepted)
        dialog.open()
        return dialog

    def _done(self, title: str) -> None:
        self.message.emit(self.tr("已记录：%1").replace("%1", self.tr(title)))
        self.changed.emit()
        self.refresh()

    def _step_failed(self, exc: BaseException) -> None:
        self.message.emit(str(exc))
        self.refresh()


class ComplaintPanel(QWidget):
    """The complaint form over the complaints' list."""

    message = Signal(str)
    registered = Signal(object)  # the FollowUp made

    def __init__(
        self, service: FeedbackService, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("complaintPanel")
        self._service = service
        self._runner = runner
        form_box = QGroupBox(self.tr("登记投诉"), self)
        form = QFormLayout(form_box)
        self.counter = QRadioButton(self.tr("窗口当面"), form_box)
        self.phone_call = QRadioButton(self.tr("电话"), form_box)
        self.counter.setChecked(True)
        channel = QHBoxLayout()
        channel.addWidget(self.counter)
        channel.addWidget(self.phone_call)
        channel.addStretch(1)
        form.addRow(self.tr("方式"), channel)
        self.fields: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}
        for key, label, hint in (
            ("complainant", "投诉人", ""),
            ("contact", "联系电话", "11位手机号或带区号的固定电话"),
            ("case_no", "办件编号", "所投诉的办件（可空）"),
            ("window_no", "窗口号", "所投诉的窗口（可空）"),
        ):
            edit = QLineEdit(form_box)
            edit.setObjectName(f"{key}Edit")
            edit.setPlaceholderText(self.tr(hint))
            form.addRow(self.tr(label), edit)
            self.fields[key] = edit
        self.content = QPlainTextEdit(form_box)
        self.content.setObjectName("contentEdit")
        self.content.setTabChangesFocus(True)
        self.content.setMaximumHeight(120)
        form.addRow(self.tr("投诉内容"), self.content)
        self.error = QLabel(form_box)
        self.error.setObjectName("complaintError")
        self.error.setStyleSheet("color: #b3261e;")
        self.error.setWordWrap(True)
        form.addRow(self.error)
        self.submit_button = QPushButton(self.tr("登记并转承办人 (Ctrl+Enter)"), form_box)
        self.submit_button.setShortcut("Ctrl+Return")
        self.submit_button.clicked.connect(self.submit)
        form.addRow(self.submit_button)
        self.list = FollowUpPanel(service, runner, kind=Kind.COMPLAINT, parent=self)
        self.list.message.connect(self.message)
        form_box.setMaximumWidth(440)
        left = QVBoxLayout()
        left.addWidget(form_box)
        left.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addWidget(self.list, 1)

    def complaint(self) -> Complaint:
        f = self.fields
        return Complaint(
            Channel.PHONE if self.phone_call.isChecked() else Channel.COUNTER,
            f["complainant"].text(), f["contact"].text(), self.content.toPlainText(),
            f["case_no"].text(), f["window_no"].text(),
        )  # fmt: skip

    def submit(self) -> None:
        complaint, service = self.complaint(), self._service
        self.submit_button.setEnabled(False)
        self._runner.submit(lambda: service.register_complaint(complaint), self._saved,
                            self._refused)  # fmt: skip

    def _saved(self, made: FollowUp) -> None:
        self.submit_button.setEnabled(True)
        self.error.setText("")
        for edit in self.fields.values():
            edit.clear()
        self.content.clear()
        self.message.emit(
            self.tr("投诉 %1 已登记，转%2办理，期限 %3")
            .replace("%1", made.no).replace("%2", made.assignee_name or self.tr("大厅管理人员"))
            .replace("%3", made.due_on.isoformat())
        )  # fmt: skip
        self.registered.emit(made)
        self.list.refresh()

    def _refused(self, exc: BaseException) -> None:
        self.submit_button.setEnabled(True)
        self.error.setText(str(exc))
        if isinstance(exc, ComplaintInvalid):
            first = next(iter(exc.problems))
            target = self.fields.get(first)
            if target is not None:
                target.setFocus()
            elif first == "content":
                self.content.setFocus()


class FeedbackDesk(QWidget):
    """Both panels as tabs: what the manager window hosts for now."""

    message = Signal(str)

    def __init__(
        self, service: FeedbackService, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        from PySide6.QtWidgets import QTabWidget

        super().__init__(parent)
        self.setObjectName("feedbackDesk")
        self.reviews = FollowUpPanel(service, runner, kind=Kind.BAD_REVIEW, parent=self)
        self.complaints = ComplaintPanel(service, runner, self)
        self.reviews.message.connect(self.message)
        self.complaints.message.connect(self.message)
        tabs = QTabWidget(self)
        tabs.addTab(self.reviews, self.tr("差评回访整改"))
        tabs.addTab(self.complaints, self.tr("投诉"))
        self.tabs = tabs
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(tabs)

    def start(self) -> None:
        """Each showing reads the lists again (and opens follow-ups for new 差评)."""
        self.reviews.refresh()
        self.complaints.list.refresh()


__all__ = ["ComplaintPanel", "FeedbackDesk", "FollowUpPanel"]
