"""At start-up: today's cases that were saved but whose documents never came out (the
program stopped between the save and the printer, or every try failed), with 补打."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from app.core.case_records import UnprintedCase


class UnprintedDialog(QDialog):
    def __init__(self, cases: list[UnprintedCase], parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("unprintedCases")
        self.setWindowTitle(self.tr("今日办件的文书尚未打印"))
        label = QLabel(
            self.tr("以下今日办件已保存，但文书没有打印出来（打印前程序被关闭，或打印失败）。"
                    "请选中后补打，交给申请人："),
            self,
        )  # fmt: skip
        label.setWordWrap(True)
        self.list = QListWidget(self)
        self.list.setObjectName("unprintedList")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        for case in cases:
            item = QListWidgetItem(
                f"{case.accepted_at:%H:%M}  {case.case_no}  {case.decision}  "
                f"{case.applicant_name}  {case.item_name}"
            )
            item.setData(Qt.ItemDataRole.UserRole, case.case_no)
            self.list.addItem(item)
            item.setSelected(True)
        self.list.setMinimumSize(640, 160)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setObjectName("reprintSelected")
        ok.setText(self.tr("补打所选"))
        ok.setDefault(True)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(
            self.tr("稍后在“办件”中补打")
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.list)
        layout.addWidget(buttons)
        ok.setFocus()

    def chosen(self) -> list[str]:
        return [
            str(self.list.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.list.count())
            if self.list.item(i).isSelected()
        ]
