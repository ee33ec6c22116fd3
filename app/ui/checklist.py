"""The material checklist: one row per applicable material, marked from the keyboard.

Keys on the table: Space or 1 = 收到 (with the required copies), 2 = 缺, 3 = 有误 (asks
for the reason), + / - = copies received, Ctrl+Enter = every unchecked row 收到.
After a mark the cursor moves to the next row, so a clerk goes down the pile.

The last column, 影像, shows how many pages of the material were photographed under
the document camera (or imported from files) and the last one's thumbnail
(app/ui/capture.py takes them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QKeyEvent, QPixmap, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.check import COMMON_DEFECT_REASONS, MaterialOutcome, Status
from app.core.items import Material, Necessity
from app.core.pages import PageRecord

_Index = QModelIndex | QPersistentModelIndex

COLUMNS = (
    "序号", "材料名称", "形式", "份数", "必要性", "核验结果", "收到份数", "说明", "受理标准", "影像",
)  # fmt: skip
PAGES_COLUMN = 9
THUMB_HEIGHT = 24  # the row's thumbnail: about a line of text
STATUS_COLOURS = {
    Status.RECEIVED: QColor("#e3f4e1"),
    Status.MISSING: QColor("#fde2e1"),
    Status.DEFECTIVE: QColor("#fff0cc"),
}


class ChecklistModel(QAbstractTableModel):
    changed = Signal()
    pages_changed = Signal(int)  # a material's page images changed (its seq)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._materials: list[Material] = []
        self._outcomes: dict[int, MaterialOutcome] = {}
        self._flagged: set[int] = set()  # not on the earlier notice (returning applicant)
        # material seq → its page images, in page order, with their thumbnails
        self._pages: dict[int, list[tuple[PageRecord, QPixmap]]] = {}

    # ------------------------------------------------------------ content

    def set_materials(
        self, materials: Sequence[Material], outcomes: Mapping[int, MaterialOutcome]
    ) -> None:
        """Show these materials; outcomes for materials no longer shown are kept, so
        switching a situation back and forth loses nothing the clerk marked."""
        self.beginResetModel()
        self._materials = list(materials)
        self._outcomes.update(outcomes)
        self.endResetModel()
        self.changed.emit()

    def clear(self) -> None:
        self.beginResetModel()
        self._materials = []
        self._outcomes = {}
        self._flagged = set()
        self._pages = {}
        self.endResetModel()
        self.changed.emit()

    # ------------------------------------------------------------ page images

    def add_page(self, record: PageRecord, thumbnail: QPixmap) -> None:
        pages = self._pages.setdefault(record.material_seq, [])
        pages[:] = [p for p in pages if p[0].page != record.page]
        pages.append((record, thumbnail))
        pages.sort(key=lambda p: p[0].page)
        self._pages_changed(record.material_seq)

    def set_pages(self, pages: list[tuple[PageRecord, QPixmap]]) -> None:
        """All page images of the intake (a draft restored)."""
        self._pages = {}
        for record, thumb in pages:
            self._pages.setdefault(record.material_seq, []).append((record, thumb))
        for seq in list(self._pages):
            self._pages_changed(seq)

    def remove_page(self, seq: int, page: int) -> None:
        """The page taken out; the later ones move up (as the store renumbers them)."""
        kept = []
        for record, thumb in self._pages.get(seq, []):
            if record.page == page:
                continue
            if record.page > page:
                record = PageRecord(
                    record.intake_id, record.material_seq, record.page - 1, record.sha256,
                    record.width, record.height, record.source, record.taken_at,
                )  # fmt: skip
            kept.append((record, thumb))
        self._pages[seq] = kept
        self._pages_changed(seq)

    def pages_of(self, seq: int) -> list[tuple[PageRecord, QPixmap]]:
        return list(self._pages.get(seq, []))

    def page_count(self) -> int:
        return sum(len(p) for p in self._pages.values())

    def _pages_changed(self, seq: int) -> None:
        for row, m in enumerate(self._materials):
            if m.seq == seq:
                cell = self.index(row, PAGES_COLUMN)
                self.dataChanged.emit(cell, cell)
        self.pages_changed.emit(seq)

    def outcomes(self) -> dict[int, MaterialOutcome]:
        return dict(self._outcomes)

    def material(self, row: int) -> Material:
        return self._materials[row]

    def outcome(self, row: int) -> MaterialOutcome:
        return self._outcomes.get(self._materials[row].seq, MaterialOutcome())

    def set_flagged(self, seqs: set[int]) -> None:
        self._flagged = seqs
        if self._materials:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._materials) - 1, len(COLUMNS) - 1)
            )

    def mark(self, row: int, status: Status, reason: str = "") -> None:
        material = self._materials[row]
        current = self.outcome(row)
        if status is Status.RECEIVED:
            copies = (
                max(current.copies, material.copies)
                if current.status is Status.RECEIVED
                else material.copies
            )
            outcome = MaterialOutcome(status, copies)
        elif status is Status.DEFECTIVE:
            outcome = MaterialOutcome(status, current.copies, reason)
        else:
            outcome = MaterialOutcome(status, 0)
        self._set(row, outcome)

    def adjust_copies(self, row: int, delta: int) -> None:
        current = self.outcome(row)
        copies = max(0, current.copies + delta)
        status = current.status if current.status is not Status.UNCHECKED else Status.RECEIVED
        if status is Status.MISSING:
            status = Status.RECEIVED
        self._set(row, MaterialOutcome(status, copies, current.reason))

    def receive_all_unchecked(self) -> None:
        for row, material in enumerate(self._materials):
            if self.outcome(row).status is Status.UNCHECKED:
                self._outcomes[material.seq] = MaterialOutcome(Status.RECEIVED, material.copies)
        if self._materials:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._materials) - 1, len(COLUMNS) - 1)
            )
        self.changed.emit()

    def _set(self, row: int, outcome: MaterialOutcome) -> None:
        self._outcomes[self._materials[row].seq] = outcome
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        self.changed.emit()

    # ------------------------------------------------------------ Qt model

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._materials)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            return self.tr(COLUMNS[section])
        if orientation == Qt.Orientation.Vertical:
            return section + 1
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._materials):
            return None
        m = self._materials[index.row()]
        o = self.outcome(index.row())
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return m.seq
            if col == 1:
                return m.name + ("  ⚠未在上次告知书中" if m.seq in self._flagged else "")
            if col == 2:
                return m.medium.value
            if col == 3:
                return m.copies
            if col == 4:
                return m.necessity.value
            if col == 5:
                return "未核验" if o.status is Status.UNCHECKED else o.status.value
            if col == 6:
                return o.copies if o.status is not Status.UNCHECKED else ""
            if col == 7:
                if o.status is Status.RECEIVED and o.copies < m.copies:
                    return f"份数不足（需{m.copies}份）"
                return o.reason
            if col == 8:
                return m.standard
            if col == PAGES_COLUMN:
                count = len(self._pages.get(m.seq, ()))
                return f"{count}页" if count else ""
            return None
        if role == Qt.ItemDataRole.DecorationRole and col == PAGES_COLUMN:
            pages = self._pages.get(m.seq)
            if pages:
                return pages[-1][1].scaled(
                    THUMB_HEIGHT, THUMB_HEIGHT, Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )  # fmt: skip
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            colour = STATUS_COLOURS.get(o.status)
            if o.status is Status.RECEIVED and o.copies < m.copies:
                colour = STATUS_COLOURS[Status.DEFECTIVE]
            return QBrush(colour) if colour else None
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and col == 4
            and m.necessity is Necessity.REQUIRED
        ):
            return QBrush(QColor("#b00020"))
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == 7 and self._outcomes.get(m.seq, MaterialOutcome()).reason:
                return self._outcomes[m.seq].reason  # the 说明 column shows it cut short
            if col == 1:  # the name may be cut short too (large font)
                return f"{m.name}\n{m.standard}" if m.standard else m.name
            return m.standard or None
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (0, 3, 6):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None


class ReasonDialog(QDialog):
    """Why a material is defective: common reasons offered, free text allowed."""

    def __init__(self, material: str, current: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("材料有误"))
        self.combo = QComboBox(self)
        self.combo.setEditable(True)
        self.combo.setObjectName("reasonCombo")
        self.combo.addItems(list(COMMON_DEFECT_REASONS))
        self.combo.setEditText(current or COMMON_DEFECT_REASONS[0])
        line = self.combo.lineEdit()
        assert line is not None
        line.selectAll()
        line.returnPressed.connect(self.accept)  # an editable combo keeps Enter to itself
        self.combo.setFocus()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(self.tr("“%1”的问题（可选常见原因或直接输入）：").replace("%1", material), self)
        )
        layout.addWidget(self.combo)
        layout.addWidget(buttons)

    def reason(self) -> str:
        return self.combo.currentText().strip()


class ChecklistView(QTableView):
    """The table with the clerk's keys."""

    def __init__(self, model: ChecklistModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.checklist = model
        self.setObjectName("checklist")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTabKeyNavigation(False)  # Tab leaves the table for the decision buttons
        self.setWordWrap(True)
        self.setAlternatingRowColors(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        # 说明 is as long as the clerk's reason: a set width, the rest in its tooltip, so
        # a long reason never pushes 受理标准 off the screen
        header.setSectionResizeMode(7, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(8, QHeaderView.ResizeMode.Stretch)
        # 影像: a thumbnail and "n页", a set width (contents change after the reset)
        header.setSectionResizeMode(PAGES_COLUMN, QHeaderView.ResizeMode.Fixed)
        # the other columns follow their contents: when they change, share out again
        self._fitting = False
        header.sectionResized.connect(self._section_resized)
        model.modelReset.connect(self._size_columns)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.verticalHeader().setVisible(False)
        self.reason_dialog = ReasonDialog  # replaceable in tests

    def _size_columns(self) -> None:
        """Widths that follow the font and the room there is: 材料名称 and 说明 get
        their usual widths when they fit; with the large font on a 1366×768 screen they
        give way (the full text is in the tooltip) so that 受理标准 keeps at least eight
        characters in view and the table never scrolls sideways."""
        if self._fitting or not self.isVisible() or self.checklist.rowCount() == 0:
            return  # our own setColumnWidth below, a section it resized; nothing to show
        self._fitting = True
        try:
            self._share_width()
        finally:
            self._fitting = False

    def _section_resized(self, column: int, _old: int, _new: int) -> None:
        if column not in (1, 7, 8):
            self._size_columns()

    def _share_width(self) -> None:
        metrics = self.fontMetrics()
        pad = 12
        name = metrics.horizontalAdvance("个体工商户登记（备案）申请书") + pad
        reason = metrics.horizontalAdvance("复印件不清晰") + pad
        header = self.horizontalHeader()
        self.setColumnWidth(
            PAGES_COLUMN,
            max(THUMB_HEIGHT + 6 + metrics.horizontalAdvance("9页"),
                metrics.horizontalAdvance("影像")) + 4,
        )  # fmt: skip: a thumbnail and a count need no text padding, and at 1366 px with
        # the usual font 材料名称 and 说明 keep their usual widths beside it
        fixed = sum(header.sectionSize(c) for c in (0, 2, 3, 4, 5, 6, PAGES_COLUMN))
        room = self.viewport().width() - fixed - metrics.horizontalAdvance("受理标准受理标准")
        if room < name + reason:
            reason = max(metrics.horizontalAdvance("已过期") + pad, min(reason, room // 4))
            name = max(metrics.horizontalAdvance("居民身份证") + pad, room - reason)
        self.setColumnWidth(1, name)
        self.setColumnWidth(7, reason)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._size_columns()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._size_columns()

    def viewportEvent(self, event: QEvent) -> bool:
        # the viewport also changes width without the view resizing: when the
        # vertical scroll bar comes or goes (rows added, a strip below shown)
        handled = super().viewportEvent(event)
        if event.type() == QEvent.Type.Resize:
            self._size_columns()
        return handled

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._size_columns()

    def current_row(self) -> int:
        row = self.currentIndex().row()
        if row < 0 and self.checklist.rowCount() > 0:
            row = 0
            self.select_row(0)
        return row

    def select_row(self, row: int) -> None:
        if 0 <= row < self.checklist.rowCount():
            self.setCurrentIndex(self.checklist.index(row, 1))

    def focusInEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().focusInEvent(event)
        if self.currentIndex().row() < 0:
            self.select_row(0)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        mods = event.modifiers()
        row = self.current_row()
        if row < 0:
            super().keyPressEvent(event)
            return
        if (
            key in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and mods & Qt.KeyboardModifier.ControlModifier
        ):
            self.checklist.receive_all_unchecked()
            return
        if key in (Qt.Key.Key_Space, Qt.Key.Key_1):
            self.checklist.mark(row, Status.RECEIVED)
            self.select_row(row + 1)
            return
        if key in (Qt.Key.Key_2, Qt.Key.Key_Delete):
            self.checklist.mark(row, Status.MISSING)
            self.select_row(row + 1)
            return
        if key == Qt.Key.Key_3:
            dialog = self.reason_dialog(
                self.checklist.material(row).name, self.checklist.outcome(row).reason, self
            )
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

            def accepted() -> None:
                if dialog.reason():
                    self.checklist.mark(row, Status.DEFECTIVE, dialog.reason())
                    self.select_row(row + 1)
                self.setFocus()

            dialog.accepted.connect(accepted)
            dialog.rejected.connect(self.setFocus)
            dialog.open()  # window-modal, not a nested event loop
            return
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.checklist.adjust_copies(row, +1)
            return
        if key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self.checklist.adjust_copies(row, -1)
            return
        super().keyPressEvent(event)
