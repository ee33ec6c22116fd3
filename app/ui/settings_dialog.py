"""本大厅设置: the per-hall settings for the hall's managers, in five groups.

Every field is the registry's (app/settings.py): its name, its rule, whether it
applies only after a restart. A wrong value is shown under its field with what is
expected, and nothing is saved until every field is right; the save itself is one
atomic write of settings.json, on the worker. Printers are offered from those the
machine has (CUPS), or typed."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core import settings_rules as rules
from app.services.hall_settings import HallSettingsService, NotAllowed
from app.settings import (
    GROUPS,
    REGISTRY,
    ROLES,
    InvalidSettings,
    Setting,
    parse_text,
    printed_kinds,
)
from app.ui.tasks import TaskRunner

ERROR_STYLE = "color: #b00020;"
NOTE_STYLE = "color: #555555;"

CHOICES: dict[str, Sequence[str]] = {
    "central_sslmode": rules.SSL_MODES,
    "receipt_format": rules.RECEIPT_FORMATS,
    "role": ROLES,
    "devices_role": ("display", "counter"),
    "audit_hash": ("sm3", "sha256"),
}
DEFAULT_PRINTER_LABEL = "其他文书（默认打印机）"


def _tr(text: str) -> str:
    """The registry's Chinese texts, through the translator like every UI text."""
    return QCoreApplication.translate("Setting", text)


class _Field(QWidget):
    """One setting: its editor, and under it what is wrong with it."""

    def __init__(self, setting: Setting, editor: QWidget, parent: QWidget) -> None:
        super().__init__(parent)
        self.setting = setting
        self.editor = editor
        editor.setObjectName(setting.key)
        editor.setToolTip(_tr(setting.label))
        self.error = QLabel("", self)
        self.error.setObjectName(f"{setting.key}Error")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(editor)
        hint = _tr(setting.hint) if setting.hint else ""
        if setting.restart:
            hint = self.tr("【重启后生效】") + hint
        if hint:  # the rest of the label says what is expected
            note = QLabel(hint, self)
            note.setObjectName(f"{setting.key}Hint")
            note.setStyleSheet(NOTE_STYLE)
            note.setWordWrap(True)
            layout.addWidget(note)
        layout.addWidget(self.error)

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def value(self) -> Any:
        """The typed value; raises InvalidSettings when the text is not of the type."""
        raise NotImplementedError


class _TextField(_Field):
    def __init__(self, setting: Setting, parent: QWidget) -> None:
        self.line = QLineEdit(parent)
        super().__init__(setting, self.line, parent)

    def set_value(self, value: Any) -> None:
        self.line.setText(str(value))

    def value(self) -> Any:
        return self.line.text()


class _ChoiceField(_Field):
    def __init__(self, setting: Setting, choices: Sequence[str], parent: QWidget) -> None:
        self.box = QComboBox(parent)
        self.box.addItems(list(choices))
        super().__init__(setting, self.box, parent)

    def set_value(self, value: Any) -> None:
        if self.box.findText(str(value)) < 0:  # a wrong stored value is shown as it is
            self.box.addItem(str(value))
        self.box.setCurrentText(str(value))

    def value(self) -> Any:
        return self.box.currentText()


class _IntField(_Field):
    def __init__(self, setting: Setting, parent: QWidget) -> None:
        # wider than the valid range: a value out of range is explained in words
        self.spin = QSpinBox(parent)
        self.spin.setRange(-1, 999_999)
        self.spin.setMaximumWidth(140)
        super().__init__(setting, self.spin, parent)

    def set_value(self, value: Any) -> None:
        self.spin.setValue(int(value))

    def value(self) -> Any:
        return self.spin.value()


class _BoolField(_Field):
    def __init__(self, setting: Setting, parent: QWidget) -> None:
        self.check = QCheckBox(parent.tr("是"), parent)
        super().__init__(setting, self.check, parent)

    def set_value(self, value: Any) -> None:
        self.check.setChecked(bool(value))

    def value(self) -> Any:
        return self.check.isChecked()


class _JsonField(_Field):
    """A list or mapping as JSON (the devices and the voice), checked like the rest."""

    def __init__(self, setting: Setting, parent: QWidget) -> None:
        self.text = QPlainTextEdit(parent)
        self.text.setTabChangesFocus(True)  # Tab leaves the field, as in a form
        self.text.setMinimumHeight(110)
        self.text.setPlaceholderText(
            parent.tr(
                '未设置。示例：[{"kind": "window_display", "vendor": "pinganlihe", "address": 3,\n'
                '  "port": {"url": "COM3", "baudrate": 9600}}]'
            )
            if setting.type is list
            else parent.tr('未设置。示例：{"engine": "clips", "repeat": 2}')
        )
        super().__init__(setting, self.text, parent)

    def set_value(self, value: Any) -> None:
        if not value:
            self.text.setPlainText("")
        elif isinstance(value, list):  # one device a line
            lines = ",\n ".join(json.dumps(item, ensure_ascii=False) for item in value)
            self.text.setPlainText(f"[{lines}]")
        else:
            self.text.setPlainText(json.dumps(value, ensure_ascii=False, indent=1))

    def value(self) -> Any:
        text = self.text.toPlainText().strip() or ("[]" if self.setting.type is list else "{}")
        return parse_text(self.setting.key, text)


class _PrintersField(_Field):
    """Document kind → printer: one editable list per kind, offering the machine's
    printers; empty means "the default printer" (the row "*")."""

    def __init__(self, setting: Setting, parent: QWidget) -> None:
        table = QWidget(parent)
        grid = QGridLayout(table)
        grid.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QComboBox] = {}
        kinds = [rules.DEFAULT_PRINTER, *printed_kinds()]
        for row, kind in enumerate(kinds):
            box = QComboBox(table)
            box.setObjectName(f"printer:{kind}")
            box.setEditable(True)
            box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            edit = box.lineEdit()
            assert edit is not None
            edit.setPlaceholderText(
                table.tr("未设置（文书只存为 PDF，不送打印机）")
                if kind == rules.DEFAULT_PRINTER
                else table.tr("同默认打印机")
            )
            caption = QLabel(
                table.tr(DEFAULT_PRINTER_LABEL) if kind == rules.DEFAULT_PRINTER else _tr(kind),
                table,
            )
            caption.setBuddy(box)
            grid.addWidget(caption, row, 0)
            grid.addWidget(box, row, 1)
            self.boxes[kind] = box
        grid.setColumnStretch(1, 1)
        self.found = QLabel(table.tr("正在查找本机打印机……"), table)
        self.found.setObjectName("printersFound")
        self.found.setStyleSheet(NOTE_STYLE)
        grid.addWidget(self.found, len(kinds), 0, 1, 2)
        super().__init__(setting, table, parent)
        self.editor.setToolTip("")
        hint = self.findChild(QLabel, f"{setting.key}Hint")
        if hint is not None:  # the registry's “*” is the row 其他文书 here
            hint.setText(self.tr("某类文书留空时，用“其他文书”的打印机。"))

    def offer(self, names: Sequence[str]) -> None:
        for box in self.boxes.values():
            current = box.currentText()
            box.clear()
            box.addItem("")
            box.addItems(list(names))
            box.setCurrentText(current)
        self.found.setText(
            self.tr("本机打印机：%1。也可直接输入打印机名称。").replace("%1", "、".join(names))
            if names
            else self.tr("未找到本机打印机（CUPS 未安装或未运行）：请直接输入打印机名称。")
        )

    def set_value(self, value: Any) -> None:
        mapping = value if isinstance(value, Mapping) else {}
        for kind, box in self.boxes.items():
            box.setCurrentText(str(mapping.get(kind, "")))
        for kind in set(mapping) - set(self.boxes):  # a kind this program does not print
            self.show_error(self.tr("设置中有未知的文书“%1”，保存时将去掉").replace("%1", kind))

    def value(self) -> Any:
        return {
            k: b.currentText().strip() for k, b in self.boxes.items() if b.currentText().strip()
        }


class _DevicesField(_JsonField):
    """The devices as JSON, with what the device layer reads from it under it, line by
    line, as the manager types (a wrong entry is named when saving)."""

    def __init__(self, setting: Setting, parent: QWidget) -> None:
        super().__init__(setting, parent)
        self.reading = QLabel("", self)
        self.reading.setObjectName("devicesReading")
        self.reading.setStyleSheet(NOTE_STYLE)
        self.reading.setWordWrap(True)
        self.reading.setTextFormat(Qt.TextFormat.PlainText)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(1, self.reading)
        self.text.textChanged.connect(self.read)

    def read(self) -> None:
        from devices.errors import SettingsError
        from devices.settings import device_from_mapping

        try:
            items = self.value()
            lines = []
            for n, item in enumerate(items, 1):
                d = device_from_mapping(item)
                where = f"{d.port.url}，{d.port.baudrate} bit/s"
                window = self.tr("，%1号窗口").replace("%1", d.window_no) if d.window_no else ""
                lines.append(f"{n}. {d.display_name}：{d.vendor}，{where}{window}")
        except (InvalidSettings, SettingsError, ValueError, TypeError, AttributeError):
            self.reading.setText(self.tr("（尚未写完整：保存时逐项检查）"))
            return
        self.reading.setText(
            self.tr("读作：\n%1").replace("%1", "\n".join(lines))
            if lines
            else self.tr("未设置设备。")
        )


def _field_for(setting: Setting, parent: QWidget) -> _Field:
    if setting.key == "printers":
        return _PrintersField(setting, parent)
    if setting.key == "devices":
        return _DevicesField(setting, parent)
    if setting.key in CHOICES:
        return _ChoiceField(setting, CHOICES[setting.key], parent)
    if setting.type is bool:
        return _BoolField(setting, parent)
    if setting.type is int:
        return _IntField(setting, parent)
    if setting.type in (list, dict):
        return _JsonField(setting, parent)
    return _TextField(setting, parent)


class SettingsDialog(QDialog):
    """Opened by a manager from 设置 → 本大厅设置; the service refuses anyone else."""

    saved = Signal(list)  # names of changed settings that apply after a restart

    def __init__(
        self, service: HallSettingsService, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle(self.tr("本大厅设置"))
        self.service = service
        self.runner = runner
        self.saving = False
        self.fields: dict[str, _Field] = {}
        self.tab_of: dict[str, int] = {}

        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "安装时由大厅配置文件（hall.json）预置，此处修改后以本机为准。"
                "标有【重启后生效】的项目在重新启动一窗通后生效。"
            ),
            self,
        )
        intro.setWordWrap(True)
        intro.setStyleSheet(NOTE_STYLE)
        layout.addWidget(intro)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("settingsTabs")
        for n, group in enumerate(GROUPS):
            page = QWidget()
            form = QFormLayout(page)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            for s in (s for s in REGISTRY if s.group == group):
                field = _field_for(s, page)
                label = QLabel(_tr(s.name), page)
                label.setObjectName(f"{s.key}Caption")
                label.setBuddy(field.editor)
                form.addRow(label, field)
                self.fields[s.key] = field
                self.tab_of[s.key] = n
            scroll = QScrollArea(self.tabs)
            scroll.setWidgetResizable(True)
            scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes from the tabs to a field
            scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            scroll.setWidget(page)
            self.tabs.addTab(
                scroll, self.tr("%1(&%2)").replace("%1", _tr(group)).replace("%2", str(n + 1))
            )
        layout.addWidget(self.tabs, 1)

        self.problems = QLabel("", self)
        self.problems.setObjectName("problems")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet(ERROR_STYLE)
        layout.addWidget(self.problems)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("保存(&S)"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        for key, field in self.fields.items():
            field.set_value(service.settings.raw(key))
        stored = service.settings.problems()  # a value broken by hand in settings.json
        for key, message in stored.items():
            if key in self.fields:
                self.fields[key].show_error(message)
        if not service.may_edit:
            self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(False)
            self.problems.setText(self.tr("只有大厅管理员（管理员、首席代表）可以修改本大厅设置。"))
        self.resize(820, 640)
        printers = self.fields["printers"]
        assert isinstance(printers, _PrintersField)
        runner.submit(service.printers, printers.offer, lambda _exc: printers.offer([]))

    # ------------------------------------------------------------ saving

    def values(self) -> tuple[dict[str, Any], dict[str, str]]:
        """(typed values of every field, key → message for a field not of its type)."""
        values: dict[str, Any] = {}
        problems: dict[str, str] = {}
        for key, field in self.fields.items():
            try:
                values[key] = field.value()
            except InvalidSettings as exc:
                problems.update(exc.problems)
        return values, problems

    def show_problems(self, problems: Mapping[str, str]) -> None:
        for key, field in self.fields.items():
            field.show_error(problems.get(key, ""))
        wrong = [k for k in self.fields if k in problems]
        if not wrong:
            self.problems.setText("")
            return
        self.problems.setText(
            self.tr("有 %1 项设置有误，未保存：请按红字改正。").replace("%1", str(len(wrong)))
        )
        first = wrong[0]
        self.tabs.setCurrentIndex(self.tab_of[first])
        self.fields[first].editor.setFocus()

    def save(self) -> None:
        if self.saving:
            return
        values, problems = self.values()
        try:
            self.service.changes(values)  # every rule, also beside a field not of its type
        except InvalidSettings as exc:
            problems = {**exc.problems, **problems}
        if problems:
            self.show_problems(problems)
            return
        self.show_problems({})
        self.saving = True
        self.problems.setText(self.tr("正在保存……"))
        self.runner.submit(lambda: self.service.save(values), self._saved, self._failed)

    def _saved(self, restart: list[str]) -> None:
        self.saving = False
        self.problems.setText("")
        self.saved.emit(restart)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.saving = False
        if isinstance(exc, InvalidSettings):
            self.show_problems(exc.problems)
        elif isinstance(exc, NotAllowed):
            self.problems.setText(str(exc))
        elif isinstance(exc, OSError):
            self.problems.setText(
                self.tr("设置未保存：%1。请检查数据目录所在磁盘是否已满或只读。").replace(
                    "%1", str(exc)
                )
            )
        else:
            raise exc
