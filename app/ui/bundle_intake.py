"""The intake of a bundle (一件事一次办): one visit, several items, materials once.

The bundle is picked in the item search like an item. The shared situations are
answered once (each item's own questions that no shared question covers follow,
named by their item); one merged checklist has a row per material *identity*
(app/core/bundles), marked with the same keys as the single intake, and shows which
items need it (①②③ before the name refer to the decision table); each item gets its own decision;
Ctrl+S saves the application (one transaction) and prints the combined documents.

Keys: F4 checklist · F3 decision table · F5 受理 / F6 容缺受理 / F7 补正 / F8 不予受理
for the item selected in the decision table (5–8 there too) · Ctrl+S 保存并打印.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.accounts import Operator
from app.core.application import ApplicationIntake, SavedApplication, case_intake_id
from app.core.bundles import (
    MergedChecklist,
    MergedMaterial,
    bundle_notice,
    check_bundle,
    item_outcomes,
    merged_checklist,
)
from app.core.check import CheckResult, Decision, MaterialOutcome
from app.core.ids import uuid7
from app.core.intake import Applicant, ApplicantKind, Intake
from app.core.items import Item, ItemKind, Material, Question, ServiceType
from app.core.text import clause
from app.core.workdays import WorkCalendar
from app.services.applications import ApplicationService, BundleStart
from app.services.counter import outcome_from_json, outcome_to_json
from app.ui.checklist import ChecklistModel, ChecklistView
from app.ui.intake_forms import ApplicantForm, SituationForm
from app.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from app.services.page_images import PageService
    from app.ui.capture import CapturePane

log = logging.getLogger("yichuang.ui")

_Index = QModelIndex | QPersistentModelIndex

CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
OWN_SEP = "::"  # an item's own question in the situation form: "ITEMCODE::QCODE"
DECISION_KEYS = {
    Qt.Key.Key_5: Decision.ACCEPT,
    Qt.Key.Key_6: Decision.ACCEPT_DEFERRED,
    Qt.Key.Key_7: Decision.CORRECTION,
    Qt.Key.Key_8: Decision.REFUSE,
}


def number(i: int) -> str:
    return CIRCLED[i] if i < len(CIRCLED) else f"({i + 1})"


# ---------------------------------------------------------------- the merged checklist


class MergedChecklistModel(ChecklistModel):
    """The single intake's checklist over the merged materials: one row per material
    identity, its items shown as ①②③ before the name (full names in the tooltip).
    The clerk's marks are kept by identity, so changing a situation loses nothing."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._merged: list[MergedMaterial] = []
        self._numbers: dict[str, int] = {}
        self._names: dict[str, str] = {}
        self._by_key: dict[str, MaterialOutcome] = {}

    def set_checklist(
        self,
        checklist: MergedChecklist,
        numbers: Mapping[str, int],
        names: Mapping[str, str],
        *,
        fresh: Mapping[str, MaterialOutcome] | None = None,
    ) -> None:
        """Show the merged materials. ``fresh``: a new intake, starting from these
        marks (a draft's); otherwise the marks made so far are kept by identity."""
        if fresh is not None:
            self._by_key = dict(fresh)
        else:
            self._by_key.update(self.key_outcomes())
        self._merged = list(checklist.materials)
        self._numbers, self._names = dict(numbers), dict(names)
        rows = [
            Material(self.seq_of(m), m.name, m.needs[0].material.medium, m.copies,
                     m.necessity, standard=m.requirement())
            for m in self._merged
        ]  # fmt: skip
        self._outcomes = {}
        self.set_materials(
            rows,
            {self.seq_of(m): self._by_key[m.key] for m in self._merged if m.key in self._by_key},
        )

    def seq_of(self, merged: MergedMaterial) -> int:
        """A row's own number, the same whatever the situations show (its page images
        are kept by it): its first item's place in the bundle and that item's material
        seq. The 序号 column shows the row's place instead."""
        first = merged.needs[0]
        return self._numbers.get(first.item, 0) * 1000 + first.material.seq

    def row_of_seq(self, seq: int) -> MergedMaterial | None:
        return next((m for m in self._merged if self.seq_of(m) == seq), None)

    def clear(self) -> None:
        self._merged, self._by_key = [], {}
        super().clear()

    def merged(self, row: int) -> MergedMaterial:
        return self._merged[row]

    def key_outcomes(self) -> dict[str, MaterialOutcome]:
        outcomes = self.outcomes()
        return {m.key: outcomes[self.seq_of(m)] for m in self._merged if self.seq_of(m) in outcomes}

    def items_text(self, row: int) -> str:
        return "".join(number(self._numbers[c]) for c in self._merged[row].items)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if (
            index.isValid() and index.column() == 0 and role == Qt.ItemDataRole.DisplayRole
            and 0 <= index.row() < len(self._merged)
        ):  # fmt: skip
            return index.row() + 1
        if index.isValid() and index.column() == 1 and 0 <= index.row() < len(self._merged):
            merged = self._merged[index.row()]
            if role == Qt.ItemDataRole.DisplayRole:
                # the items first: a long name is cut at its end, never the marks
                return f"{self.items_text(index.row())}  {merged.name}"
            if role == Qt.ItemDataRole.ToolTipRole:
                needs = "、".join(self._names[c] for c in merged.items)
                return (
                    self.tr("所需事项：%1\n%2")
                    .replace("%1", needs)
                    .replace("%2", merged.requirement())
                )
        return super().data(index, role)


# ---------------------------------------------------------------- the items' decisions

DECISION_COLUMNS = ("编号", "事项名称", "实施部门", "材料核验", "决定")


class ItemDecisionModel(QAbstractTableModel):
    """One row per item of the bundle: its check and the decision for it. The
    decision follows the materials (受理 when it may, else 补正) until the clerk
    chooses one, and a chosen one that the materials no longer allow is dropped."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[Item] = []
        self._results: dict[str, CheckResult] = {}
        self._chosen: dict[str, Decision] = {}

    def set_items(self, items: Sequence[Item]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self._results, self._chosen = {}, {}
        self.endResetModel()
        self.changed.emit()

    def set_results(self, results: Mapping[str, CheckResult]) -> None:
        self._results = dict(results)
        for code, decision in list(self._chosen.items()):
            result = self._results.get(code)
            if decision is not Decision.REFUSE and (
                result is None or not result.is_allowed(decision)
            ):
                del self._chosen[code]
        if self._items:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._items) - 1, 4))
        self.changed.emit()

    def item(self, row: int) -> Item:
        return self._items[row]

    def decision(self, code: str) -> Decision | None:
        if code in self._chosen:
            return self._chosen[code]
        result = self._results.get(code)
        if result is None or result.unchecked or result.unanswered:
            return None
        for candidate in (Decision.ACCEPT, Decision.CORRECTION):
            if result.is_allowed(candidate):
                return candidate
        return None

    def chosen(self) -> dict[str, Decision]:
        """The decisions the clerk chose (not those following the materials)."""
        return dict(self._chosen)

    def decisions(self) -> dict[str, Decision | None]:
        return {i.code: self.decision(i.code) for i in self._items}

    def choose(self, row: int, decision: Decision) -> str:
        """Set the decision of one item; returns why not (empty when done)."""
        item = self._items[row]
        result = self._results.get(item.code)
        if decision is not Decision.REFUSE:
            if result is None:
                return self.tr("请先核验材料")
            if not result.is_allowed(decision):
                return (
                    self.tr("“%1”不能%2：%3")
                    .replace("%1", item.name)
                    .replace("%2", decision.value)
                    .replace("%3", result.why_not.get(decision, ""))
                )
        self._chosen[item.code] = decision
        self.dataChanged.emit(self.index(row, 0), self.index(row, 4))
        self.changed.emit()
        return ""

    def check_text(self, code: str) -> str:
        result = self._results.get(code)
        if result is None:
            return ""
        if result.unanswered:
            return self.tr("情形未选择")
        if result.unchecked:
            return self.tr("%1项未核验").replace("%1", str(len(result.unchecked)))
        why = result.why_not.get(Decision.ACCEPT)
        return why or self.tr("材料齐全")

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(DECISION_COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.tr(DECISION_COLUMNS[section])
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item, col = self._items[index.row()], index.column()
        decision = self.decision(item.code)
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return number(index.row())
            if col == 1:
                return item.name
            if col == 2:
                return item.department
            if col == 3:
                return self.check_text(item.code)
            if col == 4:
                if decision is None:
                    return self.tr("待定")
                chosen = "" if item.code in self._chosen else self.tr("（按材料）")
                return decision.value + chosen
        if role == Qt.ItemDataRole.ToolTipRole and col == 3:
            return self.check_text(item.code)
        if role == Qt.ItemDataRole.BackgroundRole and col == 4 and decision is not None:
            colour = {
                Decision.ACCEPT: "#e3f4e1", Decision.ACCEPT_DEFERRED: "#e6f0ff",
                Decision.CORRECTION: "#fff0cc", Decision.REFUSE: "#fde2e1",
            }[decision]  # fmt: skip
            return QBrush(QColor(colour))
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 0:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None


class ItemDecisionView(QTableView):
    """The items' table: ↑/↓ choose an item, 5 受理 · 6 容缺受理 · 7 补正 · 8 不予受理."""

    refused = Signal(str)  # why a key's decision was not taken

    def __init__(self, model: ItemDecisionModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.decisions = model
        self.setObjectName("bundleDecisions")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTabKeyNavigation(False)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Interactive)
        self.setColumnWidth(3, 220)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        model.modelReset.connect(self._fit_rows)

    def rows_height(self, rows: int) -> int:
        row = self.verticalHeader().defaultSectionSize()
        return self.horizontalHeader().height() + rows * row + 2 * self.frameWidth() + 4

    def _fit_rows(self) -> None:
        """At least two items in view (the checklist above keeps its room on a small
        screen with the large font); the panel gives it every row when there is room."""
        self.setMinimumHeight(self.rows_height(max(1, min(2, self.decisions.rowCount()))))

    def current_row(self) -> int:
        row = self.currentIndex().row()
        if row < 0 and self.decisions.rowCount():
            row = 0
            self.setCurrentIndex(self.decisions.index(0, 1))
        return row

    def choose(self, decision: Decision) -> None:
        row = self.current_row()
        if row < 0:
            return
        why = self.decisions.choose(row, decision)
        if why:
            self.refused.emit(why)
        elif row + 1 < self.decisions.rowCount():
            self.setCurrentIndex(self.decisions.index(row + 1, 1))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        decision = DECISION_KEYS.get(Qt.Key(event.key()))
        if decision is not None:
            self.choose(decision)
            return
        super().keyPressEvent(event)


# ---------------------------------------------------------------- confirming


class ApplicationConfirmDialog(QDialog):
    """Every item with its decision, one look before saving; the date a 容缺 promise
    runs to, and each refusal's reason and legal basis. Enter saves."""

    def __init__(
        self,
        lines: Sequence[str],
        deferred: bool,
        refused: Sequence[Item],
        default_supply: date,
        today: date,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("确认联办受理"))
        layout = QVBoxLayout(self)
        summary = QLabel("\n".join(lines), self)
        summary.setObjectName("applicationSummary")
        summary.setWordWrap(True)
        layout.addWidget(summary)
        form = QFormLayout()
        self.supply: QDateEdit | None = None
        if deferred:
            d = QDateEdit(
                QDate(default_supply.year, default_supply.month, default_supply.day), self
            )
            d.setObjectName("supplyBy")
            d.setCalendarPopup(True)
            d.setDisplayFormat("yyyy-MM-dd")
            d.setMinimumDate(QDate(today.year, today.month, today.day))
            form.addRow(self.tr("容缺材料承诺补交日期"), d)
            self.supply = d
        self.refusals: dict[str, tuple[QLineEdit, QLineEdit]] = {}
        for item in refused:
            reason = QLineEdit(self)
            reason.setObjectName(f"refuseReason_{item.code}")
            basis = QLineEdit(item.legal_basis, self)
            basis.setObjectName(f"refuseBasis_{item.code}")
            form.addRow(self.tr("“%1”不予受理理由").replace("%1", item.name), reason)
            form.addRow(self.tr("法律依据"), basis)
            self.refusals[item.code] = (reason, basis)
        layout.addLayout(form)
        self.hint = QLabel(self)
        self.hint.setStyleSheet("color: #b00020")
        layout.addWidget(self.hint)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(self.tr("保存并打印"))
        ok.setDefault(True)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("返回修改"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        first = next(iter(self.refusals.values()), None)
        (first[0] if first else self.supply or ok).setFocus()

    def accept(self) -> None:
        for reason, basis in self.refusals.values():
            if not reason.text().strip() or not basis.text().strip():
                self.hint.setText(self.tr("不予受理的理由和法律依据都必须填写"))
                reason.setFocus()
                return
        super().accept()

    def supply_by(self) -> date | None:
        return self.supply.date().toPython() if self.supply else None  # type: ignore[no-any-return]

    def refusal(self, code: str) -> tuple[str, str]:
        reason, basis = self.refusals[code]
        return reason.text().strip(), basis.text().strip()


# ---------------------------------------------------------------- the panel


class BundleIntake(QWidget):
    """One bundle's intake. Emits ``saved(SavedApplication)`` once it is stored."""

    saved = Signal(object)
    message = Signal(str)

    def __init__(
        self,
        service: ApplicationService,
        runner: TaskRunner,
        calendar: WorkCalendar,
        operator: Operator,
        parent: QWidget | None = None,
        *,
        pages: PageService | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.pages = pages
        self.runner = runner
        self.calendar = calendar
        self.operator = operator
        self.start: BundleStart | None = None
        self.intake_id: uuid.UUID | None = None
        self.checklist_state: MergedChecklist | None = None
        self._dialog: QDialog | None = None
        self._saving = False
        self._opening = False
        self._restoring = False
        # where drafts go (the intake panel's: this workstation and clerk), and its key
        self.draft_sink: Callable[[dict[str, Any]], None] | None = None
        self.draft_key = ""
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(400)
        self._draft_timer.timeout.connect(self._save_draft)

        self.header = QLabel(self)
        self.header.setObjectName("bundleHeader")
        self.header.setWordWrap(True)
        self.header.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.situations = SituationForm(self)
        self.situations.setTitle(self.tr("共同情形（一次回答，适用于各事项）"))
        self.applicant = ApplicantForm(self)
        self.checklist = MergedChecklistModel(self)
        self.table = ChecklistView(self.checklist, self)
        self.table.setObjectName("bundleChecklist")
        self.decision_model = ItemDecisionModel(self)
        self.decisions = ItemDecisionView(self.decision_model, self)
        self.status = QLabel(self)
        self.status.setObjectName("bundleStatus")
        self.status.setWordWrap(True)
        self.save_button = QPushButton(self.tr("保存并打印 Ctrl+S"), self)
        self.save_button.setObjectName("bundleSave")
        self.save_button.setMinimumHeight(40)
        self.keys_help = QLabel(
            self.tr("材料：空格/1 收到 · 2 缺 · 3 有误 · +/- 份数 · Ctrl+回车 其余全部收到"
                    "　｜　事项（F3）：5 受理 · 6 容缺 · 7 补正 · 8 不予受理"),
            self,
        )  # fmt: skip
        self.keys_help.setStyleSheet("color: #555")

        top = QHBoxLayout()
        top.addWidget(self.situations, 2)
        top.addWidget(self.applicant, 3)
        self.lower = lower = QSplitter(Qt.Orientation.Vertical, self)
        # the document camera's strip under the checklist, following its current row
        # (as the one-item intake's); a page is kept for every case needing the row
        self.capture: CapturePane | None = None
        if pages is not None:
            from app.ui.capture import CapturePane

            checked = QWidget(self)
            box = QVBoxLayout(checked)
            box.setContentsMargins(0, 0, 0, 0)
            box.setSpacing(0)
            box.addWidget(self.table, 1)
            self.capture = CapturePane(
                self.checklist, lambda: self.table.currentIndex().row(),
                lambda: self.intake_id, pages, checked,
            )  # fmt: skip
            self.capture.also = self._case_pages
            self.capture.message.connect(self.message)
            box.addWidget(self.capture)
            lower.addWidget(checked)
            self.table.selectionModel().currentRowChanged.connect(
                lambda *_: self.capture and self.capture.follow()
            )
            self.keys_help.setText(
                self.keys_help.text() + self.tr("　｜　Ctrl+G 拍摄材料 · Ctrl+I 导入影像")
            )
        else:
            lower.addWidget(self.table)
        lower.addWidget(self.decisions)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 1)
        lower.setChildrenCollapsible(False)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.header)
        layout.addLayout(top)
        layout.addWidget(lower, 1)
        layout.addWidget(self.keys_help)
        layout.addLayout(bottom)

        self.situations.changed.connect(self.refresh)
        self.checklist.changed.connect(self.recheck)
        self.decision_model.changed.connect(self._show_status)
        for signal in (self.situations.changed, self.applicant.changed,
                       self.checklist.changed, self.decision_model.changed):  # fmt: skip
            signal.connect(self._touched)
        self.decisions.refused.connect(self.message)
        self.save_button.clicked.connect(self.save)
        a = self.applicant
        for first, second in (
            (a.agent_phone, self.table), (self.table, self.decisions),
            (self.decisions, self.save_button),
        ):  # fmt: skip
            QWidget.setTabOrder(first, second)

    # ------------------------------------------------------------ opening

    def open_bundle(
        self,
        start: BundleStart,
        *,
        intake_id: uuid.UUID | None = None,
        answers: Mapping[str, str] | None = None,
        outcomes: Mapping[str, MaterialOutcome] | None = None,
    ) -> None:
        """A new visit for this bundle (or a draft's, with its id, answers and marks)."""
        self.start = start
        self.intake_id = intake_id or uuid7()
        bundle, items = start.bundle, start.catalogue
        stages = bundle.stages()
        order = {c: i for i, c in enumerate(bundle.item_codes)}
        if len(stages) == 1:
            parallel = self.tr("%1个事项并联办理").replace("%1", str(len(items)))
        else:  # e.g. ① → ②③: the stages in order, each stage's items in parallel
            flow = " → ".join("".join(number(order[c]) for c in stage) for stage in stages)
            parallel = (
                self.tr("%1个事项分%2个阶段办理：%3")
                .replace("%1", str(len(items)))
                .replace("%2", str(len(stages)))
                .replace("%3", flow)
            )
        self.header.setText(f"{bundle.name}    {bundle.code} · 版本 {bundle.version} · {parallel}")
        self._opening = True  # one refresh below, not one per situation set
        try:
            self.situations.set_item(self._situation_item(start), answers)
            self.applicant.clear()
            self.decision_model.set_items([items[c] for c in bundle.item_codes])
        finally:
            self._opening = False
        self.refresh(fresh=dict(outcomes or {}))
        self._balance()
        first = self.situations.first_field()
        (first or self.applicant.first_field()).setFocus()

    def _case_pages(self, seq: int) -> list[tuple[uuid.UUID, int]]:
        """Where a page of the row ``seq`` is kept besides the visit's draft: under the
        intake id each case of the visit will have (app/core/application.case_intake_id)
        and that item's own material seq — one page per case needing the material."""
        merged = self.checklist.row_of_seq(seq)
        if merged is None or self.intake_id is None:
            return []
        return [(case_intake_id(self.intake_id, n.item), n.material.seq) for n in merged.needs]

    def _balance(self) -> None:
        """Every item's row in view when it takes at most 40% of the lower part; the
        checklist the rest."""
        total = self.lower.height()
        want = self.decisions.rows_height(self.decision_model.rowCount())
        want = max(self.decisions.minimumHeight(), min(want, total * 2 // 5))
        self.lower.setSizes([max(1, total - want), want])

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.start is not None:
            self._balance()

    def _situation_item(self, start: BundleStart) -> Item:
        """The shared questions, then each item's own questions no shared one covers
        (named by item): one form, answered once."""
        bundle = start.bundle
        questions = [Question(q.code, q.text, q.options) for q in bundle.questions]
        for code, own in bundle.own_questions(start.catalogue).items():
            item = start.catalogue[code]
            questions += [
                Question(f"{code}{OWN_SEP}{q.code}", f"{item.name}：{q.text}", q.options)
                for q in own
            ]
        return Item(
            code=bundle.code, name=bundle.name, kind=ItemKind.PUBLIC_SERVICE, department="",
            service_type=ServiceType.PROMISED, statutory_days=0, promised_days=0,
            version=bundle.version, questions=tuple(questions),
        )  # fmt: skip

    def answers(self) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
        shared: dict[str, str] = {}
        own: dict[str, dict[str, str]] = {}
        for code, answer in self.situations.answers().items():
            if OWN_SEP in code:
                item, question = code.split(OWN_SEP, 1)
                own.setdefault(item, {})[question] = answer
            else:
                shared[code] = answer
        return shared, own

    # ------------------------------------------------------------ following the clerk

    def refresh(self, fresh: Mapping[str, MaterialOutcome] | None = None) -> None:
        if self.start is None or self._opening:
            return
        shared, own = self.answers()
        self.checklist_state = merged_checklist(
            self.start.bundle, self.start.catalogue, shared, own
        )
        codes = self.start.bundle.item_codes
        self.checklist.set_checklist(
            self.checklist_state,
            {c: i for i, c in enumerate(codes)},
            {c: self.start.catalogue[c].name for c in codes},
            fresh=fresh,
        )
        self.recheck()

    def recheck(self) -> None:
        if self.start is None or self.checklist_state is None:
            return
        check = check_bundle(
            self.checklist_state, self.start.catalogue, self.checklist.key_outcomes()
        )
        self.decision_model.set_results(check.results)

    def _show_status(self) -> None:
        decisions = self.decision_model.decisions()
        counts: dict[str, int] = {}
        for d in decisions.values():
            label = d.value if d else self.tr("待定")
            counts[label] = counts.get(label, 0) + 1
        self.status.setText(
            "；".join(f"{k} {v}项" for k, v in counts.items())
            + (self.tr("　共用材料只核验一次") if self.checklist.rowCount() else "")
        )

    def choose(self, decision: Decision) -> None:
        """F5–F8: the decision of the item selected in the decision table."""
        self.decisions.choose(decision)

    # ------------------------------------------------------------ drafts

    def _touched(self) -> None:
        if self.start is not None and not self._restoring and not self._saving:
            self._draft_timer.start()

    def snapshot(self) -> dict[str, Any] | None:
        """The half-finished visit, as a draft (kind "bundle"): offered back after a
        crash with its own intake id, so saving it later still gives one application."""
        if self.start is None or self.intake_id is None:
            return None
        a = self.applicant.applicant()
        return {
            "kind": "bundle",
            "bundle_code": self.start.bundle.code,
            "bundle_version": self.start.bundle.version,
            "item_name": f"{self.start.bundle.name}（一件事）",
            # the ids its cases will have: their page images are live while it is
            # (db/page_repo.drop_abandoned_pages)
            "case_intake_ids": [
                str(case_intake_id(self.intake_id, c)) for c in self.start.bundle.item_codes
            ],
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
            "outcomes": {k: outcome_to_json(o) for k, o in self.checklist.key_outcomes().items()},
            "decisions": {c: d.value for c, d in self.decision_model.chosen().items()},
            "intake_id": str(self.intake_id),
        }

    def _save_draft(self) -> None:
        state = self.snapshot()
        if state is not None and self.draft_sink is not None and not self._saving:
            self.draft_sink(state)

    def restore(self, state: Mapping[str, Any]) -> bool:
        """Bring a bundle's draft back; False when the bundle is no longer current."""
        try:
            start = self.service.open_bundle(str(state["bundle_code"]))
        except LookupError:
            return False
        self._restoring = True
        try:
            self.open_bundle(
                start,
                intake_id=uuid.UUID(str(state["intake_id"])),
                answers=dict(state.get("answers", {})),
                outcomes={k: outcome_from_json(v) for k, v in state.get("outcomes", {}).items()},
            )
            a = state.get("applicant", {})
            self.applicant.set_applicant(
                Applicant(
                    kind=ApplicantKind(a.get("kind", ApplicantKind.PERSON.value)),
                    name=a.get("name", ""), id_type=a.get("id_type", Applicant().id_type),
                    id_no=a.get("id_no", ""), phone=a.get("phone", ""),
                    address=a.get("address", ""), legal_rep=a.get("legal_rep", ""),
                    agent_name=a.get("agent_name", ""), agent_id_no=a.get("agent_id_no", ""),
                    agent_phone=a.get("agent_phone", ""),
                )
            )  # fmt: skip
            if self.capture is not None and self.intake_id is not None:
                self.capture.load(self.intake_id)  # pages taken before the restart
            codes = self.start.bundle.item_codes if self.start else ()
            for code, value in dict(state.get("decisions", {})).items():
                if code in codes:
                    self.decision_model.choose(codes.index(code), Decision(value))
        finally:
            self._restoring = False
        return True

    # ------------------------------------------------------------ saving

    def build(
        self, decisions: Mapping[str, Decision], supply_by: date | None,
        refusals: Mapping[str, tuple[str, str]],
    ) -> ApplicationIntake:  # fmt: skip
        assert self.start is not None and self.checklist_state is not None
        assert self.intake_id is not None
        per_item = item_outcomes(self.checklist_state, self.checklist.key_outcomes())
        op, applicant = self.operator, self.applicant.applicant()
        intakes = []
        for code in self.start.bundle.item_codes:
            vid, item = self.start.items[code]
            decision = decisions[code]
            reason, basis = refusals.get(code, ("", ""))
            intakes.append(
                Intake(
                    item=item, item_version_id=vid, answers=self.checklist_state.answers[code],
                    outcomes=per_item[code], applicant=applicant, decision=decision,
                    clerk=op.login, clerk_name=op.name, window_no=op.window_no,
                    on_behalf_of=op.on_behalf_of, reason=reason, legal_basis=basis,
                    supply_by=supply_by if decision is Decision.ACCEPT_DEFERRED else None,
                )
            )  # fmt: skip
        bundle = self.start.bundle
        return ApplicationIntake(self.intake_id, bundle.code, bundle.name, bundle.version,
                                 tuple(intakes),
                                 stages={b.code: b.stage for b in bundle.items})  # fmt: skip

    def save(self) -> None:
        """Ctrl+S: check every item has a decision and the applicant is right, confirm,
        then save the application off the GUI thread."""
        if self.start is None or self._saving or self._dialog is not None:
            return
        decisions = self.decision_model.decisions()
        pending = [self.start.catalogue[c].name for c, d in decisions.items() if d is None]
        if pending:
            self.message.emit(
                self.tr("以下事项尚无决定（材料未核验完或不能受理）：%1").replace(
                    "%1", "、".join(pending)
                )
            )
            self.table.setFocus()
            return
        problems = self.applicant.show_problems(final=True)
        if problems:
            self.message.emit(self.tr("申请人信息有误：") + "；".join(problems.values()))
            self.applicant.field_at_fault(problems).setFocus()
            return
        decided = {c: d for c, d in decisions.items() if d is not None}
        today = self.service.clock.today()
        lines = []
        for i, code in enumerate(self.start.bundle.item_codes):
            item, decision = self.start.catalogue[code], decided[code]
            text = f"{number(i)} {item.name}（{item.department}）：{decision.value}"
            if decision in (Decision.ACCEPT, Decision.ACCEPT_DEFERRED):
                due = self.calendar.due(today, item.promised_days, item.promised_unit)
                text += self.tr("，承诺%1前办结").replace("%1", due.date.isoformat())
            lines.append(text)
        notice = self._notice_lines(decided)
        if notice:  # 一次性告知: everything the combined notice will say, for review
            lines += ["", self.tr("一次性告知书将列明（共用材料只列一次）：")]
            lines += notice
        dialog = ApplicationConfirmDialog(
            lines,
            any(d is Decision.ACCEPT_DEFERRED for d in decided.values()),
            [self.start.catalogue[c] for c, d in decided.items() if d is Decision.REFUSE],
            self.calendar.add_working_days(today, 5),
            today,
            self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._dialog = dialog
        dialog.finished.connect(lambda _: setattr(self, "_dialog", None))

        def confirmed() -> None:
            refusals = {code: dialog.refusal(code) for code in dialog.refusals}
            self._save(self.build(decided, dialog.supply_by(), refusals))

        dialog.accepted.connect(confirmed)
        dialog.open()

    def _notice_lines(self, decided: Mapping[str, Decision]) -> list[str]:
        """The combined one-time notice of these decisions, a line per material."""
        assert self.start is not None and self.checklist_state is not None
        check = check_bundle(
            self.checklist_state, self.start.catalogue, self.checklist.key_outcomes()
        )
        with_notice = {
            code: check.result(code).notice
            for code, d in decided.items()
            if d in (Decision.CORRECTION, Decision.ACCEPT_DEFERRED)
        }
        order = {c: i for i, c in enumerate(self.start.bundle.item_codes)}
        return [
            f"{i}. {line.material}（{''.join(number(order[c]) for c in line.items)}）："
            f"{line.problem}" + (self.tr("（容缺）") if line.deferrable else "")
            for i, line in enumerate(bundle_notice(self.checklist_state, with_notice), start=1)
        ]

    def _save(self, application: ApplicationIntake) -> None:
        self._saving = True
        self.save_button.setEnabled(False)
        self._draft_timer.stop()
        key = self.draft_key or None
        self.runner.submit(
            lambda: self.service.save(application, draft_key=key),
            on_done=self._saved,
            on_error=self._failed,
        )

    def _saved(self, saved: SavedApplication) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        self.message.emit(self.tr("联办已保存：%1").replace("%1", "、".join(saved.case_nos)))
        self.clear()
        self.saved.emit(saved)

    def _failed(self, exc: BaseException) -> None:
        from app.core.errors import IntakeRejected

        self._saving = False
        self.save_button.setEnabled(True)
        if isinstance(exc, IntakeRejected):
            title, text = self.tr("不能保存"), "\n".join(exc.problems)
        else:
            title = self.tr("保存失败")
            text = self.tr("联办没有保存：%1。已填写的内容仍在本窗口，请稍后重试。").replace(
                "%1", clause(str(exc))
            )
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.message.emit(f"{title}：{text}")

    def clear(self) -> None:
        self._draft_timer.stop()
        self.start = None
        self.intake_id = None
        self.checklist_state = None
        self.header.setText("")
        self.situations.set_item(None)
        self.applicant.clear()
        self.checklist.clear()
        self.decision_model.set_items([])
        self.status.setText("")
