"""Personal data (issue 23) for the hall's manager: who looked at one applicant's data
(个人信息查看记录), and the export of the case list, masked unless a manager gives a
reason that goes into the audit record. The store is read and written on the task
runner, never on the GUI thread."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.accounts import MANAGER_ROLES
from app.core.case_records import CaseFilter
from app.core.privacy import AccessEntry, export_reason_problem, mask_id_no
from app.services.privacy import AccessLog, Exported
from app.ui.table_model import HeaderedTableModel
from app.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from app.settings import Settings

log = logging.getLogger("yichuang.ui")

_Index = QModelIndex | QPersistentModelIndex


class AccessModel(HeaderedTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent=parent)
        self.headers = [
            self.tr("时间"), self.tr("人员"), self.tr("窗口"), self.tr("工作站"),
            self.tr("操作"), self.tr("办件编号"), self.tr("说明"),
        ]  # fmt: skip
        self.entries: list[AccessEntry] = []

    def set_entries(self, entries: list[AccessEntry]) -> None:
        self.beginResetModel()
        self.entries = list(entries)
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.entries)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        e = self.entries[index.row()]
        return (
            f"{e.at:%Y-%m-%d %H:%M:%S}",
            f"{e.actor_name}（{e.actor}）" if e.actor_name else e.actor,
            self.tr("%1号窗口").replace("%1", e.window_no) if e.window_no else "—",
            e.workstation or "—",
            e.action,
            e.case_no,
            e.what,
        )[index.column()]


class AccessDialog(QDialog):
    """谁查看过这位申请人的个人信息: by ID number (or exact name), since a day."""

    def __init__(
        self, access: AccessLog, runner: TaskRunner, today: date, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.access = access
        self.runner = runner
        self.setWindowTitle(self.tr("个人信息查看记录"))
        self.kind = QComboBox(self)
        self.kind.addItem(self.tr("证件号码"), "id")
        self.kind.addItem(self.tr("姓名"), "name")
        self.who = QLineEdit(self)
        self.who.setObjectName("accessWho")
        self.who.setPlaceholderText(self.tr("申请人的证件号码，或完整姓名"))
        self.since = QDateEdit(QDate(today.year, today.month, 1), self)
        self.since.setCalendarPopup(True)
        self.since.setDisplayFormat("yyyy-MM-dd")
        self.until = QDateEdit(QDate(today.year, today.month, today.day), self)
        self.until.setCalendarPopup(True)
        self.until.setDisplayFormat("yyyy-MM-dd")
        find = QPushButton(self.tr("查询(&F)"), self)
        find.setObjectName("accessFind")
        find.setDefault(True)
        find.clicked.connect(self.look_up)
        self.who.returnPressed.connect(self.look_up)
        bar = QHBoxLayout()
        bar.addWidget(self.kind)
        bar.addWidget(self.who, 1)
        bar.addWidget(QLabel(self.tr("从"), self))
        bar.addWidget(self.since)
        bar.addWidget(QLabel(self.tr("到"), self))
        bar.addWidget(self.until)
        bar.addWidget(find)
        self.model = AccessModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("accessTable")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.status = QLabel(self)
        self.status.setObjectName("accessStatus")
        self.status.setWordWrap(True)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("关闭"))
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addWidget(close)
        self.resize(1100, 520)

    def look_up(self) -> None:
        text = self.who.text().strip()
        if not text:
            self.status.setText(self.tr("请输入申请人的证件号码或姓名。"))
            return
        by_id = self.kind.currentData() == "id"
        since = datetime.combine(self.since.date().toPython(), time.min)  # type: ignore[arg-type]
        until = datetime.combine(self.until.date().toPython(), time.min) + timedelta(days=1)  # type: ignore[arg-type]
        shown = mask_id_no(text) if by_id else text
        self.status.setText(self.tr("正在查询……"))

        def done(entries: list[AccessEntry]) -> None:
            self.model.set_entries(entries)
            self.table.resizeColumnsToContents()
            self.status.setText(
                self.tr(
                    "%1 的个人信息在 %2 至 %3 被查看 %4 次（查看办件、按证件号码查找、导出、补打）。"
                )
                .replace("%1", shown)
                .replace("%2", f"{since:%Y-%m-%d}")
                .replace("%3", f"{until - timedelta(days=1):%Y-%m-%d}")
                .replace("%4", str(len(entries)))
            )

        self.runner.submit(
            lambda: self.access.access_list(
                id_no=text if by_id else "", name="" if by_id else text, since=since, until=until
            ),
            on_done=done,
            on_error=lambda exc: self.status.setText(
                self.tr("无法读取查看记录：%1").replace("%1", str(exc))
            ),
        )


class ExportDialog(QDialog):
    """导出办件列表 (CSV): masked; a manager may export whole with a written reason."""

    def __init__(
        self,
        access: AccessLog,
        runner: TaskRunner,
        case_filter: CaseFilter,
        folder: Path,
        now: datetime,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        from app.services.privacy import export_cases

        self._export = export_cases
        self.access = access
        self.runner = runner
        self.case_filter = case_filter
        self.now = now
        self.exported: Exported | None = None
        self.setWindowTitle(self.tr("导出办件列表"))
        self.path = QLineEdit(str(folder / f"办件列表-{now:%Y%m%d-%H%M}.csv"), self)
        self.path.setObjectName("exportPath")
        browse = QPushButton(self.tr("浏览……"), self)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.reason = QLineEdit(self)
        self.reason.setObjectName("exportReason")
        manager = access.viewer.role in MANAGER_ROLES
        self.reason.setEnabled(manager)
        self.reason.setPlaceholderText(
            self.tr("留空：证件号码、电话和姓名脱敏导出。填写理由：完整导出，理由记入审计记录")
            if manager
            else self.tr("只有大厅管理员可以完整导出；您导出的为脱敏数据")
        )
        form = QFormLayout()
        form.addRow(self.tr("文件"), row)
        form.addRow(self.tr("完整导出的理由"), self.reason)
        self.status = QLabel(
            self.tr("导出当前列表的办件（%1）。每次导出都记入审计记录。").replace(
                "%1", case_filter.search.describe() if case_filter.search else self.tr("全部")
            ),
            self,
        )
        self.status.setObjectName("exportStatus")
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("导出"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self.start)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(720, 180)

    def _browse(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, self.tr("导出到"), self.path.text(), self.tr("CSV 文件 (*.csv)")
        )
        if name:
            self.path.setText(name)

    def start(self) -> None:
        reason = self.reason.text().strip()
        if reason:
            problem = export_reason_problem(
                reason, manager=self.access.viewer.role in MANAGER_ROLES
            )
            if problem:
                self.status.setText(problem)
                self.reason.setFocus()
                return
        path = Path(self.path.text().strip())
        self.status.setText(self.tr("正在导出……"))

        def done(result: Exported) -> None:
            self.exported = result
            self.accept()

        self.runner.submit(
            lambda: self._export(
                self.access.store, self.access, self.case_filter, path, reason=reason,
                today=self.now,
            ),
            on_done=done,
            on_error=lambda exc: self.status.setText(
                self.tr("导出失败：%1").replace("%1", str(exc))
            ),
        )  # fmt: skip


class KeyExportDialog(QDialog):
    """导出数据库密钥 (managers): the store key and the audit key wrapped under a
    passphrase typed twice, as ``yichuang key export`` does (app/services/store_keys.py).
    The passphrase fields are cleared once the file is written."""

    def __init__(
        self,
        db_file: Path,
        settings: Settings,
        runner: TaskRunner,
        folder: Path,
        now: datetime,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.db_file = db_file
        self.settings = settings
        self.runner = runner
        self.now = now
        self.written: Path | None = None
        self.with_audit_key = False
        self.setWindowTitle(self.tr("导出数据库密钥"))
        name = f"{settings.get('centre_code')}-{settings.get('workstation')}-{now:%Y%m%d}.yckey"
        self.path = QLineEdit(str(folder / name), self)
        self.path.setObjectName("keyExportPath")
        browse = QPushButton(self.tr("浏览……"), self)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.passphrase = QLineEdit(self)
        self.passphrase.setObjectName("keyPassphrase")
        self.again = QLineEdit(self)
        self.again.setObjectName("keyPassphraseAgain")
        for box in (self.passphrase, self.again):
            box.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText(
            self.tr("至少12个字符，含大小写字母、数字、符号（或汉字）中三类")
        )
        form = QFormLayout()
        form.addRow(self.tr("写入文件"), row)
        form.addRow(self.tr("口令"), self.passphrase)
        form.addRow(self.tr("再输入一次"), self.again)
        self.status = QLabel(
            self.tr(
                "重装系统或换 Windows 账户会失去本机保管的数据库密钥，本机全部办件随之无法打开。"
                "导出的文件用口令加密，其中没有明文密钥；请把文件与口令分开保管，"
                "恢复时由县中心技术人员运行 yichuang key import。"
            ),
            self,
        )
        self.status.setObjectName("keyExportStatus")
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("导出"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self.start)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(720, 220)

    def _browse(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, self.tr("导出到"), self.path.text(), self.tr("密钥文件 (*.yckey)")
        )
        if name:
            self.path.setText(name)

    def start(self) -> None:
        from app.core.privacy import passphrase_problem
        from app.services.store_keys import export_keys

        first = self.passphrase.text()
        problem = passphrase_problem(first)
        if problem is None and self.again.text() != first:
            problem = self.tr("两次输入的口令不一致。")
        if problem:
            self.status.setText(problem)
            self.passphrase.setFocus()
            return
        path = Path(self.path.text().strip())
        self.status.setText(self.tr("正在导出……"))

        def done(with_audit: bool) -> None:
            self.written, self.with_audit_key = path, with_audit
            self.passphrase.clear()
            self.again.clear()
            self.accept()

        self.runner.submit(
            lambda: export_keys(self.db_file, self.settings, path, first, self.now).audit_key
            is not None,
            on_done=done,
            on_error=lambda exc: self.status.setText(
                self.tr("导出失败：%1").replace("%1", str(exc))
            ),
        )  # fmt: skip
