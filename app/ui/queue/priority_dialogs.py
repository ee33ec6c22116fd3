"""绿色通道取号: staff decide who takes the green channel (老年人, 残疾人, 孕妇 …), so the
ticket is issued from the manager's view, never at the kiosk. The dialog asks for
the category and the reason, then shows the number large for the manager to hand
over (and whether the ticket printer printed it). It only shows: the manager view
runs the jobs."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.queue_policy import GREEN_REASONS
from app.core.queue_records import TicketInfo

OTHER = "其他"
NOTE_MAX = 40  # the store keeps 64 characters of note; "其他：" and room to spare


class GreenChannelDialog(QDialog):
    """Category and reason → ``requested(code, reason)``; then ``show_ticket`` or
    ``show_failure`` with the store's answer, and ``show_print`` with the printer's."""

    requested = Signal(str, str)  # category code, reason (the ticket's note)

    def __init__(
        self,
        categories: Sequence[tuple[str, str, str | None]],  # code, name, why not now
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("绿色通道取号"))
        self.setObjectName("greenChannelDialog")
        self.ticket: TicketInfo | None = None
        self.pages = QStackedWidget(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)

        form_page = QWidget(self.pages)
        form_layout = QVBoxLayout(form_page)
        form_layout.addWidget(
            QLabel(
                self.tr("为老年人、残疾人、孕妇等群众取绿色通道号，优先叫号。原因记入排队日志。"),
                form_page,
            )
        )
        form = QFormLayout()
        self.category = QComboBox(form_page)
        self.category.setObjectName("greenCategory")
        for code, name, why in categories:
            self.category.addItem(name if why is None else f"{name}（{why}）", code)
        form.addRow(self.tr("业务类别(&C)"), self.category)
        reasons = QWidget(form_page)
        grid = QGridLayout(reasons)
        grid.setContentsMargins(0, 0, 0, 0)
        self.reason_group = QButtonGroup(self)
        self.reasons: dict[str, QRadioButton] = {}
        for i, reason in enumerate(GREEN_REASONS):
            radio = QRadioButton(f"&{i + 1} {reason}", reasons)
            radio.setObjectName(f"reason_{i + 1}")
            self.reason_group.addButton(radio, i)
            self.reasons[reason] = radio
            grid.addWidget(radio, i // 3, i % 3)
        self.reasons[GREEN_REASONS[0]].setChecked(True)
        form.addRow(self.tr("原因"), reasons)
        self.other = QLineEdit(form_page)
        self.other.setObjectName("greenOther")
        self.other.setMaxLength(NOTE_MAX)
        self.other.setPlaceholderText(self.tr("选“其他”时填写，如：行动不便、携带婴幼儿"))
        self.other.setEnabled(False)
        form.addRow(self.tr("其他原因(&O)"), self.other)
        form_layout.addLayout(form)
        self.hint = QLabel("", form_page)
        self.hint.setObjectName("greenHint")
        self.hint.setStyleSheet("color: #b00020;")
        self.hint.setWordWrap(True)
        form_layout.addWidget(self.hint)
        row = QHBoxLayout()
        row.addStretch(1)
        self.issue_button = QPushButton(self.tr("取号"), form_page)
        self.issue_button.setObjectName("greenIssue")
        self.issue_button.setDefault(True)
        self.cancel_button = QPushButton(self.tr("取消"), form_page)
        row.addWidget(self.issue_button)
        row.addWidget(self.cancel_button)
        form_layout.addLayout(row)
        self.pages.addWidget(form_page)
        self.form_page = form_page

        result = QWidget(self.pages)
        result_layout = QVBoxLayout(result)
        self.caption = QLabel(self.tr("绿色通道号"), result)
        self.number = QLabel(result)
        self.number.setObjectName("greenNumber")
        font = QFont(self.font())
        font.setPixelSize(120)
        font.setBold(True)
        self.number.setFont(font)
        self.number.setStyleSheet("color: #2e7d32;")
        self.detail = QLabel(result)
        self.detail.setObjectName("greenDetail")
        self.print_note = QLabel(result)
        self.print_note.setObjectName("greenPrint")
        self.print_note.setWordWrap(True)
        for label in (self.caption, self.number, self.detail, self.print_note):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            result_layout.addWidget(label)
        big = QFont(self.font())
        big.setPointSizeF(big.pointSizeF() * 1.4)
        big.setBold(True)
        self.caption.setFont(big)
        self.detail.setFont(big)
        row = QHBoxLayout()
        row.addStretch(1)
        self.again_button = QPushButton(self.tr("再取一个(&N)"), result)
        self.again_button.setObjectName("greenAgain")
        self.done_button = QPushButton(self.tr("完成"), result)
        self.done_button.setObjectName("greenDone")
        row.addWidget(self.again_button)
        row.addWidget(self.done_button)
        result_layout.addLayout(row)
        self.pages.addWidget(result)
        self.result_page = result

        self.reason_group.idToggled.connect(self._reason_toggled)
        self.issue_button.clicked.connect(self._request)
        self.other.returnPressed.connect(self._request)
        self.cancel_button.clicked.connect(self.reject)
        self.done_button.clicked.connect(self.accept)
        self.again_button.clicked.connect(self._again)
        self.category.setFocus()

    def reason(self) -> str:
        """The note the ticket carries: a listed reason, or 其他 with what was typed."""
        checked = self.reason_group.checkedButton()
        chosen = next((r for r, b in self.reasons.items() if b is checked), "")
        if chosen == OTHER:
            typed = self.other.text().strip()
            return f"{OTHER}：{typed}" if typed else ""
        return chosen

    def _reason_toggled(self, _id: int, _checked: bool) -> None:
        other = self.reasons[OTHER].isChecked()
        self.other.setEnabled(other)
        if other:
            self.other.setFocus()

    def _request(self) -> None:
        if not self.isVisible() or not self.issue_button.isEnabled():
            return
        code = self.category.currentData()
        if not code:
            self.hint.setText(self.tr("没有可以取号的业务类别"))
            return
        reason = self.reason()
        if not reason:
            self.hint.setText(self.tr("选“其他”时请填写原因"))
            self.other.setFocus()
            return
        self.hint.setText(self.tr("正在取号…"))
        self.issue_button.setEnabled(False)
        self.requested.emit(str(code), reason)

    def show_ticket(self, ticket: TicketInfo) -> None:
        self.ticket = ticket
        self.number.setText(ticket.display)
        self.detail.setText(f"{ticket.category_name} · {ticket.note}")
        self.print_note.setText("")
        self.hint.setText("")
        self.issue_button.setEnabled(True)
        self.pages.setCurrentWidget(self.result_page)
        self.done_button.setDefault(True)
        self.done_button.setFocus()

    def show_failure(self, text: str) -> None:
        self.hint.setText(text)
        self.issue_button.setEnabled(True)

    def show_print(self, text: str, *, ok: bool | None) -> None:
        """``ok`` None: still printing, or nothing to print on."""
        color = {True: "#2e7d32", False: "#b00020", None: "#44546a"}[ok]
        self.print_note.setStyleSheet(f"color: {color};")
        self.print_note.setText(text)

    def _again(self) -> None:
        self.other.clear()
        self.reasons[GREEN_REASONS[0]].setChecked(True)
        self.pages.setCurrentWidget(self.form_page)
        self.issue_button.setDefault(True)
        self.category.setFocus()
