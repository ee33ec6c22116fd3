"""Situation questions and the applicant form of an intake.

Fields validate inline with the foundation's checks, and accept fast keyboard input:
a barcode scanner or ID-card reader types into the focused field like a keyboard.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.core.intake import Applicant, ApplicantKind, IdType, applicant_problems
from app.core.items import Item

ERROR_STYLE = "QLineEdit { border: 1px solid #d32f2f; background: #fff5f5; }"


class SituationForm(QGroupBox):
    """One combo box per situation question; Up/Down change the answer."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("情形"))
        self._layout = QFormLayout(self)
        # at a large font a long question puts its answer on the next line, uncut
        self._layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self._combos: dict[str, QComboBox] = {}
        self._empty = QLabel(self.tr("本事项无需选择情形"), self)
        self._layout.addRow(self._empty)

    def set_item(self, item: Item | None, answers: Mapping[str, str] | None = None) -> None:
        while self._layout.rowCount():
            self._layout.removeRow(0)
        self._combos = {}
        if item is None or not item.questions:
            self._empty = QLabel(self.tr("本事项无需选择情形") if item else "", self)
            self._layout.addRow(self._empty)
            return
        given = dict(answers or item.default_answers())
        for q in item.questions:
            combo = QComboBox(self)
            combo.setObjectName(f"situation_{q.code}")
            combo.addItems(list(q.options))
            # the answer is never cut, also after switching to the large font
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            if given.get(q.code) in q.options:
                combo.setCurrentText(given[q.code])
            combo.currentIndexChanged.connect(self.changed)
            self._combos[q.code] = combo
            self._layout.addRow(q.text, combo)
            if self.isVisible():
                combo.show()  # now, not on the layout's queued show: focus may go here next

    def answers(self) -> dict[str, str]:
        return {code: combo.currentText() for code, combo in self._combos.items()}

    def first_field(self) -> QWidget | None:
        return next(iter(self._combos.values()), None)


class ApplicantForm(QGroupBox):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("申请人"))
        self.kind = QComboBox(self)
        self.kind.setObjectName("applicantKind")
        self.kind.addItems([k.value for k in ApplicantKind])
        self.name = self._line("applicantName", 60)
        self.id_type = QComboBox(self)
        self.id_type.setObjectName("applicantIdType")
        self.id_type.addItems([t.value for t in IdType])
        self.id_no = self._line("applicantIdNo", 32)
        self.legal_rep = self._line("applicantLegalRep", 30)
        self.phone = self._line("applicantPhone", 20)
        self.address = self._line("applicantAddress", 120)
        self.has_agent = QCheckBox(self.tr("委托代办"), self)
        self.has_agent.setObjectName("applicantHasAgent")
        self.agent_name = self._line("agentName", 30)
        self.agent_id_no = self._line("agentIdNo", 32)
        self.agent_phone = self._line("agentPhone", 20)
        self.errors = QLabel(self)
        self.errors.setObjectName("applicantErrors")
        self.errors.setWordWrap(True)
        self.errors.setStyleSheet("color: #b00020")

        self.name_label = QLabel(self.tr("姓名"), self)
        self.id_label = QLabel(self.tr("证件号码"), self)
        self.rep_label = QLabel(self.tr("法定代表人"), self)
        self.id_type_label = QLabel(self.tr("证件类型"), self)
        form = QFormLayout()
        form.addRow(self.tr("类型"), self.kind)
        form.addRow(self.name_label, self.name)
        form.addRow(self.id_type_label, self.id_type)
        form.addRow(self.id_label, self.id_no)
        form.addRow(self.rep_label, self.legal_rep)
        form.addRow(self.tr("联系电话"), self.phone)
        form.addRow(self.tr("地址"), self.address)
        agent = QHBoxLayout()
        agent.addWidget(self.agent_name, 2)
        agent.addWidget(self.agent_id_no, 3)
        agent.addWidget(self.agent_phone, 2)
        # short placeholders: the row is already labelled 委托代办, and a narrow field
        # (large font) cut "代办人身份证号码" to "代办人…"; the full name is the tooltip
        for edit, short, full in (
            (self.agent_name, self.tr("姓名"), self.tr("代办人姓名")),
            (self.agent_id_no, self.tr("身份证号码"), self.tr("代办人身份证号码")),
            (self.agent_phone, self.tr("电话"), self.tr("代办人电话")),
        ):
            edit.setPlaceholderText(short)
            edit.setToolTip(full)
        form.addRow(self.has_agent, agent)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.errors)

        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.has_agent.toggled.connect(self._agent_toggled)
        for w in (self.name, self.id_no, self.legal_rep, self.phone, self.address,
                  self.agent_name, self.agent_id_no, self.agent_phone):  # fmt: skip
            w.textChanged.connect(self._edited)
        self.id_type.currentIndexChanged.connect(self._edited)
        self._kind_changed()
        self._agent_toggled(False)
        self._shown_problems: dict[str, str] = {}

    def _line(self, name: str, length: int) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setObjectName(name)
        edit.setMaxLength(length)
        return edit

    def _kind_changed(self) -> None:
        org = self.kind.currentText() == ApplicantKind.ORGANISATION.value
        self.name_label.setText(self.tr("单位名称") if org else self.tr("姓名"))
        self.id_label.setText(self.tr("统一社会信用代码") if org else self.tr("证件号码"))
        self.legal_rep.setVisible(org)
        self.rep_label.setVisible(org)
        self.id_type.setVisible(not org)
        self.id_type_label.setVisible(not org)
        self._edited()

    def _agent_toggled(self, on: bool) -> None:
        for w in (self.agent_name, self.agent_id_no, self.agent_phone):
            w.setEnabled(on)
        self._edited()

    def applicant(self) -> Applicant:
        org = self.kind.currentText() == ApplicantKind.ORGANISATION.value
        agent = self.has_agent.isChecked()
        return Applicant(
            kind=ApplicantKind(self.kind.currentText()),
            name=self.name.text().strip(),
            id_type="统一社会信用代码" if org else self.id_type.currentText(),
            id_no=self.id_no.text().strip().upper(),
            phone=self.phone.text().strip(),
            address=self.address.text().strip(),
            legal_rep=self.legal_rep.text().strip() if org else "",
            agent_name=self.agent_name.text().strip() if agent else "",
            agent_id_no=self.agent_id_no.text().strip().upper() if agent else "",
            agent_phone=self.agent_phone.text().strip() if agent else "",
        )

    def set_applicant(self, a: Applicant) -> None:
        self.kind.setCurrentText(a.kind.value)
        self.name.setText(a.name)
        if a.kind is ApplicantKind.PERSON:
            self.id_type.setCurrentText(a.id_type)
        self.id_no.setText(a.id_no)
        self.legal_rep.setText(a.legal_rep)
        self.phone.setText(a.phone)
        self.address.setText(a.address)
        self.has_agent.setChecked(a.has_agent)
        self.agent_name.setText(a.agent_name)
        self.agent_id_no.setText(a.agent_id_no)
        self.agent_phone.setText(a.agent_phone)

    def clear(self) -> None:
        self.set_applicant(Applicant())

    def problems(self) -> dict[str, str]:
        return applicant_problems(self.applicant())

    def _edited(self) -> None:
        self.show_problems(final=False)
        self.changed.emit()

    def show_problems(self, final: bool = True) -> dict[str, str]:
        """Mark the fields with problems. While typing (final=False) a field that is
        still empty or being typed is not nagged about; on save, everything is shown."""
        problems = self.problems()
        fields = self._checked_fields()
        shown: dict[str, str] = {}
        for key, message in problems.items():
            edit = fields.get(key)
            if edit is None:
                continue
            text = edit.text().strip()
            typing = not final and (not text or (key.endswith("id_no") and len(text) < 18))
            if not typing:
                shown[key] = message
        for key, edit in fields.items():
            edit.setStyleSheet(ERROR_STYLE if key in shown else "")
        self.errors.setText("\n".join(shown.values()))
        self._shown_problems = shown
        return problems

    def _checked_fields(self) -> dict[str, QLineEdit]:
        """The fields a problem can be about, in the order of the form."""
        return {
            "name": self.name, "id_no": self.id_no, "legal_rep": self.legal_rep,
            "phone": self.phone, "agent_name": self.agent_name, "agent_id_no": self.agent_id_no,
            "agent_phone": self.agent_phone,
        }  # fmt: skip

    def field_at_fault(self, problems: Mapping[str, str]) -> QWidget:
        """The first field of the form that a problem is about (to put the cursor there)."""
        for key, edit in self._checked_fields().items():
            if key in problems:
                return edit
        return self.first_field()

    def first_field(self) -> QWidget:
        return self.kind
