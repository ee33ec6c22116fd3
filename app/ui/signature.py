"""The applicant signs (issue 22 item 3): on screen with the mouse, a pen or a finger,
or on a signature pad. Either way the result is strokes (devices/signature.py), drawn
as a PNG there and kept with the intake; the one-time notice and the promise print it
on the applicant's line.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QPointF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from devices.signature import Point, Signature, SignatureError, render_png


class SignatureWidget(QWidget):
    """A white area that records strokes from the mouse, a tablet pen or touch."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signatureArea")
        self.setMinimumSize(QSize(480, 180))
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents, True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self._strokes: list[list[Point]] = []
        self._drawing = False

    # ------------------------------------------------------------ strokes

    def clear(self) -> None:
        self._strokes = []
        self.update()
        self.changed.emit()

    def add_stroke(self, points: list[Point]) -> None:
        """A whole stroke at once (a pad's, or a test's)."""
        if points:
            self._strokes.append(list(points))
            self.update()
            self.changed.emit()

    def signature(self) -> Signature:
        return Signature(
            tuple(tuple(s) for s in self._strokes), float(self.width()), float(self.height())
        )

    def is_empty(self) -> bool:
        return not self._strokes

    def _begin(self, at: QPointF) -> None:
        self._drawing = True
        self._strokes.append([(at.x(), at.y())])
        self.update()

    def _extend(self, at: QPointF) -> None:
        if self._drawing:
            self._strokes[-1].append((at.x(), at.y()))
            self.update()

    def _end(self) -> None:
        if self._drawing:
            self._drawing = False
            self.changed.emit()

    # ------------------------------------------------------------ input

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin(event.position())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._extend(event.position())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._extend(event.position())
        self._end()

    def tabletEvent(self, event: Any) -> None:
        kind = event.type()
        if kind == QEvent.Type.TabletPress:
            self._begin(event.position())
        elif kind == QEvent.Type.TabletMove:
            self._extend(event.position())
        elif kind == QEvent.Type.TabletRelease:
            self._end()
        event.accept()

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd):
            points = event.points()  # type: ignore[attr-defined]
            if points:
                at = points[0].position()
                if kind == QEvent.Type.TouchBegin:
                    self._begin(at)
                elif kind == QEvent.Type.TouchUpdate:
                    self._extend(at)
                else:
                    self._extend(at)
                    self._end()
            event.accept()
            return True
        return super().event(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("white"))
        painter.setPen(QPen(QColor("#bbb"), 1, Qt.PenStyle.DashLine))
        base = int(self.height() * 0.75)
        painter.drawLine(16, base, self.width() - 16, base)
        if not self._strokes:
            painter.setPen(QColor("#999"))
            painter.drawText(
                self.rect().adjusted(0, 0, 0, -self.height() // 3),
                Qt.AlignmentFlag.AlignCenter,
                self.tr("请申请人在此处签名"),
            )
        pen = QPen(QColor(16, 32, 96), max(2.0, self.width() * 0.006))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        for stroke in self._strokes:
            if len(stroke) == 1:
                painter.drawPoint(QPointF(*stroke[0]))
                continue
            path = QPainterPath(QPointF(*stroke[0]))
            for x, y in stroke[1:]:
                path.lineTo(x, y)
            painter.drawPath(path)
        painter.end()


class SignatureDialog(QDialog):
    """Sign on screen (or take a pad's strokes); ``png`` is set when accepted."""

    def __init__(
        self, title: str, pad: Any = None, parent: QWidget | None = None, runner: Any = None
    ) -> None:
        super().__init__(parent)
        self.runner = runner  # a TaskRunner: a pad blocks until the applicant has signed
        self.setWindowTitle(self.tr("申请人签名"))
        self.setObjectName("signatureDialog")
        self.png: bytes | None = None
        self.pad = pad  # a device with request() -> Signature (e.g. SimulatedSignaturePad)
        self.area = SignatureWidget(self)
        self.problem = QLabel(self)
        self.problem.setStyleSheet("color: #b00020;")
        intro = QLabel(title, self)
        intro.setWordWrap(True)
        buttons = QDialogButtonBox(self)
        self.ok = buttons.addButton(self.tr("确认签名"), QDialogButtonBox.ButtonRole.AcceptRole)
        clear = buttons.addButton(self.tr("重签"), QDialogButtonBox.ButtonRole.ResetRole)
        buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        clear.clicked.connect(self.area.clear)
        self.area.changed.connect(lambda: self.problem.setText(""))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.area, 1)
        if pad is not None:
            from_pad = QPushButton(self.tr("从签名板读取（%1）").replace("%1", pad.name), self)
            from_pad.setObjectName("fromPad")
            from_pad.clicked.connect(self.take_from_pad)
            layout.addWidget(from_pad)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.resize(640, 320)

    def take_from_pad(self) -> None:
        """The pad's strokes, scaled into the area so the clerk sees them before
        confirming. A pad blocks until the applicant has signed: off the GUI thread."""
        pad, title = self.pad, self.windowTitle()
        self.problem.setText(self.tr("请申请人在签名板上签名……"))
        if self.runner is None:
            self.show_signature(pad.request(title))
            return
        self.runner.submit(lambda: pad.request(title), self.show_signature)

    def show_signature(self, signature: Signature) -> None:
        self.problem.setText("")
        self.area.clear()
        sx = self.area.width() / signature.width
        sy = self.area.height() / signature.height
        scale = min(sx, sy)
        for stroke in signature.strokes:
            self.area.add_stroke([(x * scale, y * scale) for x, y in stroke])

    def accept(self) -> None:
        try:
            self.png = render_png(self.area.signature())
        except SignatureError as exc:
            self.problem.setText(str(exc))
            return
        super().accept()
