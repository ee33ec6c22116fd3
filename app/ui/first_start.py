"""First start of a new workstation with central sync set up: before anyone can sign
in, the catalogue, calendar and clerk accounts come down from the county, with a
progress bar. The pull runs on a worker thread; the dialog only shows its progress.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

if TYPE_CHECKING:
    from app.context import AppContext


def needs_first_start(context: AppContext) -> bool:
    """Central sync is set up and this store has no catalogue or no clerks yet."""
    if not str(context.settings.get("central_url")).strip():
        return False  # without loading the sync modules
    from app.services.sync import needs_first_start as needs

    return needs(context.store, context.settings)


class _Progress(QObject):
    step = Signal(int, int, str)
    done = Signal(object)  # None, or the error message


def run_first_start(context: AppContext, parent: QWidget | None = None) -> bool:
    """Pull from the county with a progress dialog; True when the workstation is
    usable. On failure the person may retry or quit; nothing half-pulled is used
    (the next try continues from where the pull stopped)."""
    from app.services.credentials import Credentials, account_for
    from app.ui.sync_view import ask_password

    url = str(context.settings.get("central_url")).strip()
    credentials = Credentials.from_system()
    account = account_for(url)
    while True:
        if credentials.get(account) is None:
            password = ask_password(
                parent or QWidget(),
                f"新工作站首次启动：请输入县中心分配的同步密码（{account}）",
            )
            if not password:
                return False
            credentials.set(account, password)
        error = _attempt(context, credentials, parent)
        if error is _CANCELLED:
            return False
        if error is None:
            context.catalogue_changed()
            return True
        if "密码" in str(error) or "password" in str(error).lower():
            credentials.forget(account)
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "一窗通 · 新工作站首次启动",
            f"未能从县中心取得事项目录和账号：\n{error}\n\n检查网络和县中心地址后点“重试”。",
            QMessageBox.StandardButton.Retry | QMessageBox.StandardButton.Close,
            parent,
        )
        box.setObjectName("firstStartFailed")
        if box.exec() != QMessageBox.StandardButton.Retry:
            return False


_CANCELLED = object()


def _attempt(context: AppContext, credentials: Any, parent: QWidget | None) -> object:
    """One pull with the progress dialog: None when done, the error message, or
    _CANCELLED when the person chose 退出 while it ran."""
    from app.services.sync import first_start
    from app.ui.tasks import TaskRunner

    dialog = QProgressDialog("正在连接县中心……", "退出", 0, 0, parent)
    dialog.setObjectName("firstStart")
    dialog.setWindowTitle("一窗通 · 新工作站首次启动")
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    dialog.setMinimumDuration(0)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setMinimumWidth(520)
    bridge = _Progress()
    outcome: list[object] = []

    def step(done: int, total: int, message: str) -> None:
        dialog.setMaximum(max(total, 0))
        dialog.setValue(min(done, total) if total else 0)
        dialog.setLabelText(message)

    def finished(result: object) -> None:
        outcome.append(result)
        dialog.reset()
        dialog.close()

    bridge.step.connect(step)
    bridge.done.connect(finished)
    store = context.store.get()
    runner = TaskRunner(dialog, name="first-start")
    runner.submit(
        lambda: first_start(store, context.settings, credentials, bridge.step.emit),
        on_done=bridge.done.emit,
        on_error=lambda exc: bridge.done.emit(str(exc)),
    )
    dialog.exec()
    runner.shutdown(timeout=0)  # a cancelled pull ends on its own; the next try continues
    return outcome[0] if outcome else _CANCELLED
