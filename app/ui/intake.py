"""The intake (一窗受理): item → situations → applicant → checklist → decision → saved.

Keyboard: F2 item search · Enter pick · Tab through situations and applicant · the
checklist keys (Space/1 收到, 2 缺, 3 有误, +/- copies, Ctrl+Enter all received) ·
F5 受理 · F6 容缺受理 · F7 补正告知 · F8 不予受理 · (window menu) F9 returning applicant.
"""

from __future__ import annotations

import itertools
import logging
import uuid
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.accounts import Operator as Operator  # (its home; imported from here too)
from app.core.case_records import SearchKind, read_search
from app.core.check import CheckResult, Decision, MaterialOutcome, NoticeLine
from app.core.ids import uuid7
from app.core.intake import Applicant, ApplicantKind, Intake, intake_problems
from app.core.items import Item, Necessity, ServiceType
from app.core.text import clause
from app.core.workdays import Due, WorkCalendar, limit_text
from app.services.counter import CounterService, ReturningStart, outcome_from_json, outcome_to_json
from app.ui.checklist import ChecklistModel, ChecklistView
from app.ui.intake_forms import ApplicantForm, SituationForm
from app.ui.item_search import search_splitter
from app.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from app.core.case_records import SavedCase
    from app.services.applications import ApplicationService
    from app.services.page_images import PageService
    from app.services.privacy import AccessLog
    from app.ui.bundle_intake import BundleIntake
    from app.ui.capture import CapturePane

log = logging.getLogger("yichuang.ui")

REFUSAL_REASONS = (
    "申请事项不属于本中心受理范围",
    "申请人不具备申请资格",
    "申请事项依法不需要取得行政许可",
    "申请人隐瞒有关情况或者提供虚假材料",
)
DRAFT_DELAY_MS = 400


def _dialog_buttons(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog
    )
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(ok_text)
    ok.setDefault(True)  # Enter confirms from anywhere in the dialog
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(dialog.tr("返回修改"))
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


class AcceptDialog(QDialog):
    def __init__(self, item: Item, due: Due, on_the_spot: bool, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("确认受理"))
        text = (
            self.tr("即办件：受理并当场办结《%1》。").replace("%1", item.name)
            if on_the_spot
            else self.tr("受理《%1》，承诺%2内办结，承诺办结日期：%3。")
            .replace("%1", item.name)
            .replace("%2", limit_text(due.days, due.unit))
            .replace("%3", due.date.isoformat())
        )
        label = QLabel(text, self)
        label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        if due.estimated and not on_the_spot:
            layout.addWidget(estimate_mark(due, self))
        buttons = _dialog_buttons(self, self.tr("受理并打印回执"))
        layout.addWidget(buttons)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setFocus()


def estimate_mark(due: Due, parent: QWidget) -> QLabel:
    """The 估算 mark beside a promised date counted on an estimated year; the reason
    on hover."""
    mark = QLabel(parent.tr("估算：%1").replace("%1", due.estimate_note()), parent)
    mark.setObjectName("estimateMark")
    mark.setWordWrap(True)
    mark.setStyleSheet("color: #8a4b00; background: #fff3cd; padding: 4px;")
    mark.setToolTip("\n".join(y.source for y in due.basis if not y.official))
    return mark


class DeferredDialog(QDialog):
    def __init__(
        self, lines: tuple[NoticeLine, ...], default: date, today: date, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("容缺受理"))
        self.date = QDateEdit(QDate(default.year, default.month, default.day), self)
        self.date.setObjectName("supplyBy")
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setMinimumDate(QDate(today.year, today.month, today.day))
        names = "、".join(n.material for n in lines)
        label = QLabel(
            self.tr("容缺材料：%1\n申请人承诺在以下日期前补交：").replace("%1", names), self
        )
        label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.date)
        layout.addWidget(_dialog_buttons(self, self.tr("容缺受理")))
        self.date.setFocus()

    def supply_by(self) -> date:
        return self.date.date().toPython()  # type: ignore[no-any-return]


class NoticeDialog(QDialog):
    """The one-time notice lines, shown for review before saving."""

    def __init__(self, lines: tuple[NoticeLine, ...], parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("一次性告知：请核对需补正的全部材料"))
        self.list = QListWidget(self)
        self.list.setObjectName("noticeLines")
        for i, n in enumerate(lines, start=1):
            text = f"{i}. {n.material}：{n.problem}。要求：{n.requirement}"
            if n.deferrable:
                text += self.tr("（可容缺）")
            self.list.addItem(QListWidgetItem(text))
        self.list.setWordWrap(True)
        self.list.setMinimumSize(640, 240)
        note = QLabel(
            self.tr("告知书将列明以上全部材料，申请人补齐后不再要求提交告知书以外的材料。"), self
        )
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addWidget(note)
        buttons = _dialog_buttons(self, self.tr("保存并打印告知书"))
        layout.addWidget(buttons)
        # Enter confirms; Tab reaches the list to scroll a long notice
        self.list.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setFocus()


class RefuseDialog(QDialog):
    def __init__(self, legal_basis: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("不予受理"))
        self.reason = QComboBox(self)
        self.reason.setObjectName("refuseReason")
        self.reason.setEditable(True)
        self.reason.addItems(list(REFUSAL_REASONS))
        self.reason.setEditText("")
        self.basis = QLineEdit(legal_basis, self)
        self.basis.setObjectName("refuseBasis")
        self.hint = QLabel(self)
        self.hint.setStyleSheet("color: #b00020")
        form = QFormLayout()
        form.addRow(self.tr("理由"), self.reason)
        form.addRow(self.tr("法律依据"), self.basis)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        self.buttons = _dialog_buttons(self, self.tr("不予受理"))
        layout.addWidget(self.buttons)
        line = self.reason.lineEdit()
        assert line is not None
        line.returnPressed.connect(self.basis.setFocus)  # Enter: on to the legal basis
        self.reason.setFocus()

    def accept(self) -> None:
        if not self.reason.currentText().strip() or not self.basis.text().strip():
            self.hint.setText(self.tr("理由和法律依据都必须填写"))
            return
        super().accept()


class ReturningDialog(QDialog):
    """Find an earlier 补正 case: scan or type its number, an ID number or a name."""

    def __init__(
        self, service: CounterService, parent: QWidget, access: AccessLog | None = None
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.access = access  # a search by ID number is a look at the applicant's data
        self.setWindowTitle(self.tr("补正后再次办理：查找原补正件"))
        self.query = QLineEdit(self)
        self.query.setObjectName("returningQuery")
        self.query.setPlaceholderText(
            self.tr("扫描告知书条码，或输入办件编号、身份证号、姓名后回车")
        )
        self.results = QListWidget(self)
        self.results.setObjectName("returningResults")
        self.results.setMinimumSize(640, 200)
        self.status = QLabel(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.query)
        layout.addWidget(self.results)
        layout.addWidget(self.status)
        self.chosen: str | None = None
        self.query.returnPressed.connect(self._search)
        self.results.itemActivated.connect(self._choose)
        self.query.setFocus()

    def _search(self) -> None:
        found = self.service.find_returning(self.query.text())
        search = read_search(self.query.text())
        if self.access is not None and found and search and search.kind is SearchKind.ID_NO:
            self.access.searched_id(search.value, "补正再次办理")
        self.results.clear()
        for case in found:
            item = QListWidgetItem(
                f"{case.case_no}  {case.applicant_name}  {case.item_name}  "
                f"{case.accepted_at:%Y-%m-%d}  告知：{'、'.join(case.notice)}"
            )
            item.setData(Qt.ItemDataRole.UserRole, case.case_no)
            self.results.addItem(item)
        if len(found) == 1 and found[0].case_no == self.query.text().strip().upper():
            self.chosen = found[0].case_no  # a scanned number: straight in
            self.accept()
            return
        self.status.setText(
            self.tr("找到 %1 件待补正的办件，用方向键选择后回车").replace("%1", str(len(found)))
            if found
            else self.tr("没有找到待补正的办件")
        )
        if found:
            self.results.setCurrentRow(0)
            self.results.setFocus()

    def _choose(self, item: QListWidgetItem) -> None:
        self.chosen = str(item.data(Qt.ItemDataRole.UserRole))
        self.accept()


class DecisionBar(QWidget):
    decided = Signal(object)  # Decision

    SHORTCUTS: ClassVar[dict[Decision, str]] = {
        Decision.ACCEPT: "F5",
        Decision.ACCEPT_DEFERRED: "F6",
        Decision.CORRECTION: "F7",
        Decision.REFUSE: "F8",
    }
    LABELS: ClassVar[dict[Decision, str]] = {
        Decision.ACCEPT: "受理",
        Decision.ACCEPT_DEFERRED: "容缺受理",
        Decision.CORRECTION: "补正告知",
        Decision.REFUSE: "不予受理",
    }

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reason = QLabel(self)
        self.reason.setObjectName("decisionReason")
        self.reason.setWordWrap(True)
        self.buttons: dict[Decision, QPushButton] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.reason, 1)
        for decision, label in self.LABELS.items():
            button = QPushButton(f"{self.tr(label)} {self.SHORTCUTS[decision]}", self)
            button.setObjectName(f"decide_{decision.name.lower()}")
            button.setMinimumHeight(40)
            button.clicked.connect(lambda _=False, d=decision: self.decided.emit(d))
            self.buttons[decision] = button
            layout.addWidget(button)

    def show_result(self, result: CheckResult | None, on_the_spot: bool) -> None:
        accept = self.buttons[Decision.ACCEPT]
        accept.setText(
            f"{self.tr('受理并办结') if on_the_spot else self.tr('受理')} {self.SHORTCUTS[Decision.ACCEPT]}"
        )
        if result is None:
            for b in self.buttons.values():
                b.setEnabled(False)
            self.reason.setText(self.tr("请先选择事项（F2）"))
            return
        for decision, button in self.buttons.items():
            allowed = result.is_allowed(decision)
            button.setEnabled(allowed)
            button.setToolTip("" if allowed else result.why_not.get(decision, ""))
        unchecked = len(result.unchecked)
        lines = []
        if unchecked:
            lines.append(self.tr("还有 %1 项材料未核验").replace("%1", str(unchecked)))
        why = result.why_not.get(Decision.ACCEPT)
        if why:
            lines.append(self.tr("不能受理：") + why)
        else:
            lines.append(self.tr("材料齐全，可以受理"))
        self.reason.setText("；".join(lines))


class IntakePanel(QWidget):
    """One intake at a time. Emits ``saved(SavedCase, Intake)`` after a case is stored."""

    saved = Signal(object, object)
    application_saved = Signal(object)  # SavedApplication: a bundle's visit (联办)
    message = Signal(str)
    item_chosen = Signal()  # a new intake began (its applicant is empty)

    def __init__(
        self,
        service: CounterService,
        runner: TaskRunner,
        calendar: WorkCalendar,
        operator: Operator,
        search: QWidget | None,
        parent: QWidget | None = None,
        pages: PageService | None = None,
        signature_pad: Any = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.pages = pages  # page images and the signature (None: not offered)
        self.signature_pad = signature_pad  # a device with request() -> Signature
        self.runner = runner
        self.calendar = calendar
        self.operator = operator
        self.access: AccessLog | None = None  # set by the main window (logs ID searches)
        self.item: Item | None = None
        self.version_id: int | None = None
        self.returning: ReturningStart | None = None
        # this intake's own id: every save of it gives the same one case
        self.intake_id: uuid.UUID | None = None
        self._decision_dialog: QDialog | None = None  # one decision dialog at a time
        # the status bar names why a decision was blocked: taken back once it is fixed
        self._blocked: tuple[str, Decision] | None = None
        self._saving = False
        self._restoring = False

        self.header = QLabel(self.tr("请按 F2 检索事项，回车选定"), self)
        self.header.setObjectName("intakeHeader")
        self.header.setWordWrap(True)
        self.header.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.returning_banner = QLabel(self)
        self.returning_banner.setObjectName("returningBanner")
        self.returning_banner.setWordWrap(True)
        self.returning_banner.setStyleSheet("background: #fff3cd; padding: 4px;")
        self.returning_banner.hide()
        self.situations = SituationForm(self)
        self.applicant = ApplicantForm(self)
        self.checklist = ChecklistModel(self)
        self.table = ChecklistView(self.checklist, self)
        self.decisions = DecisionBar(self)
        self.keys_help = QLabel(
            self.tr("材料：空格/1 收到 · 2 缺 · 3 有误 · +/- 份数 · Ctrl+回车 其余全部收到"), self
        )
        self.keys_help.setStyleSheet("color: #555")

        top = QHBoxLayout()
        top.addWidget(self.situations, 2)
        top.addWidget(self.applicant, 3)
        work = QWidget(self)
        work_layout = QVBoxLayout(work)
        work_layout.setContentsMargins(0, 0, 0, 0)
        work_layout.addWidget(self.header)
        work_layout.addWidget(self.returning_banner)
        work_layout.addLayout(top)
        work_layout.addWidget(self.table, 1)
        self.capture: CapturePane | None = None
        if pages is not None:
            from app.ui.capture import CapturePane

            self.capture = CapturePane(
                self.checklist, lambda: self.table.currentIndex().row(),
                lambda: self.intake_id, pages, work,
            )  # fmt: skip
            self.capture.message.connect(self.message)
            work_layout.addWidget(self.capture)
            self.keys_help.setText(
                self.keys_help.text()
                + self.tr(" · Ctrl+G 拍摄材料 · Ctrl+I 导入影像 · Ctrl+H 申请人签名")
            )
        work_layout.addWidget(self.keys_help)
        work_layout.addWidget(self.decisions)
        # a bundle (一件事) is taken on its own page beside the single item's, built
        # when the first bundle is picked (not on the way to the first window)
        self._applications: ApplicationService | None = None
        self._bundle: BundleIntake | None = None
        self._operator_for_bundle = operator
        self.page_stack = QStackedWidget(self)  # the one-item intake, or a bundle's
        self.page_stack.addWidget(work)
        self._work = work
        layout = QVBoxLayout(self)
        if search is None:  # the main window holds the search beside this panel
            layout.setContentsMargins(0, 0, 0, 0)
            layout.addWidget(self.page_stack)
        else:
            layout.setContentsMargins(4, 4, 4, 4)
            layout.addWidget(search_splitter(search, self.page_stack, self))

        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self._save_draft)

        self.situations.changed.connect(self._situations_changed)
        self.applicant.changed.connect(self._touched)
        self.checklist.changed.connect(self._checklist_changed)
        self.decisions.decided.connect(self.decide)
        self._actions()
        self._order_tabs()
        self.decisions.show_result(None, False)

    # ------------------------------------------------------------ wiring

    def _actions(self) -> None:
        def action(key: QKeySequence | Qt.Key, slot: Callable[[], None]) -> None:
            a = QAction(self)
            a.setShortcut(QKeySequence(key))
            a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            a.triggered.connect(slot)
            self.addAction(a)

        action(Qt.Key.Key_F5, lambda: self.decide(Decision.ACCEPT))
        action(Qt.Key.Key_F6, lambda: self.decide(Decision.ACCEPT_DEFERRED))
        action(Qt.Key.Key_F7, lambda: self.decide(Decision.CORRECTION))
        action(Qt.Key.Key_F8, lambda: self.decide(Decision.REFUSE))
        action(Qt.Key.Key_F4, self.focus_checklist)
        action(Qt.Key.Key_F3, lambda: self.bundle_mode and self.bundle.decisions.setFocus())
        action(QKeySequence("Ctrl+S"), lambda: self.bundle_mode and self.bundle.save())
        if self.capture is not None:
            capture = self.capture
            # 高拍 (F10-F12 are the queue's): on the page shown, the bundle's or this one's
            action(QKeySequence("Ctrl+G"), lambda: self._capture_pane().capture())
            action(QKeySequence("Ctrl+I"), lambda: self._capture_pane().import_file())
            action(QKeySequence("Ctrl+H"), self.sign)  # 手写签名
            selection = self.table.selectionModel()
            selection.currentRowChanged.connect(lambda *_: capture.follow())

    def _capture_pane(self) -> CapturePane:
        """The capture strip of the page shown: the bundle's on a bundle's intake."""
        if self.bundle_mode and self.bundle.capture is not None:
            return self.bundle.capture
        assert self.capture is not None  # the keys exist only with a capture pane
        return self.capture

    @property
    def applications(self) -> ApplicationService:
        """联办 applications (app/services/applications), made on first use."""
        if self._applications is None:
            from app.services.applications import ApplicationService

            s = self.service
            self._applications = ApplicationService(
                s.store, s.calendar, s.centre, s.workstation, s.clock
            )
        return self._applications

    @property
    def bundle(self) -> BundleIntake:
        """The bundle's intake page, built when first needed."""
        if self._bundle is None:
            from app.ui.bundle_intake import BundleIntake

            bundle = BundleIntake(
                self.applications,
                self.runner,
                self.calendar,
                self._operator_for_bundle,
                self,
                pages=self.pages,
            )
            bundle.message.connect(self.message)
            bundle.draft_key = self.draft_key
            bundle.draft_sink = lambda state: self.runner.submit(
                lambda: self.service.save_draft(self.draft_key, state),
                on_error=lambda exc: log.warning("draft not saved: %s", exc),
            )
            bundle.saved.connect(self._application_saved)
            self.page_stack.addWidget(bundle)
            self._bundle = bundle
        return self._bundle

    @property
    def bundle_mode(self) -> bool:
        """A bundle's intake is on (its page shown)."""
        return self._bundle is not None and self.page_stack.currentWidget() is self._bundle

    def focus_checklist(self) -> None:
        (self.bundle.table if self.bundle_mode else self.table).setFocus()

    def choose_bundle(self, code: str) -> None:
        """The clerk picked a bundle (一件事) in the search: its intake opens."""
        try:
            start = self.applications.open_bundle(code)
        except LookupError as exc:
            self.message.emit(str(exc))
            return
        self.clear()
        self.page_stack.setCurrentWidget(self.bundle)
        self.bundle.open_bundle(start)
        self.item_chosen.emit()

    def _application_saved(self, saved: object) -> None:
        self.page_stack.setCurrentWidget(self._work)
        self.application_saved.emit(saved)

    def _order_tabs(self) -> None:
        a = self.applicant
        chain: list[QWidget] = [a.kind, a.name, a.id_type, a.id_no, a.legal_rep, a.phone,
                                a.address, a.has_agent, a.agent_name, a.agent_id_no,
                                a.agent_phone, self.table]  # fmt: skip
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    # ------------------------------------------------------------ item and state

    @property
    def draft_key(self) -> str:
        return f"{self.service.workstation}/{self.operator.login}"

    def choose_item(self, version_id: int, code: str = "") -> None:
        found = self.service.load_item(version_id)
        if found is None:
            self.message.emit(self.tr("事项已不存在，请重新检索"))
            return
        self.returning = None
        self.returning_banner.hide()
        self.page_stack.setCurrentWidget(self._work)
        if self._bundle is not None:
            self._bundle.clear()
        self.intake_id = uuid7()
        self._set_item(found[0], found[1], None, {})
        self.applicant.clear()
        self.focus_first_field()
        self._touched()
        self.item_chosen.emit()

    def _set_item(
        self,
        version_id: int,
        item: Item,
        answers: dict[str, str] | None,
        outcomes: dict[int, MaterialOutcome],
    ) -> None:
        self.version_id = version_id
        self.item = item
        kind = (
            self.tr("即办件")
            if item.service_type is ServiceType.ON_THE_SPOT
            else self.tr("承诺件 %1 个工作日").replace("%1", str(item.promised_days))
        )
        self.header.setText(f"{item.name}    {item.code} · 版本 {item.version} · {kind}")
        self.checklist.clear()
        self.situations.set_item(item, answers)
        self.checklist.set_materials(item.applicable_materials(self.situations.answers()), outcomes)

    def focus_first_field(self) -> None:
        first = self.situations.first_field()
        (first or self.applicant.first_field()).setFocus()

    def check(self) -> CheckResult | None:
        if self.item is None:
            return None
        from app.core.check import check_materials

        return check_materials(self.item, self.situations.answers(), self.checklist.outcomes())

    def _situations_changed(self) -> None:
        if self.item is not None:
            self.checklist.set_materials(
                self.item.applicable_materials(self.situations.answers()), {}
            )
        self._touched()

    def _checklist_changed(self) -> None:
        self._touched()

    def _touched(self) -> None:
        result = self.check()
        if self._blocked is not None:
            what, decision = self._blocked
            fixed = (
                not self.applicant.problems()
                if what == "applicant"
                else result is None or result.is_allowed(decision)
            )
            if fixed:
                self._blocked = None
                self.message.emit("")  # the problem it named is gone: no stale message
        self.decisions.show_result(
            result, self.item is not None and self.item.service_type is ServiceType.ON_THE_SPOT
        )
        if self.returning is not None and result is not None:
            from app.core.intake import not_on_earlier_notice

            missed = set(not_on_earlier_notice(result, set(self.returning.notice_keys)))
            self.checklist.set_flagged(
                {s.material.seq for s in result.applicable if s.material.name in missed}
            )
            if missed:
                self.returning_banner.setText(
                    self.tr("注意：以下材料不在原一次性告知书（%1）中：%2。按一次性告知制度不应再要求申请人补充，"
                            "如确需补充将记录在案。")
                    .replace("%1", self.returning.case_no)
                    .replace("%2", "、".join(sorted(missed)))
                )  # fmt: skip
            else:
                self.returning_banner.setText(
                    self.tr("补正后再次办理：原办件 %1，告知补正：%2")
                    .replace("%1", self.returning.case_no)
                    .replace("%2", "、".join(self.returning.notice))
                )
        if not self._restoring and self.item is not None:
            self._draft_timer.start()

    # ------------------------------------------------------------ drafts

    def snapshot(self) -> dict[str, Any] | None:
        if self.item is None or self.version_id is None:
            return None
        a = self.applicant.applicant()
        return {
            "item_version_id": self.version_id,
            "item_code": self.item.code,
            "item_name": self.item.name,
            "answers": self.situations.answers(),
            "applicant": {
                "kind": a.kind.value,
                "name": a.name,
                "id_type": a.id_type,
                "id_no": a.id_no,
                "phone": a.phone,
                "address": a.address,
                "legal_rep": a.legal_rep,
                "agent_name": a.agent_name,
                "agent_id_no": a.agent_id_no,
                "agent_phone": a.agent_phone,
            },
            "outcomes": {str(k): outcome_to_json(v) for k, v in self.checklist.outcomes().items()},
            "returning_case_no": self.returning.case_no if self.returning else "",
            "intake_id": str(self.intake_id) if self.intake_id else "",
            "saved_at": self.service.clock.now().isoformat(timespec="seconds"),
        }

    def _save_draft(self) -> None:
        state = self.snapshot()
        if state is None or self._saving:
            return
        key = self.draft_key
        self.runner.submit(
            lambda: self.service.save_draft(key, state),
            on_error=lambda exc: log.warning("draft not saved: %s", exc),
        )

    def restore(self, state: dict[str, Any]) -> bool:
        """Bring back a draft; False when its item version no longer exists."""
        if state.get("kind") == "bundle":  # a bundle's visit (联办)
            self.clear()
            self.page_stack.setCurrentWidget(self.bundle)
            if self.bundle.restore(state):
                return True
            self.page_stack.setCurrentWidget(self._work)
            return False
        found = self.service.load_item(int(state["item_version_id"]))
        if found is None:
            return False
        self._restoring = True
        self.page_stack.setCurrentWidget(self._work)
        try:
            returning_no = state.get("returning_case_no") or ""
            self.returning = self.service.returning_start(returning_no) if returning_no else None
            outcomes = {int(k): outcome_from_json(v) for k, v in state.get("outcomes", {}).items()}
            stored_id = state.get("intake_id") or ""
            self.intake_id = uuid.UUID(stored_id) if stored_id else uuid7()
            if self.capture is not None and stored_id:
                self.capture.load(self.intake_id)  # its pages, taken before the restart
            self._set_item(found[0], found[1], dict(state.get("answers", {})), outcomes)
            a = state.get("applicant", {})
            self.applicant.set_applicant(
                Applicant(
                    kind=ApplicantKind(a.get("kind", ApplicantKind.PERSON.value)),
                    name=a.get("name", ""),
                    id_type=a.get("id_type", Applicant().id_type),
                    id_no=a.get("id_no", ""),
                    phone=a.get("phone", ""),
                    address=a.get("address", ""),
                    legal_rep=a.get("legal_rep", ""),
                    agent_name=a.get("agent_name", ""),
                    agent_id_no=a.get("agent_id_no", ""),
                    agent_phone=a.get("agent_phone", ""),
                )
            )
            self.returning_banner.setVisible(self.returning is not None)
        finally:
            self._restoring = False
        self._touched()
        return True

    def clear(self) -> None:
        self._draft_timer.stop()
        self.item = None
        self.version_id = None
        self.returning = None
        self.intake_id = None
        self._blocked = None
        self.returning_banner.hide()
        self.header.setText(self.tr("请按 F2 检索事项，回车选定"))
        self.situations.set_item(None)
        self.applicant.clear()
        self.checklist.clear()
        self.decisions.show_result(None, False)

    # ------------------------------------------------------------ returning applicants

    def find_returning(self) -> None:
        dialog = ReturningDialog(self.service, self, self.access)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def chosen() -> None:
            if dialog.chosen:
                self.start_returning(dialog.chosen)

        dialog.accepted.connect(chosen)
        dialog.open()

    def start_returning(self, case_no: str) -> bool:
        start = self.service.returning_start(case_no)
        if start is None:
            self.message.emit(self.tr("找不到办件 %1").replace("%1", case_no))
            return False
        self.returning = start
        self.page_stack.setCurrentWidget(self._work)
        self.intake_id = uuid7()
        self._set_item(start.item_version_id, start.item, dict(start.answers), dict(start.outcomes))
        self.applicant.set_applicant(start.applicant)
        self.returning_banner.show()
        self._touched()
        self.table.setFocus()
        self.table.select_row(0)
        return True

    # ------------------------------------------------------------ the applicant's signature

    def sign(self) -> None:
        """Ctrl+H: the applicant signs (on screen or on the pad) for the one-time notice
        and the promise; kept with the intake, printed on those documents."""
        if self.item is None or self.intake_id is None or self.pages is None:
            self.message.emit(self.tr("请先选定事项"))
            return
        from app.ui.signature import SignatureDialog

        name = self.applicant.applicant().name or self.tr("申请人")
        dialog = SignatureDialog(
            self.tr("%1：请在下方签名。签名将印在一次性告知书或容缺受理承诺书的申请人签字处。")
            .replace("%1", name),
            self.signature_pad, self, self.capture.runner if self.capture else None,
        )  # fmt: skip
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        intake, pages = self.intake_id, self.pages

        def accepted() -> None:
            png = dialog.png
            if png is None:
                return
            # on the intake's own runner: kept before a save (and its print) queued after
            self.runner.submit(
                lambda: pages.save_signature(intake, png),
                lambda _r: self.message.emit(self.tr("已保存申请人签名")),
                lambda exc: self.message.emit(self.tr("签名未能保存：%1").replace("%1", str(exc))),
            )

        dialog.accepted.connect(accepted)
        dialog.open()
        self.signature_dialog = dialog

    # ------------------------------------------------------------ deciding and saving

    def build_intake(self, decision: Decision, **extra: Any) -> Intake | None:
        if self.item is None or self.version_id is None:
            return None
        op = self.operator
        return Intake(
            item=self.item,
            item_version_id=self.version_id,
            answers=self.situations.answers(),
            outcomes=self.checklist.outcomes(),
            applicant=self.applicant.applicant(),
            decision=decision,
            clerk=op.login,
            clerk_name=op.name,
            window_no=op.window_no,
            on_behalf_of=op.on_behalf_of,
            previous_case_no=self.returning.case_no if self.returning else "",
            intake_id=self.intake_id,
            **extra,
        )

    def decide(self, decision: Decision) -> None:
        if self.bundle_mode:  # F5–F8: the decision of the selected item of the bundle
            self.bundle.choose(decision)
            return
        if self._saving or self._decision_dialog is not None:
            return  # a second F5 while the first is being confirmed or saved
        intake = self.build_intake(decision)
        if intake is None:
            self.message.emit(self.tr("请先选择事项（F2）"))
            return
        result = intake.check()
        if decision is not Decision.REFUSE and not result.is_allowed(decision):
            self.message.emit(
                self.tr("不能%1：%2")
                .replace("%1", decision.value)
                .replace("%2", result.why_not[decision])
            )
            self._blocked = ("materials", decision)
            self._focus_material_at_fault(result)
            return
        applicant_problems = self.applicant.show_problems(final=True)
        if applicant_problems:
            self.message.emit(self.tr("申请人信息有误：") + "；".join(applicant_problems.values()))
            self._blocked = ("applicant", decision)
            self.applicant.field_at_fault(applicant_problems).setFocus()
            return
        item = intake.item
        today = self.service.clock.today()
        if decision is Decision.ACCEPT:
            due = self.calendar.due(today, item.promised_days, item.promised_unit)
            dialog: QDialog = AcceptDialog(item, due, intake.completes_on_the_spot, self)
            self._confirm(dialog, lambda: intake)
        elif decision is Decision.ACCEPT_DEFERRED:
            default = self.calendar.add_working_days(today, 5)
            deferred = DeferredDialog(result.notice, default, today, self)
            self._confirm(
                deferred, lambda: self.build_intake(decision, supply_by=deferred.supply_by())
            )
        elif decision is Decision.CORRECTION:
            self._confirm(NoticeDialog(result.notice, self), lambda: intake)
        else:
            refuse = RefuseDialog(item.legal_basis, self)
            self._confirm(
                refuse,
                lambda: self.build_intake(
                    decision,
                    reason=refuse.reason.currentText().strip(),
                    legal_basis=refuse.basis.text().strip(),
                ),
            )

    def _focus_material_at_fault(self, result: CheckResult) -> None:
        """After a blocked decision: the unanswered situation, or the first material
        that is not satisfied, gets the cursor."""
        first = self.situations.first_field()
        if result.unanswered and first is not None:
            first.setFocus()
            return
        self.table.setFocus()
        for row, state in enumerate(result.applicable):
            if not state.satisfied and state.material.necessity is not Necessity.OPTIONAL:
                self.table.select_row(row)
                return

    def _confirm(self, dialog: QDialog, make: Callable[[], Intake | None]) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._decision_dialog = dialog
        dialog.finished.connect(self._dialog_closed)
        dialog.accepted.connect(lambda: self._save(make()))
        dialog.open()

    def _dialog_closed(self) -> None:
        self._decision_dialog = None

    def _save(self, intake: Intake | None) -> None:
        if intake is None or self._saving:
            return
        problems = intake_problems(intake, self.service.clock.today())
        if problems:
            self._warn(self.tr("不能保存"), "\n".join(problems))
            return
        self._saving = True
        self._draft_timer.stop()
        notice_keys = self.returning.notice_keys if self.returning else None
        key = self.draft_key
        self.decisions.setEnabled(False)
        self.runner.submit(
            lambda: self.service.save_intake(intake, draft_key=key, notice_keys=notice_keys),
            on_done=lambda saved: self._saved(saved, intake),
            on_error=self._save_failed,
        )

    def _saved(self, saved: SavedCase, intake: Intake) -> None:
        self._saving = False
        self.decisions.setEnabled(True)
        text = self.tr("已保存：%1 %2").replace("%1", saved.case_no).replace("%2", saved.status)
        if saved.promised_date and saved.status not in ("已办结",):
            text += self.tr("，承诺办结日期 %1").replace("%1", saved.promised_date.isoformat())
            if saved.estimate_note:
                text += self.tr("（估算）")
        self.message.emit(text)
        self.clear()
        self.saved.emit(saved, intake)

    def _save_failed(self, exc: BaseException) -> None:
        from app.core.errors import IntakeRejected

        self._saving = False
        self.decisions.setEnabled(True)
        if isinstance(exc, IntakeRejected):
            self._warn(self.tr("不能保存"), "\n".join(exc.problems))
        else:
            self._warn(
                self.tr("保存失败"),
                self.tr("办件没有保存：%1。已填写的内容仍在本窗口并保存在草稿中，请稍后重试；"
                        "如反复失败，请联系技术人员。").replace("%1", clause(str(exc))),
            )  # fmt: skip
        self._draft_timer.start()

    def _warn(self, title: str, text: str) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.message.emit(f"{title}：{text}")
