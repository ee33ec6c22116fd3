"""Sign-in at the counter: clerk, password, window. AB角 covering is recorded.

The check runs on a worker (the store may still be opening, and the password hash
is deliberately slow); a second Enter while it runs does nothing."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.core.accounts import DEMO_PASSWORD, Clerk, Seat, SignInFailed
from app.core.errors import StoreError
from app.services.clerks import ClerkService
from app.ui.tasks import TaskRunner


class SignInDialog(QDialog):
    def __init__(
        self,
        accounts: ClerkService,
        default_window: str,
        demo: bool,
        parent: QWidget | None = None,
        *,
        clerks: Sequence[Clerk] | None = None,
    ) -> None:
        """clerks: the accounts when the caller has them already (the quick start reads
        them without the ORM); otherwise they are read from the store."""
        super().__init__(parent)
        self.accounts = accounts
        self.seat: Seat | None = None
        self._checking = False
        self._runner: TaskRunner | None = None  # started at the first try
        self.setWindowTitle(self.tr("一窗通 · 登录"))
        if clerks is None:
            clerks = accounts.accounts()
        self._clerks = {c.login: c for c in clerks if c.active}
        self.login = QComboBox(self)
        self.login.setEditable(True)
        self.login.setObjectName("signinLogin")
        for c in self._clerks.values():
            self.login.addItem(f"{c.login}", c.login)
            self.login.setItemData(self.login.count() - 1, c.name)
        self.login.setCurrentIndex(-1)
        self.login.setEditText("")
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setObjectName("signinPassword")
        self.window_no = QLineEdit(default_window, self)
        self.window_no.setObjectName("signinWindow")
        self.window_no.setMaxLength(8)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020")
        form = QFormLayout()
        form.addRow(self.tr("账号"), self.login)
        form.addRow(self.tr("密码"), self.password)
        form.addRow(self.tr("窗口号"), self.window_no)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("登录"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("退出"))
        self.buttons = buttons
        buttons.accepted.connect(self._try)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        if demo:
            hint = QLabel(
                self.tr("演示账号：wangfang（1号窗口）、lijun（2号窗口）、zhaomin（王芳的B角）、"
                        "chenzhuren（管理），密码均为 %1").replace("%1", DEMO_PASSWORD),
                self,
            )  # fmt: skip
            hint.setWordWrap(True)
            hint.setStyleSheet("color: #555")
            layout.addWidget(hint)
        layout.addWidget(buttons)
        self.login.currentIndexChanged.connect(self._login_chosen)
        self.login.setFocus()

    def _login_chosen(self) -> None:
        clerk = self._clerks.get(self.login.currentText().strip())
        if clerk is not None and clerk.window_no:
            self.window_no.setText(clerk.window_no)

    @property
    def checking(self) -> bool:
        """A sign-in is being checked (the buttons are off until it answers)."""
        return self._checking

    def _try(self) -> None:
        if self._checking:  # a second Enter while the first is checked
            return
        login = self.login.currentText().strip()
        if not login:
            self.message.setText(self.tr("请输入账号"))
            self.login.setFocus()
            return
        self._set_checking(True)
        self.message.setText(self.tr("正在登录……"))
        password, window = self.password.text(), self.window_no.text()
        if self._runner is None:
            self._runner = TaskRunner(self, name="sign-in")
        self._runner.submit(
            lambda: self.accounts.sign_in(login, password, window, self._clerks.values()),
            on_done=self._signed_in,
            on_error=self._refused,
        )

    def _set_checking(self, on: bool) -> None:
        self._checking = on
        self.buttons.setEnabled(not on)
        self.login.setEnabled(not on)
        self.password.setReadOnly(on)
        self.window_no.setReadOnly(on)

    def _signed_in(self, seat: Seat) -> None:
        self._set_checking(False)
        self.seat = seat
        self.message.clear()
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        self._set_checking(False)
        if isinstance(exc, StoreError):
            self.message.setText(self.tr("无法打开本地数据库：%1").replace("%1", str(exc)))
            return
        if isinstance(exc, SignInFailed):
            self.message.setText(str(exc))
        else:
            self.message.setText(
                self.tr("登录失败：%1").replace("%1", str(exc) or type(exc).__name__)
            )
        self.password.selectAll()
        self.password.setFocus()

    def reject(self) -> None:
        if self._checking:  # Esc while the sign-in is recorded: its answer decides
            return
        super().reject()

    def done(self, result: int) -> None:
        if self._runner is not None:  # nothing is running: its thread just ends
            self._runner.shutdown(timeout=0)
            self._runner = None
        super().done(result)
