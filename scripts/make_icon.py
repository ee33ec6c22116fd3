"""Draws resources/icons/yichuang.png (256×256) and .ico: the program's icon, the
characters 一窗通 in the bundled font on the hall's blue. Run once when it changes:
QT_QPA_PLATFORM=offscreen python scripts/make_icon.py"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QRectF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QImage, QPainter  # noqa: E402

from app.core.paths import CJK_FONT_FILE, resource  # noqa: E402


def main() -> None:
    app = QGuiApplication(sys.argv[:1])  # noqa: F841
    family = QFontDatabase.applicationFontFamilies(
        QFontDatabase.addApplicationFont(str(resource(CJK_FONT_FILE)))
    )[0]
    out = resource("icons")
    out.mkdir(exist_ok=True)
    for size in (256, 48):
        img = QImage(size, size, QImage.Format.Format_ARGB32)
        img.fill(Qt.GlobalColor.transparent)
        p = QPainter(img)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setBrush(QColor("#1f4e79"))
        p.setPen(Qt.PenStyle.NoPen)
        r = size * 0.06
        p.drawRoundedRect(QRectF(r, r, size - 2 * r, size - 2 * r), size * 0.16, size * 0.16)
        p.setPen(QColor("white"))
        font = QFont(family)
        font.setPixelSize(int(size * 0.30))
        font.setBold(True)
        p.setFont(font)
        p.drawText(QRectF(0, size * 0.14, size, size * 0.42), Qt.AlignmentFlag.AlignCenter, "一窗")
        p.drawText(QRectF(0, size * 0.48, size, size * 0.40), Qt.AlignmentFlag.AlignCenter, "通")
        p.end()
        img.save(str(out / ("yichuang.png" if size == 256 else f"yichuang-{size}.png")))
    QImage(str(out / "yichuang.png")).save(str(out / "yichuang.ico"))


if __name__ == "__main__":
    main()
