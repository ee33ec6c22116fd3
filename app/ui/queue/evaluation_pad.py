"""好差评 on a touch screen (the kiosk's 服务评价 page): the applicant types the number
of their ticket and taps one of the five levels (国办发〔2019〕51号); the latest service
of that ticket is rated (一次一评). A self-contained widget over QueueService: the
write runs on the runner, the answer is shown in words."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.queue_policy import Evaluation
from app.services.queue import QueueService
from app.ui.tasks import TaskRunner

_COLOURS = {5: "#1b6b2a", 4: "#2e7d32", 3: "#5f6b7a", 2: "#b36200", 1: "#b3261e"}


class EvaluationPad(QWidget):
    rated = Signal(str, int)  # ticket display number, level

    def __init__(
        self, service: QueueService, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("evaluationPad")
        self._service = service
        self._runner = runner
        big = QFont()
        big.setPixelSize(30)
        title = QLabel(self.tr("请输入您的号码，然后为本次服务评价"), self)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title.setFont(big)
        self.number = QLineEdit(self)
        self.number.setObjectName("evaluationNumber")
        self.number.setPlaceholderText(self.tr("号码，如 A015"))
        self.number.setFont(big)
        self.number.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.number.setMaxLength(8)
        self.comment = QLineEdit(self)
        self.comment.setObjectName("evaluationComment")
        self.comment.setPlaceholderText(self.tr("意见或建议（可不填）"))
        self.comment.setMaxLength(200)
        middle = QFont()
        middle.setPixelSize(22)
        self.comment.setFont(middle)
        self.levels: dict[int, QPushButton] = {}
        row = QGridLayout()
        for i, level in enumerate(Evaluation):
            button = QPushButton(self.tr(level.label), self)
            button.setObjectName(f"level{int(level)}")
            button.setMinimumHeight(110)
            button.setFont(big)
            button.setStyleSheet(
                f"QPushButton {{ color: white; background: {_COLOURS[int(level)]};"
                " border-radius: 10px; }"
            )
            button.clicked.connect(lambda _=False, v=int(level): self.rate(v))
            self.levels[int(level)] = button
            row.addWidget(button, 0, i)
        self.answer = QLabel(self)
        self.answer.setObjectName("evaluationAnswer")
        self.answer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.answer.setWordWrap(True)
        self.answer.setFont(big)
        entry = QHBoxLayout()
        entry.addStretch(1)
        entry.addWidget(self.number, 2)
        entry.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(entry)
        layout.addWidget(self.comment)
        layout.addLayout(row)
        layout.addWidget(self.answer)
        layout.addStretch(1)

    def rate(self, level: int) -> None:
        typed, comment = self.number.text().strip(), self.comment.text().strip()
        if not typed:
            self._say(self.tr("请先输入您的号码"), error=True)
            self.number.setFocus()
            return
        for button in self.levels.values():
            button.setEnabled(False)
        service = self._service
        self._runner.submit(
            lambda: service.evaluate_number(typed, level, comment=comment),
            lambda display: self._done(str(display), level),
            self._refused,
        )

    def _done(self, display: str, level: int) -> None:
        self._enable()
        self.number.clear()
        self.comment.clear()
        text = self.tr("感谢您对%1号的评价！").replace("%1", display)
        if level <= int(Evaluation.DISSATISFIED):
            text += self.tr("我们会在规定时间内回访核实并整改。")
        self._say(text)
        self.rated.emit(display, level)

    def _refused(self, exc: BaseException) -> None:
        self._enable()
        self._say(str(exc), error=True)

    def _enable(self) -> None:
        for button in self.levels.values():
            button.setEnabled(True)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.answer.setStyleSheet(f"color: {'#b00020' if error else '#1b6b2a'};")
        self.answer.setText(text)

    def clear(self) -> None:
        self.number.clear()
        self.comment.clear()
        self.answer.clear()
