"""Item search as you type: pinyin, initials, code or Chinese; arrows + Enter pick."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QListView, QVBoxLayout, QWidget

from app.core.search import Hit, ItemIndex

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
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{hit.entry.name}    {hit.entry.code}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return hit.how or None
        if role == CODE_ROLE:
            return hit.entry.code
        if role == KEY_ROLE:
            return hit.entry.key
        return None


class ItemSearch(QWidget):
    """Emits ``chosen(version_id, code)`` when the clerk presses Enter or double-clicks."""

    chosen = Signal(int, str)

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
            self.chosen.emit(int(hit.entry.key), hit.entry.code)  # type: ignore[call-overload]
