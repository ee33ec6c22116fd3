"""Reason dialogs of the queue: every skip, transfer, pause and reactivation is logged
with why, so each asks for it (with the usual reasons one key away)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)


class ReasonDialog(QDialog):
    """A reason from a list of usual ones, or typed; optionally "keep the place"."""

    def __init__(
        self,
        title: str,
        prompt: str,
        reasons: Sequence[str],
        parent: QWidget | None = None,
        *,
        keep_place: bool | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("reasonDialog")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(prompt, self))
        self.reason = QComboBox(self)
        self.reason.setObjectName("reason")
        self.reason.setEditable(True)
        self.reason.addItems(list(reasons))
        layout.addWidget(self.reason)
        self.keep: QCheckBox | None = None
        if keep_place is not None:
            self.keep = QCheckBox(self.tr("保留原排队位置（不选则排到队尾）"), self)
            self.keep.setChecked(keep_place)
            layout.addWidget(self.keep)
        self.hint = _hint_and_buttons(self, layout, self.tr("确定"), self._accept)
        self.reason.setFocus()
        edit = self.reason.lineEdit()
        assert edit is not None
        edit.returnPressed.connect(self._accept)  # Enter confirms, as in every dialog

    def text(self) -> str:
        return self.reason.currentText().strip()

    def keeps_place(self) -> bool | None:
        return self.keep.isChecked() if self.keep is not None else None

    def _accept(self) -> None:
        if not self.isVisible():
            return
        if not self.text():
            self.hint.setText(self.tr("请填写原因"))
            return
        self.accept()


class TransferDialog(QDialog):
    """Where a ticket goes: another category or another window, and why."""

    def __init__(
        self,
        ticket: str,
        categories: Sequence[tuple[str, str]],  # code, name
        windows: Sequence[str],
        keep_place: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("转移 %1").replace("%1", ticket))
        self.setObjectName("transferDialog")
        layout = QVBoxLayout(self)
        self.to_category = QRadioButton(self.tr("转到业务类别"), self)
        self.to_window = QRadioButton(self.tr("转到窗口"), self)
        group = QButtonGroup(self)
        group.addButton(self.to_category)
        group.addButton(self.to_window)
        self.category = QComboBox(self)
        self.category.setObjectName("toCategory")
        for code, name in categories:
            self.category.addItem(f"{name}（{code}）", code)
        self.window_box = QComboBox(self)
        self.window_box.setObjectName("toWindow")
        for no in windows:
            self.window_box.addItem(self.tr("%1号窗口").replace("%1", no), no)
        form = QFormLayout()
        form.addRow(self.to_category, self.category)
        form.addRow(self.to_window, self.window_box)
        layout.addLayout(form)
        self.reason = QComboBox(self)
        self.reason.setObjectName("reason")
        self.reason.setEditable(True)
        self.reason.addItems(
            [self.tr("需到其他类别办理"), self.tr("需到专门窗口办理"), self.tr("窗口临时调整")]
        )
        layout.addWidget(QLabel(self.tr("转移原因"), self))
        layout.addWidget(self.reason)
        self.keep = QCheckBox(self.tr("保留原排队位置（不选则排到队尾）"), self)
        self.keep.setChecked(keep_place)
        layout.addWidget(self.keep)
        self.hint = _hint_and_buttons(self, layout, self.tr("转移"), self._accept)
        self.to_category.setChecked(True)
        self.to_window.setEnabled(bool(windows))
        self.category.setFocus()
        edit = self.reason.lineEdit()
        assert edit is not None
        edit.returnPressed.connect(self._accept)

    def target(self) -> tuple[str | None, str | None]:
        """(category code, window number): one of them."""
        if self.to_window.isChecked():
            return None, self.window_box.currentData()
        return self.category.currentData(), None

    def text(self) -> str:
        return self.reason.currentText().strip()

    def _accept(self) -> None:
        if not self.isVisible():
            return
        category, window = self.target()
        if not (category or window):
            self.hint.setText(self.tr("请选择转到的业务类别或窗口"))
            return
        if not self.text():
            self.hint.setText(self.tr("请填写转移原因"))
            return
        self.accept()


SKIP_REASONS = ("叫号未到", "申请人放弃办理", "材料不在身边，需重新取号")
PAUSE_REASONS = ("临时离开", "午间休息", "业务咨询", "系统或设备故障", "参加会议")
REACTIVATE_REASONS = ("申请人返回，过号恢复", "误操作过号", "叫号时申请人在其他窗口")


def _hint_and_buttons(
    dialog: QDialog, layout: QVBoxLayout, ok_text: str, on_ok: Callable[[], None]
) -> QLabel:
    """A red line for what is missing, then OK/取消; returns the line."""
    hint = QLabel("", dialog)
    hint.setStyleSheet("color: #b00020;")
    layout.addWidget(hint)
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog
    )
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(dialog.tr("取消"))
    buttons.accepted.connect(on_ok)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    return hint
