"""Bookings from the county (预约, synced down): what the county holds of a booking,
what a hall does with one, and the issues it leaves for the manager.

The county keeps, per centre, the bookings made on the province's platform
(db/central c0006, ``yc.booking``) with only what a check-in needs: the name, the
masked ID and phone, their last four, a hash of the whole ID number. A hall pulls its
own centre's (``db/sync/bookings.py``) and applies them to its queue store with
``BookingStore.apply_county``, under a cursor kept in the queue store itself, so:

- idempotent by booking number: a booking already here with the same content is
  left as it is (imported from the province's file before, or pulled by another
  workstation of the hall a moment ago);
- a booking checked in here is never undone: a cancellation at the county of a used
  booking is reported (``cancel_used``), not applied;
- a county booking in a slot already full here is placed all the same (the applicant
  holds a booking from the platform) and flagged (``over_capacity``); one that cannot
  be placed (no such category or slot here, the ID already booked that day) is held
  and tried again at every pull until it can (``no_category``, ``no_slot``,
  ``id_twice``);
- a number here with other content is reported (``clash``), nothing changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from app.core.booking import BookingInput, booking_no, hhmm, id_hash, mask_phone
from app.core.privacy import mask_id

COUNTY_ACTOR = "县中心"
FEED = "county"


class IssueKind(StrEnum):
    NO_CATEGORY = "no_category"
    NO_SLOT = "no_slot"
    ID_TWICE = "id_twice"
    OVER_CAPACITY = "over_capacity"
    CANCEL_USED = "cancel_used"
    CLASH = "clash"


HELD = frozenset({IssueKind.NO_CATEGORY, IssueKind.NO_SLOT, IssueKind.ID_TWICE})

ISSUE_TITLES = {
    IssueKind.NO_CATEGORY: "业务类别不存在，暂未排入",
    IssueKind.NO_SLOT: "没有此预约时段，暂未排入",
    IssueKind.ID_TWICE: "同一身份证号当天已预约，暂未排入",
    IssueKind.OVER_CAPACITY: "时段已约满，仍已排入",
    IssueKind.CANCEL_USED: "县中心取消了已签到的预约，未取消",
    IssueKind.CLASH: "预约号与本大厅的预约内容不同，未改动",
}


@dataclass(frozen=True, slots=True)
class CountyBooking:
    """A booking as the county sends it (``yc.booking``'s row for the hall)."""

    booking_no: str
    category: str  # the hall's category, by code or by name (as the file said)
    day: date
    start: time
    end: time
    name: str
    id_masked: str
    id_last4: str
    id_hash: str
    phone_masked: str
    phone_last4: str
    cancelled: bool
    version: int

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> CountyBooking:
        return cls(
            booking_no=booking_no(str(row["booking_no"])), category=str(row["category"]),
            day=date.fromisoformat(str(row["day"])), start=time.fromisoformat(row["start_time"]),
            end=time.fromisoformat(row["end_time"]), name=str(row["name"]),
            id_masked=str(row.get("id_masked") or ""), id_last4=str(row.get("id_last4") or ""),
            id_hash=str(row.get("id_hash") or ""),
            phone_masked=str(row.get("phone_masked") or ""),
            phone_last4=str(row.get("phone_last4") or ""),
            cancelled=row.get("status") == "cancelled", version=int(row.get("version") or 1),
        )  # fmt: skip

    def to_row(self) -> dict[str, Any]:
        return {
            "booking_no": self.booking_no, "category": self.category,
            "day": self.day.isoformat(), "start_time": hhmm(self.start),
            "end_time": hhmm(self.end), "name": self.name, "id_masked": self.id_masked,
            "id_last4": self.id_last4, "id_hash": self.id_hash,
            "phone_masked": self.phone_masked, "phone_last4": self.phone_last4,
            "status": "cancelled" if self.cancelled else "booked", "version": self.version,
        }  # fmt: skip

    @property
    def slot_text(self) -> str:
        return f"{self.day.month}月{self.day.day}日 {hhmm(self.start)}–{hhmm(self.end)}"


def county_row(b: BookingInput) -> dict[str, Any]:
    """What the county keeps of a booking of the province's file: never the whole ID
    or phone number."""

    return CountyBooking(
        booking_no=booking_no(b.booking_no), category=b.category.strip(), day=b.day,
        start=b.start, end=b.end, name=b.name.strip(),
        id_masked=mask_id(b.id_number) if b.id_number else "", id_last4=b.id_last4,
        id_hash=id_hash(b.id_number), phone_masked=mask_phone(b.phone) if b.phone else "",
        phone_last4=b.phone_last4, cancelled=False, version=1,
    ).to_row()  # fmt: skip


Cursor = tuple[int, int]  # the county change log's (xid, seq)


@dataclass(frozen=True, slots=True)
class CountyPage:
    """One page of the county's booking changes: those after ``after`` up to ``cursor``."""

    after: Cursor
    cursor: Cursor
    bookings: Sequence[CountyBooking]


@dataclass(frozen=True, slots=True)
class FeedState:
    cursor: Cursor
    applied_at: datetime | None  # when the cursor last moved
    held: int  # county bookings waiting to be placed


# With nothing to apply, a hall's cursor is moved at most this often: every pull's
# cursor moves (the county's horizon does), and a write per sync of every workstation
# would take the shared queue store's write lock for nothing (opening the store
# still takes it once, briefly: QueueStore makes sure of the hall's row).
IDLE_CURSOR_MOVE = timedelta(minutes=10)


@dataclass
class CountyApplied:
    skipped: bool = False  # another workstation of the hall had applied this page
    added: int = 0
    already: int = 0
    cancelled: int = 0
    past: int = 0  # for a day already over: not placed
    issues: list[tuple[str, IssueKind, str]] = field(default_factory=list)  # new ones
    resolved: int = 0  # held bookings placed (or cancelled) now


@dataclass(frozen=True, slots=True)
class BookingIssue:
    booking_no: str
    kind: IssueKind
    message: str
    at: datetime
    resolved_at: datetime | None
    resolution: str
    booking: CountyBooking | None

    @property
    def title(self) -> str:
        return ISSUE_TITLES[self.kind]

    @property
    def held(self) -> bool:
        return self.kind in HELD and self.resolved_at is None


def issue_message(kind: IssueKind, b: CountyBooking, extra: str = "") -> str:
    """One sentence for the manager: which booking, what happened, what to do."""
    who = f"县中心预约{b.booking_no}（{b.name}，{b.category}，{b.slot_text}）"
    text = {
        IssueKind.NO_CATEGORY: f"{who}：本大厅没有业务类别“{b.category}”，暂未排入；"
        "请在排队设置中添加该类别（名称或代码与省平台一致），下次同步时自动排入",
        IssueKind.NO_SLOT: f"{who}：本大厅没有这个预约时段，暂未排入；请设置该日的预约时段，"
        "下次同步时自动排入",
        IssueKind.ID_TWICE: f"{who}：此身份证号当天已预约过该类别（预约号{extra}），暂未排入；"
        "请与申请人核实后取消其中一个，下次同步时自动排入",
        IssueKind.OVER_CAPACITY: f"{who}：该时段已约满（{extra}），已超额排入；请安排接待",
        IssueKind.CANCEL_USED: f"{who}：县中心已取消，但本大厅已签到（{extra}），以签到为准，未取消",
        IssueKind.CLASH: f"{who}：本大厅已有同号预约且内容不同（{extra}），未改动；请联系县中心核实",
    }[kind]
    return text[:300]
