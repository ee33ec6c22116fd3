"""What became of a print: a structured outcome for the clerk, a record for the log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class PrintErrorKind(StrEnum):
    """Why printing failed; the value is the short Chinese message."""

    NO_SUCH_PRINTER = "打印机不存在"
    PRINTER_STOPPED = "打印机已停止或离线"
    PAPER_OUT = "打印机缺纸"
    SERVICE_DOWN = "打印服务未运行"
    NOT_INSTALLED = "未安装打印服务"
    REJECTED = "打印机拒绝接收任务"
    CONNECTION = "无法连接打印机"
    IO_ERROR = "打印数据发送失败"
    BAD_INPUT = "打印参数有误"
    JOB_FAILED = "打印任务未完成"
    UNSUPPORTED = "本系统暂不支持此打印方式"


@dataclass(frozen=True, slots=True)
class PrintOutcome:
    """The result of sending something to a printer.

    ``message`` says what happened and ``hint`` what the clerk can do, both in
    Chinese and ready to show; ``detail`` keeps the raw tool output for the log."""

    ok: bool
    printer: str
    message: str
    kind: PrintErrorKind | None = None
    hint: str = ""
    job_id: str = ""
    detail: str = ""

    @classmethod
    def success(cls, printer: str, message: str, job_id: str = "") -> PrintOutcome:
        return cls(True, printer, message, job_id=job_id)

    @classmethod
    def failure(
        cls, printer: str, kind: PrintErrorKind, hint: str, detail: str = "", message: str = ""
    ) -> PrintOutcome:
        return cls(False, printer, message or kind.value, kind, hint, detail=detail)

    def user_text(self) -> str:
        """One line for a message box or stderr."""
        return f"{self.message}。{self.hint}" if self.hint else self.message


@dataclass(frozen=True, slots=True)
class PrintLogRecord:
    """One row of the print log (打印记录), persisted and synced by the application."""

    what: str  # document kind, e.g. 受理通知书 (DocKind value) or 排队小票
    ref: str  # case number or ticket number the document belongs to
    when: datetime
    who: str  # the clerk (user name) who printed it
    copies: int
    printer: str
    success: bool
    message: str  # the outcome's user text
    job_id: str = ""

    @classmethod
    def from_outcome(
        cls,
        outcome: PrintOutcome,
        *,
        what: str,
        ref: str,
        who: str,
        copies: int,
        when: datetime | None = None,
    ) -> PrintLogRecord:
        return cls(
            what=what,
            ref=ref,
            when=when or datetime.now(),
            who=who,
            copies=copies,
            printer=outcome.printer,
            success=outcome.ok,
            message=outcome.user_text(),
            job_id=outcome.job_id,
        )
