"""A small chart drawn with QPainter (PySide6-Essentials has no QtCharts): bars for a
count on the left axis and, over them, lines for rates (0–100 %) on the right axis.
Labels use the application font (the bundled CJK font, app/ui/fonts.py).

Plain data in (``ChartData``), nothing read here; the figures desk fills it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

BAR_COLOUR = QColor("#5b8ff9")
LINE_COLOURS = (QColor("#e8684a"), QColor("#2f9e44"), QColor("#9254de"))
GRID = QColor("#e6e6e6")
AXIS = QColor("#666666")


@dataclass(frozen=True, slots=True)
class Line:
    name: str
    values: tuple[float | None, ...]  # 0..1, None where there is nothing to rate


@dataclass(frozen=True, slots=True)
class ChartData:
    title: str
    labels: tuple[str, ...]
    bar_name: str
    bars: tuple[float, ...]
    lines: tuple[Line, ...] = field(default=())


def nice_top(value: float) -> float:
    """The smallest 1/2/5 × 10^n at or above ``value`` (the left axis's top)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)  # pragma: no cover


class BarLineChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data: ChartData | None = None
        self.placeholder = self.tr("正在统计……")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 200)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def sizeHint(self) -> QSize:
        return QSize(560, 280)

    def set_data(self, data: ChartData | None, placeholder: str = "") -> None:
        self.data = data
        if placeholder:
            self.placeholder = placeholder
        self.setAccessibleName(data.title if data else self.placeholder)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        fm = QFontMetrics(self.font())
        h = fm.height()
        d = self.data
        if d is None or not d.labels:
            p.setPen(AXIS)
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                       self.placeholder if d is None else self.tr("所选期间没有数据"))  # fmt: skip
            return
        title_font = self.font()
        title_font.setBold(True)
        p.setFont(title_font)
        p.setPen(QColor("#222222"))
        p.drawText(QRectF(0, 4, self.width(), h + 4), Qt.AlignmentFlag.AlignHCenter, d.title)
        p.setFont(self.font())
        top_value = nice_top(max(d.bars, default=0.0))
        left = fm.horizontalAdvance(f"{top_value:,.0f}") + 12
        right = fm.horizontalAdvance("100%") + 12 if d.lines else 12
        plot = QRectF(left, h * 2 + 14, self.width() - left - right, self.height() - h * 5 - 18)
        if plot.width() < 40 or plot.height() < 40:
            return
        self._axes(p, fm, plot, top_value, bool(d.lines))
        n = len(d.labels)
        slot = plot.width() / n
        bar_w = max(2.0, slot * 0.6)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(BAR_COLOUR)
        for i, v in enumerate(d.bars):
            bh = plot.height() * (v / top_value)
            p.drawRect(QRectF(plot.left() + slot * i + (slot - bar_w) / 2, plot.bottom() - bh,
                              bar_w, bh))  # fmt: skip
        for k, line in enumerate(d.lines):
            pen = QPen(LINE_COLOURS[k % len(LINE_COLOURS)], 2)
            p.setPen(pen)
            p.setBrush(LINE_COLOURS[k % len(LINE_COLOURS)])
            previous: QPointF | None = None
            for i, v in enumerate(line.values):
                if v is None:
                    previous = None
                    continue
                pt = QPointF(plot.left() + slot * (i + 0.5), plot.bottom() - plot.height() * v)
                if previous is not None:
                    p.drawLine(previous, pt)
                p.drawEllipse(pt, 2.5, 2.5)
                previous = pt
        self._labels(p, fm, plot, d.labels, slot)
        self._legend(p, fm, d)

    def _axes(self, p: QPainter, fm: QFontMetrics, plot: QRectF, top: float, rates: bool) -> None:
        for k in range(5):
            y = plot.bottom() - plot.height() * k / 4
            p.setPen(GRID)
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(AXIS)
            value = top * k / 4
            text = f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"
            p.drawText(QRectF(0, y - fm.height() / 2, plot.left() - 6, fm.height()),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)  # fmt: skip
            if rates:
                p.drawText(QRectF(plot.right() + 6, y - fm.height() / 2, 60, fm.height()),
                           Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                           f"{25 * k}%")  # fmt: skip
        p.setPen(AXIS)
        p.drawLine(plot.bottomLeft(), plot.bottomRight())

    def _labels(
        self, p: QPainter, fm: QFontMetrics, plot: QRectF, labels: tuple[str, ...], slot: float
    ) -> None:
        widest = max(fm.horizontalAdvance(t) for t in labels) + 8
        every = max(1, math.ceil(widest / slot))  # leave labels out rather than overlap
        p.setPen(AXIS)
        for i, text in enumerate(labels):
            if i % every:
                continue
            x = plot.left() + slot * (i + 0.5)
            p.drawText(QRectF(x - widest / 2, plot.bottom() + 4, widest, fm.height()),
                       Qt.AlignmentFlag.AlignHCenter, text)  # fmt: skip

    def _legend(self, p: QPainter, fm: QFontMetrics, d: ChartData) -> None:
        items = [(d.bar_name, BAR_COLOUR, True)] + [
            (line.name, LINE_COLOURS[k % len(LINE_COLOURS)], False)
            for k, line in enumerate(d.lines)
        ]
        total = sum(fm.horizontalAdvance(name) + 34 for name, _c, _b in items)
        x = max(4.0, (self.width() - total) / 2)
        y = self.height() - fm.height() - 4
        for name, colour, bar in items:
            p.setPen(Qt.PenStyle.NoPen if bar else QPen(colour, 2))
            p.setBrush(colour)
            if bar:
                p.drawRect(QRectF(x, y + fm.height() / 4, 14, fm.height() / 2))
            else:
                mid = y + fm.height() / 2
                p.drawLine(QPointF(x, mid), QPointF(x + 14, mid))
            p.setPen(AXIS)
            p.drawText(QRectF(x + 18, y, fm.horizontalAdvance(name) + 4, fm.height()),
                       Qt.AlignmentFlag.AlignLeft, name)  # fmt: skip
            x += fm.horizontalAdvance(name) + 34
