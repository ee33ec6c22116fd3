"""Appointments (预约) as the screens use them, without Qt: the clerk's booking dialog,
the kiosk's and counter's check-in, the manager's day of bookings and the province
platform's import file. Every job runs on the hall's queue store through the
QueueService (its lock, its reopening after a failure), on a screen's worker.

The import file's layout is documented in docs/bookings.md; reading it here (CSV in
UTF-8 or GBK, or an .xlsx workbook's first sheet) and checking it in app/core/booking.py
never raises: a file that cannot be read is one more problem line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.booking import (
    BookingInput,
    Grace,
    SlotSpec,
    parse_import,
    proof_problem,
)
from app.core.queue_records import TicketInfo
from app.services.queue import QueueService, _with_estimate
from db.booking_county import BookingIssue
from db.booking_store import (
    BookingDay,
    BookingError,
    BookingInfo,
    BookingStore,
    ImportRefused,
    ImportResult,
    SlotInfo,
)

if TYPE_CHECKING:  # the jobs' argument, for annotations only
    from db.queue import QueueStore

__all__ = [  # what the screens need of db.booking_store comes from here
    "BookingDay",
    "BookingDayView",
    "BookingError",
    "BookingInfo",
    "BookingIssue",
    "BookingService",
    "ImportRefused",
    "ImportResult",
    "SlotInfo",
    "read_import_table",
]

MAX_IMPORT_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class BookingDayView:
    """A day's bookings for the kiosk and the manager view."""

    day: date
    bookings: list[BookingInfo]
    figures: BookingDay
    slots: list[SlotInfo]
    grace: Grace
    at: datetime  # when it was read
    # county bookings the hall could not take as they came (the manager's list)
    county_issues: list[BookingIssue] = field(default_factory=list)

    def open_slots(self) -> list[SlotInfo]:
        """Slots with bookings whose check-in time is not over (the kiosk's list)."""
        return [
            s for s in self.slots
            if s.booked and self.at <= self.grace.closes(s.day, s.end)
        ]  # fmt: skip


def read_import_table(path: Path) -> tuple[list[list[object]], str | None]:
    """The rows of an import file, or why it cannot be read (in Chinese)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        return [], f"无法读取文件 {path.name}：{exc.strerror or exc}"
    if size > MAX_IMPORT_BYTES:
        return [], f"文件 {path.name} 太大（{size // 1024 // 1024} MB），预约导入文件应小于20 MB"
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from python_calamine import CalamineError, CalamineWorkbook

        try:
            wb = CalamineWorkbook.from_path(str(path))
            sheet = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
        except (CalamineError, OSError, ValueError, IndexError) as exc:
            return [], f"无法打开工作簿（{type(exc).__name__}），文件可能已损坏或不是 Excel 文件"
        return [[_cell(c) for c in row] for row in sheet], None
    if suffix not in (".csv", ".txt"):
        return [], f"不支持的文件类型“{path.suffix}”，预约导入文件应为 .csv 或 .xlsx"
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        return [], "文件编码无法识别，请另存为 UTF-8 编码的 CSV"
    return [list(row) for row in csv.reader(io.StringIO(text))], None


def _cell(value: object) -> object:
    """An Excel cell as the import reads it: dates and times as text, 13912345678.0
    (a phone typed as a number) without its decimals."""
    from datetime import time

    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d") if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value


class BookingService:
    """Appointment jobs on a hall's queue service (a worker's thread, never the GUI)."""

    def __init__(self, queue: QueueService) -> None:
        self.queue = queue

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.queue.clock

    def today(self) -> date:
        return self.queue.clock().date()

    # ------------------------------------------------------------ check-in

    def check_in(self, booking_no: str, proof: str, *, actor: str = "kiosk") -> TicketInfo:
        """预约签到 at the kiosk: the booking number and the last four of the ID or
        phone number it was made with."""
        problem = proof_problem(proof)
        if problem is not None:
            raise BookingError(problem)

        def job(s: QueueStore) -> TicketInfo:
            now = self.queue.clock()
            ticket = BookingStore(s).check_in(booking_no, proof=proof, actor=actor, now=now)
            return _with_estimate(s, ticket, now)

        return self.queue.run(job)

    def check_in_at_counter(self, booking_no: str, *, clerk: str) -> TicketInfo:
        """预约签到 at a counter: the clerk has looked at the applicant's ID card."""

        def job(s: QueueStore) -> TicketInfo:
            now = self.queue.clock()
            ticket = BookingStore(s).check_in(booking_no, proof=None, actor=clerk, now=now)
            return _with_estimate(s, ticket, now)

        return self.queue.run(job)

    # ------------------------------------------------------------ booking

    def book(self, booking: BookingInput, *, actor: str) -> BookingInfo:
        return self.queue.run(
            lambda s: BookingStore(s).book(booking, actor=actor, now=self.queue.clock())
        )

    def cancel(self, booking_no: str, *, actor: str, reason: str) -> None:
        self.queue.run(
            lambda s: BookingStore(s).cancel(
                booking_no, actor=actor, reason=reason, now=self.queue.clock()
            )
        )

    def save_slots(self, specs: Sequence[SlotSpec], *, actor: str, reason: str = "") -> int:
        return self.queue.run(
            lambda s: BookingStore(s).save_slots(
                specs, actor=actor, reason=reason, now=self.queue.clock()
            )
        )

    def slots(self, day: date, category: str | None = None) -> list[SlotInfo]:
        return self.queue.run(lambda s: BookingStore(s).slots(day, category))

    def find(self, booking_no: str) -> BookingInfo | None:
        return self.queue.run(lambda s: BookingStore(s).find(booking_no, now=self.queue.clock()))

    def find_by_id_number(self, id_number: str) -> list[BookingInfo]:
        return self.queue.run(
            lambda s: BookingStore(s).find_by_id_number(id_number, now=self.queue.clock())
        )

    def day(self, day: date | None = None) -> BookingDayView:
        def job(s: QueueStore) -> BookingDayView:
            now = self.queue.clock()
            which = day or now.date()
            store = BookingStore(s)
            return BookingDayView(
                which,
                store.bookings(which, now=now),
                store.day_figures(which, now=now),
                store.slots(which),
                store.grace(),
                now,
                store.county_issues(limit=50),
            )

        return self.queue.run(job)

    def category_figures(self, day: date) -> dict[str, BookingDay]:
        """A day's booking figures per category code (the county's day summary)."""
        return self.queue.run(
            lambda s: BookingStore(s).category_figures(day, now=self.queue.clock())
        )

    # ------------------------------------------------------------ import

    def import_file(self, path: Path, *, actor: str) -> ImportResult:
        """The province platform's file, all or nothing (``ImportRefused`` lists
        every bad line)."""
        table, problem = read_import_table(path)
        if problem is not None:
            raise ImportRefused([problem])
        lines, problems = parse_import(table, self.today())
        if problems:
            raise ImportRefused(problems)
        return self.queue.run(
            lambda s: BookingStore(s).import_lines(
                lines, actor=actor, now=self.queue.clock(), source_name=path.name
            )
        )

    # ------------------------------------------------------------ from the county

    def county_issues(self, *, open_only: bool = True) -> list[BookingIssue]:
        """County bookings the hall could not take as they came (held, over capacity,
        a cancellation of a used booking, a number with other content): the manager's
        list (docs/bookings.md)."""
        return self.queue.run(lambda s: BookingStore(s).county_issues(open_only=open_only))
