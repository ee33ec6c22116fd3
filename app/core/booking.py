"""Appointments (预约), pure Python: time slots, booking numbers, the check-in rule and
the province platform's import file.

A **slot** is one queue category's period on one day (09:00–09:30) with a capacity.
A **booking** takes one place of a slot; it is made at the counter or by phone by a
clerk, imported from the province's platform, or synced down from the county.

**Check-in** (预约签到) turns a booking into a priority ticket (预约) once: only on
the slot's day, from ``early_min`` minutes before the slot starts until
``late_min`` minutes after it ends, otherwise the applicant is told why.

**Who may check in.** A booking number is no secret: the province's numbers are
often sequential, and a number can be read off a shoulder or a discarded slip. So
the kiosk asks for something the applicant has as well: the last four characters of
the ID number or of the phone number the booking was made with. A wrong pair reads
the same as an unknown number (nobody learns which numbers exist), and a booking
whose proof was typed wrong ``LOCK_AFTER`` times is checked in only at a counter,
where a clerk looks at the ID card: four digits are 10,000 tries, five are not.

The import file (省平台预约导出): UTF-8 CSV (a BOM is fine, GBK is read too) or an
.xlsx sheet whose first row names the columns ``IMPORT_COLUMNS`` (any order, extra
columns ignored). Every line is checked before anything is written; one bad line
refuses the whole file, with one Chinese sentence per bad line (第N行：…).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from app.core.identity import check_resident_id, normalise
from app.core.intake import phone_ok
from app.core.privacy import mask_phone as privacy_mask_phone

LOCK_AFTER = 5  # wrong proofs before a booking is checked in only at a counter
NO_CHARS = re.compile(r"[A-Z0-9-]{4,32}")
NAME_MAX = 32
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud over the phone
_FULLWIDTH = str.maketrans(
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ－—",
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ--",
)


class BookingSource(StrEnum):
    COUNTER = "窗口"
    PHONE = "电话"
    PROVINCE = "省平台"
    COUNTY = "县中心"


class BookingStatus(StrEnum):
    BOOKED = "已预约"
    CHECKED_IN = "已签到"
    CANCELLED = "已取消"


class BookingRuleError(ValueError):
    """Input that cannot be used; ``problems`` are whole sentences in Chinese."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("；".join(self.problems))


def id_hash(id_number: str) -> str:
    """What a booking keeps of the applicant's ID number to find their bookings again
    (SHA-256 of the normalised number with a fixed prefix; "" without a number)."""
    n = normalise(id_number)
    return hashlib.sha256(f"yichuang-booking:{n}".encode()).hexdigest() if n else ""


def hhmm(t: time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def parse_time(text: str) -> time | None:
    """``9:00``, ``09:00`` or ``09:00:00``; None if it is no time of day."""
    m = re.fullmatch(r"\s*(\d{1,2})[:：](\d{2})(?::\d{2})?\s*", str(text))
    if not m or int(m[1]) > 23 or int(m[2]) > 59:
        return None
    return time(int(m[1]), int(m[2]))


def parse_day(text: str) -> date | None:
    """``2026-12-08``, ``2026/12/8`` or ``2026年12月8日``; None otherwise."""
    m = re.fullmatch(r"\s*(\d{4})[-/年.](\d{1,2})[-/月.](\d{1,2})日?(?:\s+00:00(?::00)?)?\s*", text)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def day_text(day: date) -> str:
    return f"{day.month}月{day.day}日"


# ---------------------------------------------------------------- slots


@dataclass(frozen=True, slots=True)
class SlotSpec:
    category: str  # queue category code
    day: date
    start: time
    end: time
    capacity: int

    def problems(self) -> list[str]:
        out = []
        if self.end <= self.start:
            out.append(f"时段结束时间{hhmm(self.end)}应晚于开始时间{hhmm(self.start)}")
        if (
            isinstance(self.capacity, bool)
            or not isinstance(self.capacity, int)
            or not (1 <= self.capacity <= 999)
        ):
            out.append(f"每个时段可预约人数应为1至999，现在是{self.capacity}")
        return out

    def checked(self) -> SlotSpec:
        problems = self.problems()
        if problems:
            raise BookingRuleError(problems)
        return self

    @property
    def label(self) -> str:
        return f"{hhmm(self.start)}–{hhmm(self.end)}"


def day_slots(
    category: str, day: date, first: time, last: time, minutes: int, capacity: int
) -> list[SlotSpec]:
    """Slots of ``minutes`` each from ``first`` until ``last`` (a half day's set-up)."""
    if minutes < 5:
        raise BookingRuleError([f"每个时段应至少5分钟，现在是{minutes}分钟"])
    out = []
    at = datetime.combine(day, first)
    stop = datetime.combine(day, last)
    while at + timedelta(minutes=minutes) <= stop:
        nxt = at + timedelta(minutes=minutes)
        out.append(SlotSpec(category, day, at.time(), nxt.time(), capacity).checked())
        at = nxt
    if not out:
        raise BookingRuleError([f"{hhmm(first)}至{hhmm(last)}之间放不下一个{minutes}分钟的时段"])
    return out


# ---------------------------------------------------------------- numbers and proof


def new_booking_no(day: date) -> str:
    """A booking number for a booking made here: the day and 6 random characters
    (a billion per day), e.g. YY1208-K7Q2MX. Unguessable, but the proof is what
    protects a booking; the randomness only keeps numbers from being enumerated."""
    tail = "".join(secrets.choice(_ALPHABET) for _ in range(6))
    return f"YY{day:%m%d}-{tail}"


def booking_no(typed: str) -> str:
    """A booking number as stored: upper case, half-width, no blanks."""
    return "".join(str(typed).translate(_FULLWIDTH).split()).upper()


def booking_no_problem(number: str) -> str | None:
    if not number:
        return "预约号不能为空"
    if not NO_CHARS.fullmatch(number):
        return f"预约号“{number}”应为4至32位字母、数字或“-”"
    return None


def tail4(value: str) -> str:
    """The last four characters of an ID or phone number, as the kiosk compares them."""
    digits = normalise(value)
    return digits[-4:] if len(digits) >= 4 else ""


def proof_problem(proof: str) -> str | None:
    p = normalise(proof)
    if len(p) != 4 or not re.fullmatch(r"\d{3}[\dX]", p):
        return "请输入身份证号或手机号的后4位"
    return None


def proof_matches(proof: str, id_last4: str, phone_last4: str) -> bool:
    p = normalise(proof)
    if len(p) != 4:
        return False
    return any(secrets.compare_digest(p, known) for known in (id_last4, phone_last4) if known)


def mask_phone(phone: str) -> str:
    """A booking's phone as lists show it: the one rule, app/core/privacy.mask_phone."""
    return privacy_mask_phone(re.sub(r"\D", "", phone))


# ---------------------------------------------------------------- check-in


@dataclass(frozen=True, slots=True)
class Grace:
    """How long before a slot starts and after it ends a booking may check in."""

    early_min: int = 30
    late_min: int = 15

    def opens(self, day: date, start: time) -> datetime:
        return datetime.combine(day, start) - timedelta(minutes=self.early_min)

    def closes(self, day: date, end: time) -> datetime:
        return datetime.combine(day, end) + timedelta(minutes=self.late_min)


class Refusal(StrEnum):
    NOT_FOUND = "not_found"
    LOCKED = "locked"
    CANCELLED = "cancelled"
    USED = "used"
    OTHER_DAY = "other_day"
    EXPIRED = "expired"
    TOO_EARLY = "too_early"
    TOO_LATE = "too_late"


NOT_FOUND_TEXT = "没有找到这个预约：请核对预约号，以及身份证号或手机号的后4位"
LOCKED_TEXT = "此预约的核验信息输错次数过多，请到服务台由工作人员核验身份后签到"


@dataclass(frozen=True, slots=True)
class BookingFacts:
    """What the check-in rule needs of a booking."""

    status: BookingStatus
    day: date
    start: time
    end: time
    checked_in_at: datetime | None = None
    ticket: str = ""  # display number of the ticket it was checked in with


def check_in_refusal(b: BookingFacts, now: datetime, grace: Grace) -> tuple[Refusal, str] | None:
    """Why this booking cannot be checked in at ``now`` (kind, Chinese sentence), or
    None when it can."""
    slot = f"{day_text(b.day)} {hhmm(b.start)}–{hhmm(b.end)}"
    if b.status is BookingStatus.CHECKED_IN:
        when = f"{b.checked_in_at:%H:%M}" if b.checked_in_at else ""
        return Refusal.USED, f"此预约已于{when}签到过，号码为 {b.ticket}，一个预约只能签到一次"
    if b.status is BookingStatus.CANCELLED:
        return Refusal.CANCELLED, "此预约已取消，请重新预约或取普通号"
    today = now.date()
    if b.day > today:
        return Refusal.OTHER_DAY, f"您预约的是{slot}，不是今天：请在预约当天来签到"
    if b.day < today:
        return Refusal.EXPIRED, f"您预约的是{slot}，已过期：请重新预约或取普通号"
    opens, closes = grace.opens(b.day, b.start), grace.closes(b.day, b.end)
    if now < opens:
        return Refusal.TOO_EARLY, (
            f"您预约的时段是{hhmm(b.start)}–{hhmm(b.end)}，还没到签到时间：请于{opens:%H:%M}以后签到"
        )
    if now > closes:
        return Refusal.TOO_LATE, (
            f"您预约的时段是{hhmm(b.start)}–{hhmm(b.end)}，签到时间已过（最晚{closes:%H:%M}）：请取普通号"
        )
    return None


def is_no_show(b: BookingFacts, now: datetime, grace: Grace) -> bool:
    """A booking nobody checked in before its check-in time closed (爽约)."""
    return b.status is BookingStatus.BOOKED and now > grace.closes(b.day, b.end)


# ---------------------------------------------------------------- new bookings


@dataclass(frozen=True, slots=True)
class BookingInput:
    """A booking to be made (a clerk's dialog, one line of an import)."""

    booking_no: str  # "" : the store makes one
    category: str  # code or name of the queue category
    day: date
    start: time
    end: time
    name: str
    id_number: str
    phone: str
    source: BookingSource

    @property
    def id_last4(self) -> str:
        return tail4(self.id_number) if self.id_number else ""

    @property
    def phone_last4(self) -> str:
        return tail4(re.sub(r"\D", "", self.phone)) if self.phone else ""


def applicant_problems(name: str, id_number: str, phone: str, today: date) -> list[str]:
    out = []
    if not name.strip():
        out.append("姓名不能为空")
    elif len(name.strip()) > NAME_MAX:
        out.append(f"姓名最多{NAME_MAX}个字")
    if not id_number.strip() and not phone.strip():
        out.append("身份证号和手机号至少填一个（签到时核验其后4位）")
    if id_number.strip():
        check = check_resident_id(id_number, today)
        if not check.ok:
            out.append(f"身份证号{check.message}")
    if phone.strip() and not phone_ok(phone):
        out.append(f"手机号“{phone.strip()}”不是有效的电话号码")
    return out


IMPORT_COLUMNS = (
    "预约号",
    "业务类别",
    "预约日期",
    "开始时间",
    "结束时间",
    "姓名",
    "身份证号",
    "手机号",
)
REQUIRED_COLUMNS = IMPORT_COLUMNS[:6]


@dataclass(frozen=True, slots=True)
class ImportLine:
    line: int  # the file's line (the header is line 1)
    booking: BookingInput


def parse_import(
    table: Sequence[Sequence[object]], today: date
) -> tuple[list[ImportLine], list[str]]:
    """The bookings of an import file's rows (the first row names the columns), and
    one sentence per bad line; the caller writes nothing when there is any."""
    if not table or not any(str(c).strip() for c in table[0]):
        return [], ["文件是空的：第1行应为表头（" + "、".join(IMPORT_COLUMNS) + "）"]
    header = [str(c).strip().lstrip("\ufeff") for c in table[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return [], [f"第1行表头缺少列：{'、'.join(missing)}（应有：{'、'.join(IMPORT_COLUMNS)}）"]
    col = {name: header.index(name) for name in IMPORT_COLUMNS if name in header}
    lines: list[ImportLine] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(table[1:], start=2):
        cells = ["" if c is None else str(c).strip() for c in row]
        if not any(cells):
            continue

        def cell(name: str, cells: list[str] = cells) -> str:
            i = col.get(name)
            return cells[i] if i is not None and i < len(cells) else ""

        bad: list[str] = []
        no = booking_no(cell("预约号"))
        why = booking_no_problem(no)
        if why:
            bad.append(why)
        elif no in seen:
            bad.append(f"预约号{no}与第{seen[no]}行重复")
        else:
            seen[no] = number
        category = cell("业务类别")
        if not category:
            bad.append("业务类别不能为空")
        day = parse_day(cell("预约日期"))
        if day is None:
            bad.append(f"预约日期“{cell('预约日期')}”应写作2026-12-08")
        start, end = parse_time(cell("开始时间")), parse_time(cell("结束时间"))
        if start is None:
            bad.append(f"开始时间“{cell('开始时间')}”应写作09:00")
        if end is None:
            bad.append(f"结束时间“{cell('结束时间')}”应写作09:30")
        if start is not None and end is not None and end <= start:
            bad.append(f"结束时间{hhmm(end)}应晚于开始时间{hhmm(start)}")
        bad += applicant_problems(cell("姓名"), cell("身份证号"), cell("手机号"), today)
        if bad:
            problems.append(f"第{number}行：" + "；".join(bad))
            continue
        assert day is not None and start is not None and end is not None  # pragma: no mutate
        lines.append(
            ImportLine(
                number,
                BookingInput(
                    no, category, day, start, end, cell("姓名"), normalise(cell("身份证号")),
                    cell("手机号"), BookingSource.PROVINCE,
                ),
            )
        )  # fmt: skip
    if not lines and not problems:
        problems.append("文件中没有预约记录")
    return lines, problems


def category_of(typed: str, categories: Mapping[str, str]) -> str | None:
    """The category code a file names by code or by name (``categories``: code → name)."""
    text = typed.strip()
    if text in categories:
        return text
    return next((code for code, name in categories.items() if name == text), None)
