"""A card read on the ID-card reader fills the intake's applicant (or agent).

The reader's events arrive on its thread and are moved to the GUI thread through a
queued signal. A read fills name, ID type 居民身份证, ID number and address of the
applicant — of the agent when 委托代办 is checked (or the applicant is an organisation:
the person at the counter is its agent) — and says so in the status bar, with what
the clerk should know (an expired card, a number that fails its check). It never
overwrites a different person silently: a second card while an applicant is filled
asks whether it is the agent's. A card read before the item is chosen waits for it
(choosing an item starts a new, empty applicant).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from app.core.identity import normalise
from app.core.intake import ApplicantKind, IdType
from app.core.privacy import mask_id
from app.services.id_reader import IdCardFailed, IdCardRead, IdReaderService, start_from_settings
from app.ui.intake import IntakePanel


class IdCardFiller(QObject):
    arrived = Signal(object)  # IdCardRead | IdCardFailed, from any thread

    def __init__(self, intake: IntakePanel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.intake = intake
        self.waiting: IdCardRead | None = None  # read before an item was chosen
        self.question: QMessageBox | None = None
        self.arrived.connect(self.take, Qt.ConnectionType.QueuedConnection)
        intake.item_chosen.connect(self._item_chosen)

    # --- from the reader ---------------------------------------------------------------

    def take(self, event: object) -> None:
        if isinstance(event, IdCardFailed):
            self._say(self.tr("身份证阅读器：%1").replace("%1", event.message))
            return
        if not isinstance(event, IdCardRead):
            return
        if self.question is not None:  # one question at a time: the newest card asks
            self.question.done(QMessageBox.StandardButton.Cancel)
        if self.intake.item is None:
            self.waiting = event
            self._say(
                self.tr("已读取身份证：%1，选定事项后自动填入").replace("%1", event.card.name),
                event,
            )
            return
        self._place(event)

    def _item_chosen(self) -> None:
        event, self.waiting = self.waiting, None
        if event is not None:
            self._place(event)

    # --- where the card goes -----------------------------------------------------------

    def _place(self, event: IdCardRead) -> None:
        form = self.intake.applicant
        number = normalise(event.card.id_number)
        applicant_id = normalise(form.id_no.text())
        org = form.kind.currentText() == ApplicantKind.ORGANISATION.value
        if org or form.has_agent.isChecked():
            if number == applicant_id and not org:
                self._say(self.tr("这是申请人本人的身份证，代办人未填写"), event)
                return
            agent_name = form.agent_name.text().strip()
            agent_id = normalise(form.agent_id_no.text())
            if (agent_name or agent_id) and agent_id != number:
                self._ask(
                    self.tr("代办人已填写为 %1。\n换成刚读到的%2吗？"),
                    agent_name,
                    form.agent_id_no.text(),
                    event,
                    [(self.tr("替换代办人"), lambda: self._fill_agent(event))],
                )
                return
            self._fill_agent(event)
            return
        name = form.name.text().strip()
        if (name or applicant_id) and applicant_id != number:
            self._ask(
                self.tr("申请人已填写为 %1。\n刚读到的%2是代办人的身份证吗？"),
                name,
                form.id_no.text(),
                event,
                [
                    (self.tr("填为代办人"), lambda: self._fill_agent(event)),
                    (self.tr("替换申请人"), lambda: self._fill_applicant(event)),
                ],
            )
            return
        self._fill_applicant(event)

    def _fill_applicant(self, event: IdCardRead) -> None:
        form, card = self.intake.applicant, event.card
        form.kind.setCurrentText(ApplicantKind.PERSON.value)
        form.name.setText(card.name)
        form.id_type.setCurrentText(IdType.RESIDENT_ID.value)
        form.id_no.setText(card.id_number)
        form.address.setText(card.address)
        self._say(self.tr("已读取身份证：%1，已填入申请人").replace("%1", card.name), event)

    def _fill_agent(self, event: IdCardRead) -> None:
        form, card = self.intake.applicant, event.card
        form.has_agent.setChecked(True)
        form.agent_name.setText(card.name)
        form.agent_id_no.setText(card.id_number)
        self._say(self.tr("已读取身份证：%1，已填入代办人").replace("%1", card.name), event)

    def _ask(
        self,
        pattern: str,
        name: str,
        id_no: str,
        event: IdCardRead,
        choices: list[tuple[str, Callable[[], None]]],
    ) -> None:
        who = f"{name}（{mask_id(id_no)}）" if id_no.strip() else name
        card = f"{event.card.name}（{mask_id(event.card.id_number)}）"
        box = QMessageBox(self._parent_widget())
        box.setObjectName("idCardQuestion")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("读取身份证"))
        box.setText(pattern.replace("%1", who).replace("%2", card))
        actions: dict[Any, Callable[[], None]] = {}
        for i, (text, action) in enumerate(choices):
            role = (
                QMessageBox.ButtonRole.AcceptRole if i == 0 else QMessageBox.ButtonRole.ActionRole
            )
            button = box.addButton(text, role)
            actions[button] = action
            if i == 0:
                box.setDefaultButton(button)
        box.addButton(QMessageBox.StandardButton.Cancel).setText(self.tr("不填写"))

        def finished() -> None:
            self.question = None
            action = actions.get(box.clickedButton())
            if action is not None:
                action()
            else:
                self._say(self.tr("身份证 %1 未填入").replace("%1", event.card.name))
            box.deleteLater()

        box.finished.connect(finished)
        self.question = box
        box.open()

    def _parent_widget(self) -> QWidget:
        return self.intake.window()

    def _say(self, text: str, event: IdCardRead | None = None) -> None:
        if event is not None and event.problems:
            text += self.tr("。注意：%1").replace("%1", "；".join(event.problems))
        self.intake.message.emit(text)


class IdReaderLink:
    """The reader of the ``devices`` setting, feeding an intake; close() when done."""

    def __init__(self, service: IdReaderService | None, filler: IdCardFiller) -> None:
        self.service = service
        self.filler = filler
        if service is not None:
            service.subscribe(filler.arrived.emit)

    def close(self) -> None:
        if self.service is not None:
            self.service.close()


def start_id_reader(
    intake: IntakePanel, devices: Any, today: Any = None, window: str | None = None
) -> IdReaderLink:
    """Start the reader named in the ``devices`` setting for this window (if any).
    Keyboard-type readers need none: the intake's fields take their typing."""
    service, problem = start_from_settings(devices, today=today, window=window)
    link = IdReaderLink(service, IdCardFiller(intake, intake))
    if problem:
        intake.message.emit(problem)
    return link
