"""The counter window's side of central sync: the top bar's connection entry, the
password prompt, "sync now", and the list of conflicts and refused rows.

The sync itself runs on its own thread (app/services/sync.py); this module only reads
its status snapshot and asks it to run.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QInputDialog,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from app.core.sync_records import SyncIssues
    from app.services.sync import SyncStatus

# what the top bar says, as (text, level, detail)
State = tuple[str, str, str]


def connection_state(status: SyncStatus) -> State:
    """The top bar's connection entry for a sync status."""
    if not status.configured:
        return (
            "单机 · 未配置县中心同步",
            "off",
            "本机只使用本地数据库；县中心同步见 README 的“县中心同步”一节。",
        )
    detail = []
    if status.last_success:
        detail.append(f"上次成功同步：{status.last_success:%Y-%m-%d %H:%M:%S}")
    if status.last_error:
        when = f"（{status.last_error_at:%m-%d %H:%M}）" if status.last_error_at else ""
        detail.append(f"上次错误{when}：{status.last_error}")
    if status.quarantined:
        detail.append(f"县中心拒收 {status.quarantined} 条记录：请在“同步”菜单中查看")
    if status.conflicts:
        detail.append(f"已按规则处理的冲突 {status.conflicts} 条：请在“同步”菜单中查看")
    if status.notice:
        detail.append(status.notice)
    if status.running:
        level = "busy"
    elif status.online:
        level = "warn" if status.quarantined else "ok"
    elif status.online is None and not status.last_error:
        level = "busy"  # not tried yet
    else:
        level = "error"
    text = status.text()
    if status.busy and not status.online and not status.running:
        text += " · 办件照常受理，稍后自动上传"
    elif not status.online and status.online is not None and not status.running:
        text += " · 办件照常受理，联网后自动上传"
    return (text, level, "\n".join(detail))


def ask_password(parent: QWidget, prompt: str) -> str | None:
    """The central password, typed by the person who sets the workstation up."""
    text, ok = QInputDialog.getText(
        parent, parent.tr("县中心同步密码"), prompt, QLineEdit.EchoMode.Password
    )
    return text if ok and text else None


class SyncIssuesDialog(QDialog):
    """Every conflict met while syncing (with the rule that settled it) and every row
    the county refused — visible, as the sync rules promise (docs/sync.md)."""

    def __init__(self, issues: SyncIssues, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncIssues")
        self.setWindowTitle(self.tr("同步冲突与拒收记录"))
        self.resize(1000, 520)
        conflicts, refused = issues.conflicts, issues.refused
        self.conflicts = _table(
            [self.tr("时间"), self.tr("方向"), self.tr("数据"), self.tr("记录"), self.tr("规则"),
             self.tr("说明")],
            [(_when(c.at), c.direction, c.table, c.row_key, c.rule, c.message) for c in conflicts],
        )  # fmt: skip
        self.refused = _table(
            [self.tr("时间"), self.tr("批次"), self.tr("数据"), self.tr("记录"), self.tr("原因")],
            [(_when(q.at), str(q.batch_seq), q.table, q.row_key, q.reason) for q in refused],
        )
        tabs = QTabWidget(self)
        tabs.addTab(self.conflicts, self.tr("冲突（%1）").replace("%1", str(len(conflicts))))
        tabs.addTab(self.refused, self.tr("县中心拒收（%1）").replace("%1", str(len(refused))))
        hint = QLabel(
            self.tr("冲突已按 docs/sync.md 中的规则自动处理，此处留作记录；"
                    "被拒收的记录不影响其他记录上传，请把原因告知县中心技术人员。"),
            self,
        )  # fmt: skip
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(tabs, 1)
        layout.addWidget(buttons)


def _when(at: datetime | None) -> str:
    return f"{at:%Y-%m-%d %H:%M:%S}" if at else ""


def _table(headers: list[str], rows: list[tuple[Any, ...]]) -> QTableWidget:
    table = QTableWidget(len(rows), len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(str(value)))
    table.horizontalHeader().setStretchLastSection(True)
    table.resizeColumnsToContents()
    return table
