"""Sign-in at the counter: clerk, password, window. AB角 covering is recorded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

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

from app.core.accounts import DEMO_PASSWORD, Clerk

if TYPE_CHECKING:
    from db.store import Store


@dataclass(frozen=True, slots=True)
class Seat:
    clerk: Clerk
    window_no: str
    on_behalf_of: str  # login of the post owner when covering (AB角)
    on_behalf_of_name: str
    record_id: str


def demo_sign_in(store: Store, login: str, window_no: str = "") -> Seat:
    """``--as LOGIN[@WINDOW]`` for a demo account (the demo hall starts its counters
    this way): the same sign-in as typing the demo password, recorded like one, so it
    opens nothing that typing 123456 would not. Raises SignInFailed otherwise."""
    from db.clerk_repo import list_clerks, sign_in

    with store.session() as s, s.begin():
        clerks = {c.login: c for c in list_clerks(s)}
        own = clerks[login].window_no if login in clerks else ""
        window = window_no or own or "1"
        clerk, decision, record = sign_in(s, login, DEMO_PASSWORD, window)
    owner = clerks.get(decision.on_behalf_of)
    return Seat(clerk, window, decision.on_behalf_of, owner.name if owner else "", record)


class SignInDialog(QDialog):
    def __init__(
        self,
        store: Store,
        default_window: str,
        demo: bool,
        parent: QWidget | None = None,
        *,
        clerks: Sequence[Clerk] | None = None,
    ) -> None:
        """clerks: the accounts when the caller has them already (the quick start reads
        them without the ORM); otherwise they are read from the store."""
        super().__init__(parent)
        self.store = store
        self.seat: Seat | None = None
        self.setWindowTitle(self.tr("一窗通 · 登录"))
        if clerks is None:
            from db.clerk_repo import list_clerks

            with store.session() as s:
                clerks = list_clerks(s)
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

    def _try(self) -> None:
        login = self.login.currentText().strip()
        if not login:
            self.message.setText(self.tr("请输入账号"))
            self.login.setFocus()
            return
        from db.clerk_repo import SignInFailed, sign_in  # the store is open or opening
        from db.store import StoreError

        try:
            with self.store.session() as s, s.begin():
                clerk, decision, record = sign_in(
                    s, login, self.password.text(), self.window_no.text().strip()
                )
        except StoreError as exc:
            self.message.setText(self.tr("无法打开本地数据库：%1").replace("%1", str(exc)))
            return
        except SignInFailed as exc:
            self.message.setText(str(exc))
            self.password.selectAll()
            self.password.setFocus()
            return
        owner = self._clerks.get(decision.on_behalf_of)
        self.seat = Seat(
            clerk,
            self.window_no.text().strip(),
            decision.on_behalf_of,
            owner.name if owner else "",
            record,
        )
        self.accept()
