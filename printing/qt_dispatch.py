"""Print a PDF through Qt: QtPdf renders each page, a QPrinter named after the
configured printer receives it.

This is how A4 documents print on Windows, where no standard command prints a PDF
silently to a named printer (``ShellExecute "printto"`` depends on whichever PDF
reader is installed and opens its window). The same path works on Linux through
CUPS — Qt's print support plugin submits the job — so it is tested here against the
cups-pdf virtual printer.

Qt cannot say what a clerk most needs to hear before printing (out of paper, a
stopped or offline printer): a status source does. On Linux that is
:meth:`printing.dispatch.CupsDispatcher.check` (lpstat); on Windows the spooler
(``GetPrinterW`` level 2, ``PRINTER_STATUS_*`` flags) read through ctypes, with no
extra dependency. QtPdf lives in the PySide6-Addons wheel.

Needs a QGuiApplication (the program's, or one the caller made); painting on a
QPrinter is allowed from a worker thread, so printing never blocks the window.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from printing.outcome import PrintErrorKind, PrintOutcome

StatusCheck = Callable[[str], PrintOutcome]

# PRINTER_STATUS_* flags of the Windows spooler (winspool.h) and what the clerk hears.
# The first match wins; checked before a job is submitted.
WINDOWS_STATUS: tuple[tuple[int, PrintErrorKind, str], ...] = (
    (0x00000010, PrintErrorKind.PAPER_OUT, "请在纸盒中装入A4纸后重新打印"),  # PAPER_OUT
    (0x00000040, PrintErrorKind.PAPER_OUT, "纸张有问题，请检查纸盒后重新打印"),  # PAPER_PROBLEM
    (0x00040000, PrintErrorKind.PRINTER_STOPPED, "墨粉已用完，请更换硒鼓或墨盒"),  # NO_TONER
    (0x00000008, PrintErrorKind.PRINTER_STOPPED, "打印机卡纸，请取出卡纸后重新打印"),  # PAPER_JAM
    (0x00400000, PrintErrorKind.PRINTER_STOPPED, "打印机盖板未关，请关好后重新打印"),  # DOOR_OPEN
    (0x00000080, PrintErrorKind.PRINTER_STOPPED, "打印机处于脱机状态，请检查电源和连线"),  # OFFLINE
    (0x00001000, PrintErrorKind.PRINTER_STOPPED, "打印机未连接，请检查电源和连线"),  # NOT_AVAILABLE
    (
        0x00000001,
        PrintErrorKind.PRINTER_STOPPED,
        "打印机已暂停，请在“设备和打印机”中恢复打印",
    ),  # PAUSED
    (
        0x00100000,
        PrintErrorKind.PRINTER_STOPPED,
        "打印机需要人工处理，请查看打印机面板",
    ),  # USER_INTERVENTION
    (0x00000002, PrintErrorKind.PRINTER_STOPPED, "打印机出错，请查看打印机面板"),  # ERROR
)


def outcome_from_windows_status(printer: str, flags: int) -> PrintOutcome:
    """What the spooler's status flags mean for a print about to be sent."""
    for flag, kind, hint in WINDOWS_STATUS:
        if flags & flag:
            return PrintOutcome.failure(printer, kind, hint, f"PRINTER_STATUS 0x{flags:08x}")
    return PrintOutcome.success(printer, f"打印机“{printer}”就绪")


def windows_spooler_status(printer: str) -> PrintOutcome:  # pragma: no cover - Windows only
    """The spooler's view of a printer (``OpenPrinterW`` + ``GetPrinterW`` level 2)."""
    import ctypes
    from ctypes import wintypes

    winspool = ctypes.WinDLL("winspool.drv")  # type: ignore[attr-defined]
    handle = wintypes.HANDLE()
    if not winspool.OpenPrinterW(printer, ctypes.byref(handle), None):
        return PrintOutcome.failure(
            printer,
            PrintErrorKind.NO_SUCH_PRINTER,
            "请在“设置 → 打印机”中选择本机已安装的打印机",
            f"OpenPrinterW failed ({ctypes.GetLastError()})",  # type: ignore[attr-defined]
        )
    try:
        needed = wintypes.DWORD()
        winspool.GetPrinterW(handle, 2, None, 0, ctypes.byref(needed))
        buffer = ctypes.create_string_buffer(needed.value)
        if not winspool.GetPrinterW(handle, 2, buffer, needed, ctypes.byref(needed)):
            return PrintOutcome.success(printer, f"打印机“{printer}”状态未知")
        # PRINTER_INFO_2W: 13 pointers, then Attributes, Priority, DefaultPriority,
        # StartTime, UntilTime, Status (DWORDs)
        offset = 13 * ctypes.sizeof(ctypes.c_void_p) + 5 * 4
        status = int.from_bytes(buffer.raw[offset : offset + 4], "little")
    finally:
        winspool.ClosePrinter(handle)
    return outcome_from_windows_status(printer, status)


def qt_printer_names() -> list[str]:
    """The printers Qt sees on this machine (Windows: the spooler's; Linux: CUPS's)."""
    from PySide6.QtPrintSupport import QPrinterInfo

    return sorted(QPrinterInfo.availablePrinterNames())


class QtPdfDispatcher:
    """Prints a PDF's pages, rendered by QtPdf, on a named QPrinter."""

    def __init__(self, status: StatusCheck, *, dpi: int = 300) -> None:
        """``status``: where the printer's state comes from before a job is sent — the
        Windows spooler (``windows_spooler_status``) or, on Linux, CUPS
        (``printing.dispatch.CupsDispatcher().check``)."""
        self.status = status
        self.dpi = dpi

    def check(self, printer: str) -> PrintOutcome:
        if not printer:
            return PrintOutcome.failure(
                printer, PrintErrorKind.BAD_INPUT, "请在“设置 → 打印机”中选择打印机"
            )
        missing = _no_gui_application(printer)
        if missing is not None:
            return missing
        if printer not in qt_printer_names():
            return PrintOutcome.failure(
                printer,
                PrintErrorKind.NO_SUCH_PRINTER,
                "请在“设置 → 打印机”中选择本机已安装的打印机",
                f"not among {qt_printer_names()}",
            )
        return self.status(printer)

    def print_pdf(
        self, pdf: bytes | Path, printer: str, *, copies: int = 1, title: str = ""
    ) -> PrintOutcome:
        if copies < 1:
            return PrintOutcome.failure(printer, PrintErrorKind.BAD_INPUT, "份数至少为1")
        state = self.check(printer)
        if not state.ok:
            return state
        from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSize
        from PySide6.QtGui import QPageLayout, QPageSize, QPainter
        from PySide6.QtPdf import QPdfDocument
        from PySide6.QtPrintSupport import QPrinter

        data = pdf.read_bytes() if isinstance(pdf, Path) else pdf
        buffer = QBuffer()
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        document = QPdfDocument()
        document.load(buffer)
        if document.status() != QPdfDocument.Status.Ready or document.pageCount() < 1:
            return PrintOutcome.failure(
                printer,
                PrintErrorKind.BAD_INPUT,
                "文书文件已损坏，请重新生成后再打印",
                f"QPdfDocument error {document.error()}",
            )
        qprinter = QPrinter(QPrinter.PrinterMode.HighResolution)
        qprinter.setPrinterName(printer)
        qprinter.setResolution(self.dpi)
        qprinter.setDocName(title or "一窗通文书")
        qprinter.setCopyCount(copies)
        qprinter.setFullPage(True)
        first = document.pagePointSize(0)
        qprinter.setPageSize(QPageSize(first, QPageSize.Unit.Point))
        qprinter.setPageOrientation(
            QPageLayout.Orientation.Landscape
            if first.width() > first.height()
            else QPageLayout.Orientation.Portrait
        )
        painter = QPainter()
        if not painter.begin(qprinter):
            return PrintOutcome.failure(
                printer,
                PrintErrorKind.JOB_FAILED,
                "无法向打印机发送任务，请检查打印机后重试",
                "QPainter.begin(QPrinter) failed",
            )
        try:
            for page in range(document.pageCount()):
                if page:
                    qprinter.newPage()
                target = painter.viewport()
                size = document.pagePointSize(page)
                scale = min(target.width() / size.width(), target.height() / size.height())
                pixels = QSize(round(size.width() * scale), round(size.height() * scale))
                image = document.render(page, pixels)
                if image.isNull():
                    painter.end()
                    return PrintOutcome.failure(
                        printer,
                        PrintErrorKind.JOB_FAILED,
                        "文书页面无法排版，请重新生成后再打印",
                        f"QPdfDocument.render page {page + 1} gave nothing",
                    )
                painter.drawImage(QRect(0, 0, pixels.width(), pixels.height()), image)
        finally:
            if painter.isActive():
                painter.end()
        if qprinter.printerState() in (QPrinter.PrinterState.Error, QPrinter.PrinterState.Aborted):
            return PrintOutcome.failure(
                printer,
                PrintErrorKind.JOB_FAILED,
                "打印任务提交失败，请重试或联系管理员",
                f"QPrinter state {qprinter.printerState()}",
            )
        pages = document.pageCount()
        return PrintOutcome.success(
            printer, f"已发送到打印机“{printer}”，共{copies}份（{pages}页）"
        )


def _no_gui_application(printer: str) -> PrintOutcome | None:
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is None:
        return PrintOutcome.failure(
            printer,
            PrintErrorKind.UNSUPPORTED,
            "请在一窗通程序中打印（命令行下无法使用系统打印）",
            "no QGuiApplication",
        )
    return None
