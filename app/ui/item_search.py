"""Item search as you type: pinyin, initials, code or Chinese; arrows + Enter pick."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QFontMetrics, QKeyEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListView,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from app.core.search import BundleKey, Hit, ItemIndex

BUNDLE_MARK = "【一件事】"

CODE_ROLE = Qt.ItemDataRole.UserRole + 1
KEY_ROLE = Qt.ItemDataRole.UserRole + 2

_Index = QModelIndex | QPersistentModelIndex


class ItemSearchModel(QAbstractListModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._hits: list[Hit] = []

    def set_hits(self, hits: Sequence[Hit]) -> None:
        self.beginResetModel()
        self._hits = list(hits)
        self.endResetModel()

    def hit(self, row: int) -> Hit:
        return self._hits[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._hits):
            return None
        hit = self._hits[index.row()]
        mark = BUNDLE_MARK if _is_bundle(hit.entry.key) else ""
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{mark}{hit.entry.name}    {hit.entry.code}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return hit.how or None
        if role == CODE_ROLE:
            return hit.entry.code
        if role == NAME_ROLE:
            return mark + hit.entry.name
        if role == KEY_ROLE:
            return hit.entry.key
        return None


NAME_ROLE = Qt.ItemDataRole.UserRole + 3
GAP = "    "  # between the name and the code on one line
PAD = 4  # pixels around a hit's text


def hit_lines(name: str, code: str, advance: Callable[[str], int], width: int) -> list[str]:
    """The lines a hit is drawn on at ``width`` pixels: "name    code" on one line when
    both fit, else the name (broken between characters where it is longer than the
    width) with the code on a line of its own. Nothing is ever cut off."""
    if advance(name + GAP + code) <= width:
        return [name + GAP + code]
    lines: list[str] = []
    line = ""
    for char in name:
        if line and advance(line + char) > width:
            lines.append(line)
            line = ""
        line += char
    lines.append(line)
    return [*lines, code]


class HitDelegate(QStyledItemDelegate):
    """Draws each hit by ``hit_lines`` for the list's current width: in a narrow
    search pane or with the large font the code moves under the name instead of
    being cut to "370999-SJ-00"."""

    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self._view = view

    def _lines(self, metrics: QFontMetrics, index: _Index) -> list[str]:
        width = max(1, self._view.viewport().width() - 2 * PAD)
        name = str(index.data(NAME_ROLE) or "")
        code = str(index.data(CODE_ROLE) or "")
        return hit_lines(name, code, metrics.horizontalAdvance, width)

    def lines(self, index: _Index) -> list[str]:
        """What the list shows for ``index`` now (the tests read it)."""
        return self._lines(self._view.fontMetrics(), index)

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        metrics = option.fontMetrics
        count = len(self._lines(metrics, index))
        return QSize(self._view.viewport().width(), count * metrics.height() + 2 * PAD)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = self._view
        widget.style().drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        metrics: QFontMetrics = opt.fontMetrics
        rect: QRect = opt.rect
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        palette: QPalette = opt.palette
        main = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        quiet = main if selected else palette.color(QPalette.ColorRole.PlaceholderText)
        lines = self._lines(metrics, index)
        code = str(index.data(CODE_ROLE) or "")
        painter.save()
        y = rect.top() + PAD
        for n, line in enumerate(lines):
            box = QRect(rect.left() + PAD, y, rect.width() - 2 * PAD, metrics.height())
            flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
            if len(lines) == 1:  # the code after the name, quieter
                name = line[: len(line) - len(code) - len(GAP)]
                painter.setPen(main)
                painter.drawText(box, flags, name)
                painter.setPen(quiet)
                box.setLeft(box.left() + metrics.horizontalAdvance(name + GAP))
                painter.drawText(box, flags, code)
            else:
                painter.setPen(quiet if n == len(lines) - 1 else main)
                painter.drawText(box, flags, line)
            y += metrics.height()
        painter.restore()


class ItemSearch(QWidget):
    """Emits ``chosen(version_id, code)`` when the clerk presses Enter or double-clicks
    an item, ``bundle_chosen(version_id, code)`` for a bundle (一件事)."""

    chosen = Signal(int, str)
    bundle_chosen = Signal(int, str)

    def __init__(
        self,
        index: Callable[[], ItemIndex],
        recent: Callable[[], Sequence[str]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._index = index
        self._recent = recent
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText(self.tr("输入拼音首字母、全拼、汉字或事项编码（F2）"))
        self.edit.setClearButtonEnabled(True)
        self.edit.setObjectName("itemSearchEdit")
        self.model = ItemSearchModel(self)
        self.list = QListView(self)
        self.list.setModel(self.model)
        self.list.setObjectName("itemSearchList")
        self.list.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.list.setItemDelegate(HitDelegate(self.list))
        self.list.setResizeMode(QListView.ResizeMode.Adjust)  # lines follow the width
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.status = QLabel(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel(self.tr("事项检索"), self))
        layout.addWidget(self.edit)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.status)
        self.edit.textChanged.connect(self.refresh)
        self.edit.installEventFilter(self)
        self.list.activated.connect(self._choose_index)
        self.list.doubleClicked.connect(self._choose_index)
        self.refresh()

    def refresh(self) -> None:
        hits = self._index().search(self.edit.text(), recent=self._recent(), limit=100)
        self.model.set_hits(hits)
        if hits:
            self.list.setCurrentIndex(self.model.index(0, 0))
        text = self.edit.text().strip()
        self.status.setText(
            self.tr("找到 %n 个事项", "", len(hits)) if text else self.tr("最近使用的事项在前")
        )

    def focus(self) -> None:
        self.edit.setFocus()
        self.edit.selectAll()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
                self._move(key)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._choose_index(self.list.currentIndex())
                return True
        return super().eventFilter(watched, event)

    def _move(self, key: int) -> None:
        rows = self.model.rowCount()
        if not rows:
            return
        row = self.list.currentIndex().row()
        step = {
            Qt.Key.Key_Down: 1,
            Qt.Key.Key_Up: -1,
            Qt.Key.Key_PageDown: 10,
            Qt.Key.Key_PageUp: -10,
        }
        row = max(0, min(rows - 1, row + step[Qt.Key(key)]))
        self.list.setCurrentIndex(self.model.index(row, 0))

    def _choose_index(self, index: QModelIndex) -> None:
        if index.isValid():
            hit = self.model.hit(index.row())
            if _is_bundle(hit.entry.key):
                self.bundle_chosen.emit(hit.entry.key.version_id, hit.entry.code)
                return
            self.chosen.emit(int(hit.entry.key), hit.entry.code)  # type: ignore[call-overload]


def _is_bundle(key: object) -> bool:
    """A bundle's (一件事) entry in the index."""
    return isinstance(key, BundleKey)


def search_splitter(search: QWidget, page: QWidget, parent: QWidget) -> QSplitter:
    """The item search on the left of the intake's page (the counter window puts it
    there before the intake is built, app/ui/main_window.py)."""
    splitter = QSplitter(Qt.Orientation.Horizontal, parent)
    splitter.addWidget(search)
    splitter.addWidget(page)
    splitter.setStretchFactor(1, 4)
    splitter.setSizes([300, 1000])
    return splitter
