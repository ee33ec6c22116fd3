"""`yichuang selftest`: does this installation work? One line per check, exit status 1
on any failure. Runs the same from a checkout and from the PyInstaller bundle, with no
screen (Qt's offscreen platform), touching nothing of the user's: the database check
migrates a new file in a temporary folder.

Checks: the bundled font loads (Qt and reportlab); a PDF renders with the font
embedded (read back from the bytes); QtPdf renders that PDF (A4 printing on Windows
goes through it) and which printers Qt sees; the local database migrates to the newest
revision; Qt's zh_CN translations load; ICU sorts names by pinyin and knows GB18030; the serial layer opens a pty and bytes pass
through it; the keyring backend answers (or which one it is, or that there is none);
the working-day calendar covers this year by the program's clock; the Ext-B font the
bundle ships packed unpacks and draws 𠮷 on screen and in a PDF; QtMultimedia's FFmpeg
plugin (the document camera) loads.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


class CheckFailed(Exception):
    pass


def _qt_app() -> object:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication(["yichuang-selftest"])


def check_fonts() -> str:
    from PySide6.QtGui import QFontDatabase

    from app.core.paths import CJK_FONT_FILE, resource

    _qt_app()
    path = resource(CJK_FONT_FILE)
    if not path.is_file():
        raise CheckFailed(f"字体文件不存在：{path}")
    font_id = QFontDatabase.addApplicationFont(str(path))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        raise CheckFailed(f"Qt 无法加载字体 {path.name}")
    from printing.fonts import cjk_font

    font = cjk_font()
    glyphs = len(font.face.charToGlyph)
    if glyphs < 20000:
        raise CheckFailed(f"reportlab 读到的字体只有 {glyphs} 个字")
    return f"Qt：{families[0]}；reportlab：{font.fontName}，{glyphs} 个字"


def _pdf_streams(pdf: bytes) -> list[bytes]:
    """Every stream of the PDF, inflated (a zlib stream ends itself: no need for /Length)."""
    out = []
    for m in re.finditer(rb">>\s*stream\r?\n", pdf):
        data = pdf[m.end() :]
        try:
            out.append(zlib.decompressobj().decompress(data))
        except zlib.error:
            continue
    return out


def check_pdf() -> str:
    from printing import documents as docs
    from printing import samples
    from printing.settings import HallSettings

    result = docs.render_receipt(samples.sample_case(), HallSettings.default())
    pdf = result.pdf
    if not pdf.startswith(b"%PDF-"):
        raise CheckFailed("生成的文件不是 PDF")
    if b"/FontFile2" not in pdf:
        raise CheckFailed("PDF 中没有嵌入字体（/FontFile2）")
    base = re.findall(rb"/BaseFont\s*/([A-Z]{6}\+[\w-]+)", pdf)
    if not base:
        raise CheckFailed("PDF 中没有嵌入的字体子集")
    # the text shown: the receipt's title through the embedded font's ToUnicode map
    cmaps = [s for s in _pdf_streams(pdf) if b"beginbfchar" in s or b"beginbfrange" in s]
    if not cmaps:
        raise CheckFailed("PDF 字体没有 ToUnicode 映射，文字无法读回")
    chars = set()
    for cmap in cmaps:
        for hexcode in re.findall(rb"<[0-9A-Fa-f]+>\s*<([0-9A-Fa-f]{4})>", cmap):
            chars.add(chr(int(hexcode, 16)))
    if not {"受", "理"} <= chars:
        raise CheckFailed("PDF 读回的文字中没有“受理”")
    if result.missing:
        raise CheckFailed(f"字体缺字：{result.missing}")
    return f"{result.pages}页，{len(pdf) // 1024} KB，嵌入 {base[0].decode()}，读回 {len(chars)} 个字符"


def check_qt_printing() -> str:
    """A4 printing through Qt (the Windows path): QtPdf renders the receipt's page."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize
    from PySide6.QtPdf import QPdfDocument

    from printing import documents as docs
    from printing import samples
    from printing.qt_dispatch import qt_printer_names
    from printing.settings import HallSettings

    _qt_app()
    pdf = docs.render_receipt(samples.sample_case(), HallSettings.default()).pdf
    buffer = QBuffer()
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    document.load(buffer)
    if document.status() != QPdfDocument.Status.Ready:
        raise CheckFailed(f"QtPdf 无法读取生成的 PDF（{document.error()}）")
    image = document.render(0, QSize(210, 297))
    inked = sum(
        1
        for y in range(0, image.height(), 3)
        for x in range(0, image.width(), 3)
        if image.pixelColor(x, y).alpha() > 0 and image.pixelColor(x, y).lightness() < 128
    )
    if inked < 50:
        raise CheckFailed("QtPdf 渲染的受理通知书页面是空白的")
    printers = qt_printer_names()
    listed = "、".join(printers[:3]) + ("等" if len(printers) > 3 else "") if printers else "无"
    return f"QtPdf 渲染第1页（{inked} 个着墨点），本机打印机：{listed}"


def check_database() -> str:
    from db import cipher
    from db.location import head_by_reading_scripts
    from db.store import current_revision, open_store

    # encrypted like the real store (SQLCipher loads and works), with a throwaway key
    with tempfile.TemporaryDirectory(prefix="yichuang-selftest-") as tmp, cipher.ephemeral_key():
        path = Path(tmp) / "selftest.sqlite3"
        store = open_store(f"sqlite:///{path}")
        try:
            rev = current_revision(store.engine)
        finally:
            store.close()
        if cipher.is_plain(path):
            raise CheckFailed("临时数据库没有加密（SQLCipher 未生效）")
    head = head_by_reading_scripts()
    if rev is None or rev != head:
        raise CheckFailed(f"迁移后版本为 {rev}，应为 {head}")
    return f"临时数据库迁移到 {rev}"


def check_translations() -> str:
    from PySide6.QtCore import QCoreApplication, QLibraryInfo, QTranslator

    _qt_app()
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translator = QTranslator()
    if not translator.load("qtbase_zh_CN", folder):
        raise CheckFailed(f"{folder} 中没有 qtbase_zh_CN.qm")
    QCoreApplication.installTranslator(translator)
    try:
        text = QCoreApplication.translate("QPlatformTheme", "Cancel")
    finally:
        QCoreApplication.removeTranslator(translator)
    if text != "取消":
        raise CheckFailed(f"“Cancel”译为“{text}”，应为“取消”")
    return f"qtbase_zh_CN：Cancel → {text}"


def check_icu() -> str:
    """ICU, which Qt asks for collation, text boundaries and codecs (the bundle carries a
    trimmed copy of its data: packaging/trim_icu.py)."""
    from PySide6.QtCore import QCollator, QLocale, QStringDecoder, QTextBoundaryFinder

    _qt_app()
    names = ["张三", "阿杰", "王五", "陈七", "李四"]
    ordered = sorted(names, key=QCollator(QLocale("zh_CN")).sortKey)
    if ordered != ["阿杰", "陈七", "李四", "王五", "张三"]:
        raise CheckFailed(f"中文姓名排序不是拼音顺序：{'、'.join(ordered)}")
    finder = QTextBoundaryFinder(QTextBoundaryFinder.BoundaryType.Word, "办理营业执照")
    if finder.toNextBoundary() < 1:
        raise CheckFailed("ICU 无法切分中文文本")
    if not QStringDecoder("GB18030").isValid():
        raise CheckFailed("ICU 中没有 GB18030 编码")
    return f"拼音排序 {'、'.join(ordered)}；GB18030 可用"


def check_serial() -> str:
    from devices.settings import PortSettings
    from devices.simulate import pty_available
    from devices.transport import open_port

    if not pty_available():
        import serial  # the serial layer loads; COM ports are named in settings

        return f"本系统没有 pty（{sys.platform}），串口库 pyserial {serial.__version__} 已加载"
    import tty

    master, slave = os.openpty()
    try:
        tty.setraw(slave)
        name = os.ttyname(slave)
        port = open_port(PortSettings(name, pace=False))
        try:
            probe = bytes(range(256))
            port.write(probe)
            got = b""
            deadline = time.monotonic() + 5
            while len(got) < len(probe) and time.monotonic() < deadline:
                got += os.read(master, 4096)
            if got != probe:
                raise CheckFailed(f"经 {name} 写出 {len(probe)} 字节，读到 {len(got)} 字节不一致")
            os.write(master, b"\x02OK\x03")
            back = b""
            while len(back) < 4 and time.monotonic() < deadline:
                back += port.read(4 - len(back))
            if back != b"\x02OK\x03":
                raise CheckFailed(f"经 {name} 读回 {back!r}")
        finally:
            port.close()
    finally:
        os.close(master)
        os.close(slave)
    return f"pty {name}：256 字节写出、4 字节读回"


def check_keyring() -> str:
    if sys.platform.startswith("linux"):
        import keyring.backends.SecretService  # noqa: F401  (must be in the bundle)
    from app.services.credentials import secure_backend

    backend = secure_backend()
    if backend is None:
        return "本机没有系统钥匙串（无人值守同步使用密码文件，见 yichuang sync set-up）"
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    try:
        backend.get_password("yichuang-selftest", "probe")
    except Exception as exc:
        raise CheckFailed(f"{name} 不应答：{exc}") from exc
    return f"{name} 应答"


def check_calendar() -> str:
    from app.commands.domain import program_calendar
    from app.core.clock import clock_from_env
    from app.core.paths import resource

    shipped = sorted(p.name for p in resource("calendar").glob("*.json"))
    if not shipped:  # the counter would count every year on estimates: a broken install
        raise CheckFailed(f"没有随程序发布的日历文件（{resource('calendar')}）")
    today = clock_from_env().today()
    calendar = program_calendar(None, tempfile.gettempdir() + "/yichuang-selftest-none")
    year = calendar.year(today.year)
    due = calendar.due(today, 5)
    if due.date <= today:
        raise CheckFailed(f"{today} 起5个工作日算得 {due.date}")
    kind = "正式" if calendar.is_official(today.year) else "估算（尚无官方安排）"
    return (
        f"{today.year}年：{kind}，{year.source}；{today} 起5个工作日到 {due.date}"
        f"（随程序发布：{'、'.join(shipped)}）"
    )


def check_camera() -> str:
    """QtMultimedia (PySide6-Addons) and its FFmpeg plugin load: the document camera's
    preview works where one is plugged in (none is needed for the check)."""
    _qt_app()
    from PySide6.QtCore import QLoggingCategory

    from app.ui.capture import MULTIMEDIA_QUIET

    QLoggingCategory.setFilterRules(MULTIMEDIA_QUIET)
    try:
        from PySide6.QtMultimedia import QMediaDevices
    except ImportError as exc:
        raise CheckFailed(f"缺少 QtMultimedia（PySide6-Addons）：{exc}") from exc
    from PySide6.QtMultimedia import QMediaFormat

    # Without its FFmpeg plugin QtMultimedia still lists cameras but shows and takes
    # nothing; the plugin is what decodes: no decodable format, no plugin (a bundle
    # whose stripped FFmpeg libraries the loader refused passed this check before).
    formats = QMediaFormat().supportedFileFormats(QMediaFormat.ConversionMode.Decode)
    if not formats:
        raise CheckFailed("QtMultimedia 的 FFmpeg 插件未能加载，高拍仪无法预览和拍照")
    cameras = [d.description() for d in QMediaDevices.videoInputs()]
    return f"FFmpeg 插件已加载（{len(formats)} 种格式）；高拍仪：" + (
        "、".join(cameras) if cameras else "未接入（可从文件导入材料影像）"
    )


RARE = "\U00020bb7"  # 𠮷 (CJK Extension B): names on ID cards have it


def check_rare_font() -> str:
    """The Ext-B fallback font (rare characters in names): the bundle ships it packed
    and unpacks it on first use (app/core/paths.resource_file). Unpacked here into a
    temporary folder unless this installation already has its unpacked copy, then 𠮷
    drawn by Qt and embedded in a PDF by reportlab."""
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QColor, QFont, QFontDatabase, QImage, QPainter, QRawFont

    from app.core.paths import (
        FALLBACK_FONT_FILES,
        packed,
        resource,
        resource_file,
        unpacked_if_ready,
    )

    _qt_app()
    file = FALLBACK_FONT_FILES[-1]
    source = packed(file)
    with tempfile.TemporaryDirectory(prefix="yichuang-selftest-") as tmp:
        started = time.perf_counter()
        cached = unpacked_if_ready(file) if source is not None else None
        path = resource_file(file, None if cached else Path(tmp))
        took = time.perf_counter() - started
        if path is None:
            raise CheckFailed(f"生僻字字体不存在：{resource(file)}（或其 .xz 压缩包）")
        font_id = QFontDatabase.addApplicationFont(str(path))
        try:
            families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
            if not families or not QRawFont(str(path), 24).supportsCharacter(ord(RARE)):
                raise CheckFailed(f"Qt 无法用 {path.name} 显示“{RARE}”")
            image = QImage(48, 48, QImage.Format.Format_RGB32)
            image.fill(QColor("white"))
            painter = QPainter(image)
            painter.setFont(QFont(families[0], 24))
            painter.setPen(QColor("black"))
            painter.drawText(QPoint(4, 38), RARE)
            painter.end()
            inked = sum(
                1 for y in range(48) for x in range(48) if image.pixelColor(x, y).lightness() < 128
            )
            if inked < 30:
                raise CheckFailed(f"Qt 画出的“{RARE}”是空白（{inked} 个着墨点）")
            pdf = _rare_pdf(path)
        finally:
            QFontDatabase.removeApplicationFont(font_id)
    how = (
        "随程序发布为明文"
        if source is None
        else ("已解压在缓存中" if cached else f"从 {source.name} 解压 {took:.2f} 秒")
    )
    return f"{how}；Qt 显示“{RARE}”（{inked} 个着墨点），PDF 嵌入 {pdf}"


def _rare_pdf(path: Path) -> str:
    """A PDF with 𠮷 in the Ext-B font, read back: the embedded subset's name."""
    import io

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas

    import printing.fonts  # noqa: F401  (its ToUnicode map writes 𠮷 as UTF-16)

    name = "YCSelftestExtB"
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, str(path)))
    out = io.BytesIO()
    canvas = Canvas(out)
    canvas.setFont(name, 24)
    canvas.drawString(72, 720, RARE)
    canvas.save()
    pdf: bytes = out.getvalue()
    base: list[bytes] = re.findall(rb"/BaseFont\s*/([A-Z]{6}\+[\w-]+)", pdf)
    if b"/FontFile2" not in pdf or not base:
        raise CheckFailed("PDF 中没有嵌入生僻字字体")
    if not any(b"<D842DFB7>" in s.upper() for s in _pdf_streams(pdf)):
        raise CheckFailed(f"PDF 读回的文字中没有“{RARE}”")
    return base[0].decode()


CHECKS: tuple[tuple[str, Callable[[], str]], ...] = (
    ("字体 fonts", check_fonts),
    ("生僻字 rare-font", check_rare_font),
    ("PDF pdf", check_pdf),
    ("Qt打印 qt-printing", check_qt_printing),
    ("数据库 database", check_database),
    ("Qt中文 translations", check_translations),
    ("中文排序 icu", check_icu),
    ("串口 serial", check_serial),
    ("钥匙串 keyring", check_keyring),
    ("日历 calendar", check_calendar),
    ("高拍仪 camera", check_camera),
)


def run(out: Callable[[str], None] = print) -> int:
    failed = 0
    frozen = "bundle" if getattr(sys, "frozen", False) else "source"
    out(f"yichuang selftest ({frozen}, Python {sys.version.split()[0]}, {sys.platform})")
    for name, fn in CHECKS:
        try:
            detail = fn()
            ok = True
        except Exception as exc:  # every failure is a line, never a traceback
            detail = (
                f"{type(exc).__name__}: {exc}" if not isinstance(exc, CheckFailed) else str(exc)
            )
            ok = False
        failed += not ok
        out(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")
    out("selftest: " + ("all passed" if not failed else f"{failed} failed"))
    return 1 if failed else 0
