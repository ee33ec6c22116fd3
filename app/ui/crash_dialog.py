"""The one dialog for an uncaught error (app/crash.py writes the crash log)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox


def crash_text(kind: str, path: Path | None) -> str:
    tr = QCoreApplication.translate
    where = (
        tr("CrashDialog", "详细情况已记入错误记录文件：\n%1").replace("%1", str(path))
        if path is not None
        else tr("CrashDialog", "错误记录文件无法写入（磁盘已满或无权限），详情见运行日志。")
    )
    return (
        tr("CrashDialog", "一窗通出现了程序错误（%1），当前操作可能没有完成。").replace("%1", kind)
        + "\n\n"
        + tr(
            "CrashDialog",
            "已保存的办件不受影响：每件办件在保存时即已完整写入本机数据库。"
            "请核对刚才的操作；如错误再次出现，请重新启动一窗通。",
        )
        + "\n\n"
        + where
        + "\n"
        + tr("CrashDialog", "请把这个文件交给县中心技术人员。")
    )


class CrashNotifier(QObject):
    """Shows the dialog on the GUI thread, whichever thread crashed."""

    crashed = Signal(str, object)

    def __init__(self) -> None:
        super().__init__()
        app = QCoreApplication.instance()
        if app is not None:
            self.moveToThread(app.thread())
        self.crashed.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self.shown: list[QMessageBox] = []

    def __call__(self, kind: str, path: Path | None) -> None:
        self.crashed.emit(kind, path)

    @Slot(str, object)
    def _show(self, kind: str, path: Path | None) -> None:
        box = QMessageBox(QApplication.activeWindow())
        box.setObjectName("crashDialog")
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle(QCoreApplication.translate("CrashDialog", "一窗通程序错误"))
        box.setText(crash_text(kind, path))
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.shown.append(box)
        box.open()
