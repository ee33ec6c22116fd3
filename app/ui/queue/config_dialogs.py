"""The hall manager's set-up dialogs: the queue rules (排队规则), and the service
categories and counters (业务类别与窗口). Every change needs a reason and is written
through the queue store, which logs it with the manager's name; every counter of the
hall follows a change from its next call.

The dialogs read and write on the manager's worker (``TaskRunner``), never on the
GUI thread, and stay open with the problems listed when a change cannot be saved."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import time
from typing import Any

from PySide6.QtCore import Qt, QTime, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from app.core.queue_policy import (
    CategorySpec,
    CounterSpec,
    QueuePolicy,
    QueueRuleError,
    parse_hours,
)
from app.services.queue import QueueService, error_text
from app.services.queue_config import (
    POLICY_LABELS,
    HallConfig,
    counter_problems,
    hours_field,
    policy_guarantees,
    read_config,
    shared_problems,
    split_codes,
    weights_text,
)
from app.ui.queue.common import RowsModel, open_keeping_focus, rows_table
from app.ui.queue.dialogs import ReasonDialog
from app.ui.tasks import TaskRunner

ERROR_STYLE = "color: #b00020;"
NOTE_STYLE = "color: #555555;"

POLICY_REASONS = (
    "各窗口等候时间不均衡，调整叫号规则",
    "优先号等候过久",
    "普通号等候过久",
    "按上级要求调整",
)
CATEGORY_REASONS = (
    "新设业务类别",
    "调整号段或取号上限",
    "调整取号时段",
    "调整关联事项",
    "更正错误",
)
COUNTER_REASONS = ("新设窗口", "调整窗口办理的类别", "调整类别权重", "更正错误")
DEACTIVATE_REASONS = ("该类业务暂停办理", "业务并入其他类别", "窗口人员不足")
ACTIVATE_REASONS = ("该类业务恢复办理", "更正错误")


def _note(text: str, parent: QWidget, *, wrap: bool = True) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(wrap)
    label.setStyleSheet(NOTE_STYLE)
    return label


def _problems_label(parent: QWidget, name: str) -> QLabel:
    label = QLabel("", parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _bullets(lines: Sequence[str]) -> str:
    return "\n".join(f"• {line}" for line in lines)


def _explained(grid: QGridLayout, row: int, label: str, field: QWidget, text: str) -> None:
    """label | field | what it means, on one row. The note has its own line breaks:
    a word-wrapped label in a dialog gets a height for a width it does not have."""
    parent = field.parentWidget()
    assert parent is not None
    caption = QLabel(label, parent)
    caption.setBuddy(field)
    field.setMaximumWidth(120)
    grid.addWidget(caption, row, 0, Qt.AlignmentFlag.AlignTop)
    grid.addWidget(field, row, 1, Qt.AlignmentFlag.AlignTop)
    grid.addWidget(_note(text, parent, wrap=False), row, 2)
    grid.setColumnStretch(2, 1)


def _reason_box(parent: QWidget, reasons: Sequence[str]) -> QComboBox:
    box = QComboBox(parent)
    box.setObjectName("reason")
    box.setEditable(True)
    box.addItems(list(reasons))
    box.setCurrentIndex(-1)  # a reason is chosen or typed, never taken unawares
    edit = box.lineEdit()
    assert edit is not None
    edit.setPlaceholderText(parent.tr("必填：选择或输入原因，记入操作日志"))
    return box


def _buttons(parent: QDialog, ok_text: str) -> QDialogButtonBox:
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, parent
    )
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(parent.tr("取消"))
    buttons.rejected.connect(parent.reject)
    return buttons


def _spin(parent: QWidget, name: str, low: int, high: int) -> QSpinBox:
    """Wider than the valid range: a value out of range is explained in words
    (QueuePolicy/CategorySpec.problems), not silently refused by the box."""
    box = QSpinBox(parent)
    box.setObjectName(name)
    box.setRange(low, high)
    box.setMinimumWidth(90)
    return box


class _SavingDialog(QDialog):
    """A dialog that saves through the worker and stays open when that fails."""

    def __init__(self, service: QueueService, runner: TaskRunner, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.service = service
        self.runner = runner
        self.saving = False
        self.problems = _problems_label(self, "problems")

    def show_problems(self, problems: Sequence[str]) -> None:
        self.problems.setText(_bullets(problems))

    def _save(self, job: Callable[[], Any], done: Callable[[], None]) -> None:
        if self.saving:
            return
        self.saving = True
        self.problems.setText(self.tr("正在保存…"))

        def ok(_: Any) -> None:
            self.saving = False
            self.problems.setText("")
            done()
            self.accept()

        def failed(exc: BaseException) -> None:
            self.saving = False
            self.show_problems(str(error_text(exc)).split("；"))

        self.runner.submit(job, ok, failed)


# ---------------------------------------------------------------- the rules


class PolicyDialog(_SavingDialog):
    """排队规则: the six numbers and switches of ``QueuePolicy``, each explained, and
    what they guarantee applicants, updated as the manager types."""

    saved = Signal(object)  # QueuePolicy

    def __init__(
        self,
        service: QueueService,
        runner: TaskRunner,
        actor: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(service, runner, parent)
        self.setWindowTitle(self.tr("排队规则"))
        self.setObjectName("policyDialog")
        self.actor = actor
        self.current: QueuePolicy | None = None
        self.loaded = False
        self.tried = False
        layout = QVBoxLayout(self)
        self.status = _note(self.tr("正在读取现行规则…"), self)
        layout.addWidget(self.status)

        order = QGroupBox(self.tr("叫号顺序"), self)
        grid = QGridLayout(order)
        self.max_jump = _spin(order, "maxJump", 0, 99_999)
        self.priority_run = _spin(order, "priorityRun", 0, 999)
        self.normal_run = _spin(order, "normalRun", 0, 999)
        _explained(
            grid, 0, self.tr("插队上限（A）"), self.max_jump,
            self.tr("一个号最多被 A−1 个后来取号的人超过。数值越小越接近“先到先叫”，\n"
                    "越大则窗口越能按类别权重和优先号安排；1 表示严格按取号先后叫号。"),
        )  # fmt: skip
        _explained(
            grid, 1, self.tr("连续叫优先号（P）"), self.priority_run,
            self.tr("优先号（绿色通道、预约）和普通号都在等候时，\n一次连续叫几个优先号。"),
        )  # fmt: skip
        _explained(
            grid, 2, self.tr("连续叫普通号（N）"), self.normal_run,
            self.tr("优先号等候时，连续叫几个普通号后轮到优先号；\n0 表示优先号总是先叫。"),
        )  # fmt: skip
        layout.addWidget(order)

        calls = QGroupBox(self.tr("重呼、转移与过号"), self)
        grid = QGridLayout(calls)
        self.recall_limit = _spin(calls, "recallLimit", 0, 99)
        _explained(
            grid, 0, self.tr("重呼次数上限（R）"), self.recall_limit,
            self.tr("叫号后申请人未到，每次叫号可重呼几次；\n再按重呼即记为过号。"),
        )  # fmt: skip
        self.transfer_keeps = QCheckBox(self.tr("转移的号保留原排队位置（不选则排到队尾）"), calls)
        self.transfer_keeps.setObjectName("transferKeepsPlace")
        self.reactivate_keeps = QCheckBox(
            self.tr("过号后恢复排队的号保留原位置（不选则排到队尾）"), calls
        )
        self.reactivate_keeps.setObjectName("reactivateKeepsPlace")
        grid.addWidget(self.transfer_keeps, 1, 0, 1, 3)
        grid.addWidget(self.reactivate_keeps, 2, 0, 1, 3)
        grid.addWidget(
            _note(self.tr("以上两项是默认做法，转移或恢复时工作人员仍可逐个改。"), calls),
            3,
            0,
            1,
            3,
        )
        grid.setColumnStretch(2, 1)
        layout.addWidget(calls)

        stale = QGroupBox(self.tr("呼叫中断"), self)
        grid = QGridLayout(stale)
        self.window_lease = _spin(stale, "windowLease", 0, 9999)
        _explained(
            grid, 0, self.tr("窗口程序无响应判定（秒）"), self.window_lease,
            self.tr("窗口程序这么久没有联系排队系统，视为已退出；\n"
                    "它正在办理的号显示为“呼叫中断”，中断的时间不计入办理时长。"),
        )  # fmt: skip
        self.stale_minutes = _spin(stale, "staleCallMinutes", 0, 9999)
        _explained(
            grid, 1, self.tr("呼叫超时（分钟）"), self.stale_minutes,
            self.tr("叫号或重呼后超过这么久仍未办结，也视为呼叫中断；\n0 表示不限。"),
        )  # fmt: skip
        grid.setColumnStretch(2, 1)
        side = QHBoxLayout()  # two small groups side by side: the dialog fits 768 px
        side.addWidget(stale, 3)
        layout.addLayout(side)

        booking = QGroupBox(self.tr("预约签到"), self)
        grid = QGridLayout(booking)
        self.booking_early = _spin(booking, "bookingEarly", 0, 9999)
        _explained(
            grid, 0, self.tr("提前签到（分钟）"), self.booking_early,
            self.tr("时段开始前这么久起可以签到。"),
        )  # fmt: skip
        self.booking_late = _spin(booking, "bookingLate", 0, 9999)
        _explained(
            grid, 1, self.tr("迟到签到（分钟）"), self.booking_late,
            self.tr("时段结束后这么久以内仍可签到，\n再晚即为爽约。"),
        )  # fmt: skip
        grid.setColumnStretch(2, 1)
        side.addWidget(booking, 2)

        promise = QGroupBox(self.tr("这些数字保证"), self)
        promise_layout = QVBoxLayout(promise)
        self.guarantees = QLabel("", promise)
        self.guarantees.setObjectName("guarantees")
        promise_layout.addWidget(self.guarantees)
        self.changes = _note("", promise)
        self.changes.setObjectName("changes")
        promise_layout.addWidget(self.changes)
        layout.addWidget(promise)

        layout.addWidget(QLabel(self.tr("修改原因"), self))
        self.reason = _reason_box(self, POLICY_REASONS)
        layout.addWidget(self.reason)
        layout.addWidget(self.problems)
        self.buttons = _buttons(self, self.tr("保存"))
        self.buttons.accepted.connect(self.save)
        layout.addWidget(self.buttons)
        edit = self.reason.lineEdit()
        assert edit is not None
        edit.returnPressed.connect(self.save)
        for box in (self.max_jump, self.priority_run, self.normal_run, self.recall_limit,
                    self.window_lease, self.stale_minutes, self.booking_early,
                    self.booking_late):  # fmt: skip
            box.valueChanged.connect(self._update)
        for check in (self.transfer_keeps, self.reactivate_keeps):
            check.toggled.connect(self._update)
        self._enable(False)

    def load(self) -> None:
        self.runner.submit(lambda: self.service.policy(), self.show_policy, self._load_failed)

    def _load_failed(self, exc: BaseException) -> None:
        self.status.setText(error_text(exc))
        self.status.setStyleSheet(ERROR_STYLE)

    def _enable(self, on: bool) -> None:
        for w in (self.max_jump, self.priority_run, self.normal_run, self.recall_limit,
                  self.window_lease, self.stale_minutes, self.booking_early,
                  self.booking_late, self.transfer_keeps, self.reactivate_keeps,
                  self.reason):  # fmt: skip
            w.setEnabled(on)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(on)

    def show_policy(self, policy: QueuePolicy) -> None:
        self.current = policy
        self.max_jump.setValue(policy.max_jump)
        self.priority_run.setValue(policy.priority_run)
        self.normal_run.setValue(policy.normal_run)
        self.recall_limit.setValue(policy.recall_limit)
        self.window_lease.setValue(policy.window_lease_s)
        self.stale_minutes.setValue(policy.stale_call_minutes)
        self.booking_early.setValue(policy.booking_early_min)
        self.booking_late.setValue(policy.booking_late_min)
        self.transfer_keeps.setChecked(policy.transfer_keeps_place)
        self.reactivate_keeps.setChecked(policy.reactivate_keeps_place)
        self.status.setText(
            self.tr("本大厅所有窗口共用这些规则；保存后，每个窗口从下一次叫号起按新规则叫号。")
        )
        self.loaded = True
        self._enable(True)
        self._update()
        self.max_jump.setFocus()
        self.max_jump.selectAll()

    def policy(self) -> QueuePolicy:
        return QueuePolicy(
            max_jump=self.max_jump.value(),
            priority_run=self.priority_run.value(),
            normal_run=self.normal_run.value(),
            recall_limit=self.recall_limit.value(),
            window_lease_s=self.window_lease.value(),
            stale_call_minutes=self.stale_minutes.value(),
            booking_early_min=self.booking_early.value(),
            booking_late_min=self.booking_late.value(),
            transfer_keeps_place=self.transfer_keeps.isChecked(),
            reactivate_keeps_place=self.reactivate_keeps.isChecked(),
        )

    def _update(self) -> None:
        policy = self.policy()
        problems = policy.problems()
        if problems:
            self.guarantees.setText(self.tr("数值有误，改正后这里显示它们保证什么。"))
        else:
            self.guarantees.setText(_bullets(policy_guarantees(policy)))
        self.changes.setText(self._changes(policy))
        self.show_problems(problems)

    def _changes(self, policy: QueuePolicy) -> str:
        if self.current is None:
            return ""
        old, new = self.current.to_dict(), policy.to_dict()

        def shown(value: Any) -> str:
            return ("是" if value else "否") if isinstance(value, bool) else str(value)

        diff = [
            f"{POLICY_LABELS[k]} {shown(old[k])} → {shown(new[k])}" for k in new if old[k] != new[k]
        ]
        if not diff:
            return self.tr("与现行规则相同。")
        return self.tr("改动：%1").replace("%1", "；".join(diff))

    def save(self) -> None:
        if not self.isVisible() or not self.loaded or self.saving:
            return
        self.tried = True
        policy = self.policy()
        problems = policy.problems()
        reason = self.reason.currentText().strip()
        if policy == self.current:
            problems.append(self.tr("规则没有改动"))
        if not reason:
            problems.append(self.tr("请填写修改原因"))
        if problems:
            self.show_problems(problems)
            return
        actor = self.actor
        self._save(
            lambda: self.service.run(lambda s: s.set_policy(policy, actor=actor, reason=reason)),
            lambda: self.saved.emit(policy),
        )


# ---------------------------------------------------------------- categories and counters


class CategoryEditor(_SavingDialog):
    """One category: new (code editable) or existing (its code is its identity)."""

    def __init__(
        self,
        service: QueueService,
        runner: TaskRunner,
        actor: str,
        spec: CategorySpec | None,
        others: Sequence[CategorySpec],
        ord: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(service, runner, parent)
        self.actor = actor
        self.existing = spec
        self.others = [c for c in others if spec is None or c.code != spec.code]
        self.ord = ord
        self.tried = False
        self.setObjectName("categoryEditor")
        self.setWindowTitle(
            self.tr("新增业务类别")
            if spec is None
            else self.tr("修改业务类别 %1").replace("%1", f"{spec.name}（{spec.code}）")
        )
        spec = spec or CategorySpec("", "", "")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.code = QLineEdit(spec.code, self)
        self.code.setObjectName("code")
        self.code.setPlaceholderText(self.tr("字母、数字，如 ZH"))
        if self.existing is not None:
            self.code.setReadOnly(True)
            self.code.setToolTip(self.tr("代码是类别的标识，不能修改"))
        self.name = QLineEdit(spec.name, self)
        self.name.setObjectName("name")
        self.prefix = QLineEdit(spec.prefix, self)
        self.prefix.setObjectName("prefix")
        self.prefix.setPlaceholderText(self.tr("1至2个大写字母，如 A"))
        self.number_start = _spin(self, "numberStart", 0, 99_999)
        self.number_start.setValue(spec.number_start)
        self.number_end = _spin(self, "numberEnd", 0, 99_999)
        self.number_end.setValue(spec.number_end)
        numbers = QHBoxLayout()
        numbers.addWidget(self.number_start)
        numbers.addWidget(QLabel(self.tr("至"), self))
        numbers.addWidget(self.number_end)
        self.sample = _note("", self)
        numbers.addWidget(self.sample, 1)
        self.daily_cap = QLineEdit("" if spec.daily_cap is None else str(spec.daily_cap), self)
        self.daily_cap.setObjectName("dailyCap")
        self.daily_cap.setPlaceholderText(self.tr("不限"))
        self.hours = QLineEdit(hours_field(spec.issue_hours), self)
        self.hours.setObjectName("hours")
        self.hours.setPlaceholderText(self.tr("全天可取号；如 08:30-12:00,13:30-17:00"))
        self.reset_time = QTimeEdit(self)
        self.reset_time.setObjectName("resetTime")
        self.reset_time.setDisplayFormat("HH:mm")
        self.reset_time.setTime(QTime(spec.reset_time.hour, spec.reset_time.minute))
        self.carry_over = QCheckBox(self.tr("未叫的号跨日保留（不选则到重置时间作废）"), self)
        self.carry_over.setObjectName("carryOver")
        self.carry_over.setChecked(spec.carry_over)
        self.active = QCheckBox(self.tr("启用（取号机可取此类别的号）"), self)
        self.active.setObjectName("active")
        self.active.setChecked(spec.active)
        self.items = QPlainTextEdit("\n".join(spec.item_codes), self)
        self.items.setObjectName("itemCodes")
        self.items.setTabChangesFocus(True)
        self.items.setPlaceholderText(self.tr("每行一个事项编码，或用逗号分隔，如 370999-MZ-001"))
        self.items.setFixedHeight(96)
        form.addRow(self.tr("类别代码"), self.code)
        form.addRow(self.tr("类别名称"), self.name)
        form.addRow(self.tr("号码前缀"), self.prefix)
        form.addRow(self.tr("号段"), numbers)
        form.addRow(self.tr("每日取号上限"), self.daily_cap)
        form.addRow(self.tr("取号时段"), self.hours)
        form.addRow(self.tr("每日重置时间"), self.reset_time)
        form.addRow("", _note(self.tr("号码每天在这个时间从起号重新开始。"), self))
        form.addRow("", self.carry_over)
        form.addRow("", self.active)
        form.addRow(self.tr("关联事项编码"), self.items)
        form.addRow(self.tr("修改原因"), reason := _reason_box(self, CATEGORY_REASONS))
        self.reason = reason
        layout.addLayout(form)
        layout.addWidget(self.problems)
        buttons = _buttons(self, self.tr("保存"))
        buttons.accepted.connect(self.save)
        layout.addWidget(buttons)
        edit = reason.lineEdit()
        assert edit is not None
        edit.returnPressed.connect(self.save)
        for line in (self.code, self.name, self.prefix, self.daily_cap, self.hours):
            line.textChanged.connect(self._update)
        for box in (self.number_start, self.number_end):
            box.valueChanged.connect(self._update)
        self.items.textChanged.connect(self._update)
        self.setMinimumWidth(560)
        (self.name if self.existing is not None else self.code).setFocus()
        self._update()

    def spec(self) -> tuple[CategorySpec, list[str]]:
        """The category as typed, and every problem with it (a field that cannot be
        read is reported and stands in as a harmless value)."""
        problems: list[str] = []
        cap_text = self.daily_cap.text().strip()
        cap: int | None = None
        if cap_text:
            try:
                cap = int(cap_text)
            except ValueError:
                problems.append(
                    self.tr("每日取号上限应为正整数（不限则留空），现在是%1").replace(
                        "%1", cap_text
                    )
                )
        hours: tuple[tuple[time, time], ...] = ()
        try:
            hours = parse_hours(self.hours.text())
        except QueueRuleError as exc:
            problems += exc.problems
        t = self.reset_time.time()
        spec = CategorySpec(
            code=self.code.text().strip(),
            name=self.name.text().strip(),
            prefix=self.prefix.text().strip().upper(),
            number_start=self.number_start.value(),
            number_end=self.number_end.value(),
            daily_cap=cap,
            issue_hours=hours,
            reset_time=time(t.hour(), t.minute()),
            carry_over=self.carry_over.isChecked(),
            item_codes=split_codes(self.items.toPlainText()),
            active=self.active.isChecked(),
        )
        problems += spec.problems()
        if self.existing is None and any(c.code == spec.code for c in self.others):
            problems.append(self.tr("类别代码“%1”已存在").replace("%1", spec.code))
        problems += shared_problems(spec, self.others)
        return spec, problems

    def _update(self) -> None:
        spec, problems = self.spec()
        numbers = replace(spec, code="X", name="X", daily_cap=None, issue_hours=(), item_codes=())
        if not numbers.problems():
            self.sample.setText(
                self.tr("号码 %1 至 %2").replace("%1", spec.display(spec.number_start))
                .replace("%2", spec.display(spec.number_end))
            )  # fmt: skip
        else:
            self.sample.setText("")
        if self.tried:
            self.show_problems(problems)

    def save(self) -> None:
        if not self.isVisible() or self.saving:
            return
        self.tried = True
        spec, problems = self.spec()
        reason = self.reason.currentText().strip()
        if spec == self.existing:
            problems.append(self.tr("没有改动"))
        if not reason:
            problems.append(self.tr("请填写修改原因"))
        if problems:
            self.show_problems(problems)
            return
        actor, ord = self.actor, self.ord
        self._save(
            lambda: self.service.run(
                lambda s: s.save_category(spec, actor=actor, ord=ord, reason=reason)
            ),
            lambda: None,
        )


class CounterEditor(_SavingDialog):
    """One counter: its name and the categories it serves, each with a weight."""

    def __init__(
        self,
        service: QueueService,
        runner: TaskRunner,
        actor: str,
        spec: CounterSpec | None,
        categories: Sequence[CategorySpec],
        windows: Sequence[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(service, runner, parent)
        self.actor = actor
        self.existing = spec
        self.categories = list(categories)
        self.windows = [w for w in windows if spec is None or w != spec.window_no]
        self.tried = False
        self.setObjectName("counterEditor")
        self.setWindowTitle(
            self.tr("新增窗口")
            if spec is None
            else self.tr("修改%1号窗口").replace("%1", spec.window_no)
        )
        spec = spec or CounterSpec("")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.window_no = QLineEdit(spec.window_no, self)
        self.window_no.setObjectName("windowNo")
        self.window_no.setPlaceholderText(self.tr("如 5"))
        if self.existing is not None:
            self.window_no.setReadOnly(True)
        self.name = QLineEdit(spec.name, self)
        self.name.setObjectName("name")
        self.name.setPlaceholderText(self.tr("如 五号窗口"))
        form.addRow(self.tr("窗口号"), self.window_no)
        form.addRow(self.tr("窗口名称"), self.name)
        layout.addLayout(form)
        box = QGroupBox(self.tr("办理的业务类别及权重"), self)
        grid = QGridLayout(box)
        self.serves: dict[str, QCheckBox] = {}
        self.weights: dict[str, QSpinBox] = {}
        for row, cat in enumerate(self.categories):
            text = f"{cat.prefix}  {cat.name}（{cat.code}）"
            if not cat.active:
                text += self.tr("（已停用）")
            check = QCheckBox(text, box)
            check.setObjectName(f"serves_{cat.code}")
            weight = QSpinBox(box)
            weight.setObjectName(f"weight_{cat.code}")
            weight.setRange(0, 100)
            weight.setPrefix("× ")
            on = cat.code in spec.weights
            check.setChecked(on)
            weight.setValue(spec.weights.get(cat.code, 1))
            weight.setEnabled(on)
            check.toggled.connect(weight.setEnabled)
            check.toggled.connect(self._update)
            weight.valueChanged.connect(self._update)
            grid.addWidget(check, row, 0)
            grid.addWidget(weight, row, 1)
            self.serves[cat.code] = check
            self.weights[cat.code] = weight
        grid.addWidget(
            _note(
                self.tr(
                    "权重 3 与 1：这两类都有人等候时，每叫 3 个前一类的号叫 1 个后一类的号。"
                    "权重 0：只有本窗口其他类别都没人等候时才叫这一类。"
                ),
                box,
            ),
            len(self.categories), 0, 1, 2,
        )  # fmt: skip
        layout.addWidget(box)
        self.summary = _note("", self)
        layout.addWidget(self.summary)
        layout.addWidget(QLabel(self.tr("修改原因"), self))
        self.reason = _reason_box(self, COUNTER_REASONS)
        layout.addWidget(self.reason)
        layout.addWidget(self.problems)
        buttons = _buttons(self, self.tr("保存"))
        buttons.accepted.connect(self.save)
        layout.addWidget(buttons)
        edit = self.reason.lineEdit()
        assert edit is not None
        edit.returnPressed.connect(self.save)
        self.window_no.textChanged.connect(self._update)
        self.name.textChanged.connect(self._update)
        self.setMinimumWidth(480)
        (self.name if self.existing is not None else self.window_no).setFocus()
        self._update()

    def spec(self) -> tuple[CounterSpec, list[str]]:
        weights = {
            code: self.weights[code].value()
            for code, check in self.serves.items()
            if check.isChecked()
        }
        spec = CounterSpec(self.window_no.text().strip(), self.name.text().strip(), weights)
        problems = counter_problems(spec, [c.code for c in self.categories])
        if self.existing is None and spec.window_no in self.windows:
            problems.append(self.tr("%1号窗口已存在").replace("%1", spec.window_no))
        return spec, problems

    def _update(self) -> None:
        spec, problems = self.spec()
        prefixes = {c.code: c.prefix for c in self.categories}
        self.summary.setText(
            self.tr("办理：%1").replace("%1", weights_text(spec.weights, prefixes))
            if spec.weights
            else ""
        )
        if self.tried:
            self.show_problems(problems)

    def save(self) -> None:
        if not self.isVisible() or self.saving:
            return
        self.tried = True
        spec, problems = self.spec()
        reason = self.reason.currentText().strip()
        if self.existing is not None and (spec.name, dict(spec.weights)) == (
            self.existing.name, dict(self.existing.weights),
        ):  # fmt: skip
            problems.append(self.tr("没有改动"))
        if not reason:
            problems.append(self.tr("请填写修改原因"))
        if problems:
            self.show_problems(problems)
            return
        actor = self.actor
        self._save(
            lambda: self.service.run(lambda s: s.save_counter(spec, actor=actor, reason=reason)),
            lambda: None,
        )


class CategoriesDialog(QDialog):
    """业务类别与窗口: the hall's categories and counters, to add, change, and (for a
    category, which has history) deactivate — never delete."""

    changed = Signal()

    def __init__(
        self,
        service: QueueService,
        runner: TaskRunner,
        actor: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("业务类别与窗口"))
        self.setObjectName("categoriesDialog")
        self.service = service
        self.runner = runner
        self.actor = actor
        self.config: HallConfig | None = None
        self.editor: Any = None
        self.saving = False
        self.category_model = RowsModel(
            [self.tr("代码"), self.tr("名称"), self.tr("前缀"), self.tr("号段"),
             self.tr("每日上限"), self.tr("取号时段"), self.tr("重置时间"), self.tr("跨日保留"),
             self.tr("状态"), self.tr("关联事项")], self)  # fmt: skip
        self.counter_model = RowsModel(
            [self.tr("窗口"), self.tr("名称"), self.tr("办理类别及权重")], self
        )
        layout = QVBoxLayout(self)
        self.status = _note(self.tr("正在读取…"), self)
        layout.addWidget(self.status)

        cat_box = QGroupBox(self.tr("业务类别"), self)
        cat_layout = QVBoxLayout(cat_box)
        self.category_view = rows_table(self.category_model, "categoryTable", cat_box)
        cat_layout.addWidget(self.category_view)
        row = QHBoxLayout()
        self.add_category_button = self._button(
            row, cat_box, self.tr("新增类别"), "Ctrl+N", self.add_category
        )
        self.edit_category_button = self._button(
            row, cat_box, self.tr("修改（Enter）"), "", self.edit_category
        )
        self.toggle_button = self._button(
            row, cat_box, self.tr("停用/启用"), "Ctrl+D", self.toggle_category
        )
        row.addStretch(1)
        row.addWidget(_note(self.tr("类别有取号记录，不能删除；不再使用的类别请停用。"), cat_box))
        cat_layout.addLayout(row)
        layout.addWidget(cat_box, 1)

        ctr_box = QGroupBox(self.tr("窗口"), self)
        ctr_layout = QVBoxLayout(ctr_box)
        self.counter_view = rows_table(self.counter_model, "counterTable", ctr_box)
        ctr_layout.addWidget(self.counter_view)
        row = QHBoxLayout()
        self.add_counter_button = self._button(
            row, ctr_box, self.tr("新增窗口"), "Ctrl+Shift+N", self.add_counter
        )
        self.edit_counter_button = self._button(
            row, ctr_box, self.tr("修改（Enter）"), "", self.edit_counter
        )
        row.addStretch(1)
        cat_layout.setStretch(0, 1)
        ctr_layout.addLayout(row)
        layout.addWidget(ctr_box, 1)

        self.message = QLabel("", self)
        self.message.setObjectName("message")
        self.error = _problems_label(self, "error")
        layout.addWidget(self.message)
        layout.addWidget(self.error)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("关闭"))
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        # Enter or F2 on a row changes it, as a double click does
        for view, slot in ((self.category_view, self.edit_category),
                           (self.counter_view, self.edit_counter)):  # fmt: skip
            edit = QAction(self.tr("修改"), view)
            edit.setShortcuts([QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter),
                               QKeySequence("F2")])  # fmt: skip
            edit.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            edit.triggered.connect(slot)
            view.addAction(edit)
            view.doubleClicked.connect(lambda _index, s=slot: s())
        self.resize(1180, 680)

    def _button(
        self, row: QHBoxLayout, parent: QWidget, text: str, key: str, slot: Callable[[], None]
    ) -> QPushButton:
        button = QPushButton(f"{text}（{key}）" if key else text, parent)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        if key:  # an action, not the button's own shortcut (that clicks 100 ms later)
            action = QAction(text, self)
            action.setShortcut(QKeySequence(key))
            action.triggered.connect(slot)
            self.addAction(action)
        row.addWidget(button)
        return button

    # ------------------------------------------------------------ reading

    def load(self) -> None:
        self.runner.submit(lambda: self.service.run(read_config), self.show_config, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.error.setText(error_text(exc))

    def show_config(self, config: HallConfig) -> None:
        self.config = config
        categories = list(config.categories or ())
        counters = list(config.counters or ())
        self.status.setText(
            self.tr("%1 个业务类别（%2 个停用），%3 个窗口。选中一行按 Enter 修改。")
            .replace("%1", str(len(categories)))
            .replace("%2", str(sum(1 for c in categories if not c.active)))
            .replace("%3", str(len(counters)))
        )
        self.category_model.set_rows(
            [c.code for c in categories],
            [
                (
                    c.code,
                    c.name,
                    c.prefix,
                    f"{c.display(c.number_start)}–{c.display(c.number_end)}",
                    str(c.daily_cap) if c.daily_cap is not None else self.tr("不限"),
                    hours_field(c.issue_hours) or self.tr("全天"),
                    f"{c.reset_time:%H:%M}",
                    self.tr("保留") if c.carry_over else self.tr("作废"),
                    self.tr("启用") if c.active else self.tr("停用"),
                    (
                        self.tr("%1 项：").replace("%1", str(len(c.item_codes)))
                        if c.item_codes
                        else ""
                    )
                    + "、".join(c.item_codes),
                )
                for c in categories
            ],
            [None if c.active else "#888888" for c in categories],
        )
        prefixes = {c.code: c.prefix for c in categories}
        names = {c.code: c.name for c in categories}
        self.counter_model.set_rows(
            [c.window_no for c in counters],
            [
                (
                    self.tr("%1号窗口").replace("%1", c.window_no),
                    c.name,
                    weights_text(c.weights, prefixes)
                    + "（"
                    + "、".join(names.get(code, code) for code in c.weights)
                    + "）",
                )
                for c in counters
            ],
        )
        for view, model in ((self.category_view, self.category_model),
                            (self.counter_view, self.counter_model)):  # fmt: skip
            if model.rowCount() and not view.selectionModel().hasSelection():
                view.selectRow(0)
        if not self.category_view.hasFocus() and not self.counter_view.hasFocus():
            self.category_view.setFocus()

    # ------------------------------------------------------------ actions

    def _selected(self, view: QTableView, model: RowsModel) -> Any:
        rows = view.selectionModel().selectedRows()
        return model.key(rows[0].row()) if rows else None

    def selected_category(self) -> CategorySpec | None:
        code = self._selected(self.category_view, self.category_model)
        categories = self.config.categories or () if self.config else ()
        return next((c for c in categories if c.code == code), None)

    def selected_counter(self) -> CounterSpec | None:
        window = self._selected(self.counter_view, self.counter_model)
        counters = self.config.counters or () if self.config else ()
        return next((c for c in counters if c.window_no == window), None)

    def _say(self, text: str) -> None:
        self.message.setText(text)

    def add_category(self) -> None:
        if self.config is None:
            return
        categories = list(self.config.categories or ())
        self._edit(
            CategoryEditor(
                self.service, self.runner, self.actor, None, categories, len(categories), self
            ),
            self.tr("已新增业务类别"),
        )

    def edit_category(self) -> None:
        spec = self.selected_category()
        if spec is None or self.config is None:
            self._say(self.tr("请先选中一个业务类别"))
            return
        categories = list(self.config.categories or ())
        self._edit(
            CategoryEditor(
                self.service, self.runner, self.actor, spec, categories,
                categories.index(spec), self,
            ),
            self.tr("业务类别 %1 已保存").replace("%1", spec.code),
        )  # fmt: skip

    def add_counter(self) -> None:
        if self.config is None:
            return
        self._edit(
            CounterEditor(
                self.service, self.runner, self.actor, None, list(self.config.categories or ()),
                [c.window_no for c in self.config.counters or ()], self,
            ),
            self.tr("已新增窗口"),
        )  # fmt: skip

    def edit_counter(self) -> None:
        spec = self.selected_counter()
        if spec is None or self.config is None:
            self._say(self.tr("请先选中一个窗口"))
            return
        self._edit(
            CounterEditor(
                self.service, self.runner, self.actor, spec, list(self.config.categories or ()),
                [c.window_no for c in self.config.counters or ()], self,
            ),
            self.tr("%1号窗口已保存").replace("%1", spec.window_no),
        )  # fmt: skip

    def toggle_category(self) -> None:
        spec = self.selected_category()
        if spec is None or self.config is None:
            self._say(self.tr("请先选中一个业务类别"))
            return
        windows = [c.window_no for c in self.config.counters or () if spec.code in c.weights]
        served = (
            self.tr("办理此类别的窗口：%1。").replace("%1", "、".join(f"{w}号" for w in windows))
            if windows
            else ""
        )
        if spec.active:
            title = self.tr("停用业务类别 %1").replace("%1", spec.name)
            prompt = (
                self.tr("停用后取号机不再发“%1”的号，已取的号照常叫号。%2\n停用原因：")
                .replace("%1", spec.name)
                .replace("%2", served)
            )
            reasons: Sequence[str] = DEACTIVATE_REASONS
        else:
            title = self.tr("启用业务类别 %1").replace("%1", spec.name)
            prompt = self.tr("启用后取号机恢复发“%1”的号。\n启用原因：").replace("%1", spec.name)
            reasons = ACTIVATE_REASONS
        dialog = ReasonDialog(title, prompt, reasons, self)
        categories = list(self.config.categories or ())
        ord = categories.index(spec)
        new = replace(spec, active=not spec.active)
        done = (
            self.tr("业务类别 %1 已停用") if spec.active else self.tr("业务类别 %1 已启用")
        ).replace("%1", spec.code)

        def accepted() -> None:
            reason, actor = dialog.text(), self.actor
            self._run(
                lambda: self.service.run(
                    lambda s: s.save_category(new, actor=actor, ord=ord, reason=reason)
                ),
                done,
            )

        dialog.accepted.connect(accepted)
        self._open(dialog)

    def _edit(self, editor: QDialog, done: str) -> None:
        editor.accepted.connect(lambda: self._saved(done))
        self._open(editor)

    def _open(self, dialog: QDialog) -> None:
        self.editor = dialog
        open_keeping_focus(self, dialog)

    def _run(self, job: Callable[[], Any], done: str) -> None:
        if self.saving:
            self._say(self.tr("上一个操作还在进行，请稍候"))
            return
        self.saving = True

        def ok(_: Any) -> None:
            self.saving = False
            self._saved(done)

        def failed(exc: BaseException) -> None:
            self.saving = False
            self.error.setText(error_text(exc))

        self.runner.submit(job, ok, failed)

    def _saved(self, done: str) -> None:
        self.error.setText("")
        self._say(done)
        self.changed.emit()
        self.load()
