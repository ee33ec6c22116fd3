"""Appointments in the hall's queue store, on a real SQLite file and a real PostgreSQL:
slots with a capacity, bookings, the all-or-nothing import, check-in once and only in
its time, with the proof, and the day's no-shows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core.booking import (
    LOCK_AFTER,
    LOCKED_TEXT,
    NOT_FOUND_TEXT,
    BookingInput,
    BookingSource,
    BookingStatus,
    Refusal,
    day_slots,
    parse_import,
)
from app.core.queue_policy import CategorySpec, CounterSpec, TicketKind, TicketStatus
from app.core.queue_records import Action
from db.booking_models import QueueBookingRow, QueueSlotRow
from db.booking_store import BookingAction, BookingError, BookingStore, ImportRefused
from db.queue import QueueStore

DAY = date(2026, 12, 8)  # a Tuesday
NOW = datetime(2026, 12, 7, 15, 0)  # the day before: bookings are made
ID = "110101199003074477"
PHONE = "13912345678"


def at(hh: int, mm: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hh, mm))


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'queue.sqlite3'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def q(url: str) -> Iterator[QueueStore]:
    store = QueueStore.open(url)
    store.save_category(CategorySpec("ZH", "综合受理", "A"), actor="chen", now=NOW)
    store.save_category(CategorySpec("SB", "社保医保", "B", daily_cap=1), actor="chen", now=NOW)
    store.save_counter(CounterSpec("1", "一号窗口", {"ZH": 1, "SB": 1}), actor="chen", now=NOW)
    yield store
    store.close()


@pytest.fixture
def b(q: QueueStore) -> BookingStore:
    bs = BookingStore(q)
    bs.save_slots(day_slots("ZH", DAY, time(9), time(11), 30, 2), actor="chen", now=NOW)
    bs.save_slots(day_slots("SB", DAY, time(9), time(10), 60, 1), actor="chen", now=NOW)
    return bs


def booking(start: time = time(9), end: time = time(9, 30), **kw: object) -> BookingInput:
    values: dict[str, object] = {
        "booking_no": "", "category": "ZH", "day": DAY, "start": start, "end": end,
        "name": "张三", "id_number": ID, "phone": PHONE, "source": BookingSource.PHONE,
    }  # fmt: skip
    values.update(kw)
    return BookingInput(**values)  # type: ignore[arg-type]


def test_a_booking_takes_a_place_and_full_slots_say_so(b: BookingStore) -> None:
    first = b.book(booking(), actor="wangfang", now=NOW)
    assert first.booking_no.startswith("YY1208-") and first.status is BookingStatus.BOOKED
    assert first.id_masked == "110101********4477" and first.phone_masked == "139****5678"
    assert first.source is BookingSource.PHONE and first.created_by == "wangfang"
    b.book(booking(id_number="", name="李四"), actor="wangfang", now=NOW)
    with pytest.raises(BookingError, match="综合受理12月8日 09:00–09:30已约满（2人）"):
        b.book(booking(id_number="", name="王五"), actor="wangfang", now=NOW)
    slot = next(s for s in b.slots(DAY, "ZH") if s.start == time(9))
    assert (slot.booked, slot.free) == (2, 0)
    with pytest.raises(BookingError, match="此身份证号12月8日已预约过综合受理"):
        b.book(booking(time(9, 30), time(10)), actor="wangfang", now=NOW)
    with pytest.raises(BookingError, match="没有12月8日 08:00–08:30这个预约时段"):
        b.book(booking(time(8), time(8, 30), id_number=""), actor="w", now=NOW)
    with pytest.raises(BookingError, match="这个时段已经过去"):
        b.book(booking(time(10), time(10, 30), id_number=""), actor="w", now=at(10, 31))
    with pytest.raises(BookingError, match="身份证号和手机号至少填一个"):
        b.book(booking(time(10), time(10, 30), id_number="", phone=""), actor="w", now=NOW)
    # cancelling gives the place back, and the log has every step
    b.cancel(first.booking_no, actor="wangfang", reason="群众来电取消", now=NOW)
    assert next(s for s in b.slots(DAY, "ZH") if s.start == time(9)).booked == 1
    actions = [e.action for e in b.queue.events_after(0)]
    assert actions.count(BookingAction.BOOK) == 2 and BookingAction.CANCEL in actions


def test_a_capacity_below_the_booked_places_is_refused(b: BookingStore) -> None:
    b.book(booking(), actor="w", now=NOW)
    b.book(booking(id_number="", name="李四"), actor="w", now=NOW)
    slot = day_slots("ZH", DAY, time(9), time(9, 30), 30, 1)
    with pytest.raises(BookingError, match="已有2人预约，可预约人数不能少于2"):
        b.save_slots(slot, actor="chen", now=NOW)


def test_check_in_once_within_the_slot_with_the_proof(b: BookingStore) -> None:
    no = b.book(booking(), actor="w", now=NOW).booking_no

    def refused(proof: str | None, now: datetime) -> tuple[Refusal | None, str]:
        with pytest.raises(BookingError) as info:
            b.check_in(no, proof=proof, actor="kiosk", now=now)
        return info.value.refusal, str(info.value)

    # the day before, too early, too late: said why (with the right proof)
    assert refused("4477", at(9, 0, date(2026, 12, 7)))[0] is Refusal.OTHER_DAY
    assert refused("4477", at(8, 29)) == (
        Refusal.TOO_EARLY, "您预约的时段是09:00–09:30，还没到签到时间：请于08:30以后签到",
    )  # fmt: skip
    assert refused("5678", at(9, 46))[0] is Refusal.TOO_LATE
    # a wrong proof reads like an unknown number
    assert refused("0000", at(9, 0)) == (Refusal.NOT_FOUND, NOT_FOUND_TEXT)
    with pytest.raises(BookingError) as unknown:
        b.check_in("YY1208-NOSUCH", proof="4477", actor="kiosk", now=at(9))
    assert unknown.value.refusal is Refusal.NOT_FOUND and str(unknown.value) == NOT_FOUND_TEXT

    ticket = b.check_in(no.lower(), proof="5678", actor="kiosk", now=at(8, 35))
    assert ticket.display == "A001" and ticket.kind is TicketKind.APPOINTMENT
    assert ticket.note == no and ticket.status is TicketStatus.WAITING
    found = b.find(no, now=at(8, 35))
    assert found is not None and found.status is BookingStatus.CHECKED_IN
    assert found.ticket == "A001" and found.checked_in_at == at(8, 35)
    assert refused("4477", at(8, 40)) == (
        Refusal.USED, "此预约已于08:35签到过，号码为 A001，一个预约只能签到一次",
    )  # fmt: skip
    issue = [e for e in b.queue.events_after(0) if e.action == Action.ISSUE]
    assert issue[-1].detail["booking"] == no and issue[-1].detail["verified"] == "后4位"


def test_a_booked_ticket_is_not_held_back_by_the_daily_cap(b: BookingStore) -> None:
    no = b.book(booking(category="SB", start=time(9), end=time(10)), actor="w", now=NOW)
    b.queue.issue_ticket("SB", now=at(8, 50))  # the one walk-in ticket of the day
    ticket = b.check_in(no.booking_no, proof=None, actor="wangfang", now=at(9, 5))
    assert ticket.display == "B002"
    issue = [e for e in b.queue.events_after(0) if e.action == Action.ISSUE]
    assert issue[-1].actor == "wangfang" and issue[-1].detail["verified"] == "窗口核验"


def test_wrong_proofs_lock_the_booking_to_the_counter(b: BookingStore) -> None:
    no = b.book(booking(), actor="w", now=NOW).booking_no
    for _ in range(LOCK_AFTER):
        with pytest.raises(BookingError, match=NOT_FOUND_TEXT):
            b.check_in(no, proof="1111", actor="kiosk", now=at(9))
    # the right proof now sends the applicant to a clerk; a wrong one still says nothing
    with pytest.raises(BookingError, match=LOCKED_TEXT):
        b.check_in(no, proof="4477", actor="kiosk", now=at(9))
    with pytest.raises(BookingError, match=NOT_FOUND_TEXT):
        b.check_in(no, proof="2222", actor="kiosk", now=at(9))
    assert b.check_in(no, proof=None, actor="wangfang", now=at(9)).display == "A001"
    failed = [e for e in b.queue.events_after(0) if e.action == BookingAction.PROOF_FAILED]
    assert len(failed) == LOCK_AFTER + 1


def test_no_shows_and_the_days_figures(b: BookingStore) -> None:
    early = b.book(booking(), actor="w", now=NOW).booking_no
    b.book(booking(time(9, 30), time(10), id_number="", name="李四"), actor="w", now=NOW)
    b.book(booking(time(10), time(10, 30), id_number="", name="王五"), actor="w", now=NOW)
    gone = b.book(booking(time(10), time(10, 30), id_number="", name="赵六"), actor="w", now=NOW)
    b.cancel(gone.booking_no, actor="w", reason="改期", now=NOW)
    b.check_in(early, proof="4477", actor="kiosk", now=at(9, 1))
    figures = b.day_figures(DAY, now=at(10, 16))  # 09:30 slot closed at 10:15
    assert (figures.booked, figures.checked_in, figures.no_shows, figures.cancelled) == (3, 1, 1, 1)
    assert figures.expected == 1
    rows = b.bookings(DAY, now=at(10, 16))
    assert [(r.name, r.state_text) for r in rows] == [
        ("张三", "已签到（A001）"), ("李四", "爽约"), ("王五", "已预约"), ("赵六", "已取消"),
    ]  # fmt: skip


HEADER = ["预约号", "业务类别", "预约日期", "开始时间", "结束时间", "姓名", "身份证号", "手机号"]


def test_an_import_is_all_or_nothing(b: BookingStore) -> None:
    good = [
        ["SD001", "综合受理", "2026-12-08", "09:00", "09:30", "张三", ID, ""],
        ["SD002", "ZH", "2026-12-08", "09:00", "09:30", "李四", "", PHONE],
    ]
    bad = [*good, ["SD003", "ZH", "2026-12-08", "09:00", "09:30", "王五", "", "13800000000"],
           ["SD004", "户籍", "2026-12-08", "09:00", "09:30", "赵六", "", "13800000001"],
           ["SD005", "SB", "2026-12-08", "11:00", "11:30", "钱七", "", "13800000002"]]  # fmt: skip
    lines, problems = parse_import([HEADER, *bad], NOW.date())
    assert problems == []
    with pytest.raises(ImportRefused) as info:
        b.import_lines(lines, actor="chen", now=NOW)
    assert info.value.problems == [
        "第4行：综合受理12月8日 09:00–09:30已约满（2人）",
        "第5行：业务类别“户籍”不存在",
        "第6行：社保医保没有12月8日 11:00–11:30这个预约时段，请先设置预约时段",
    ]
    with b.queue.engine.connect() as conn:  # nothing was written
        assert conn.execute(select(QueueBookingRow.id)).all() == []
        assert {r.booked for r in conn.execute(select(QueueSlotRow.booked))} == {0}
    lines, _ = parse_import([HEADER, *good], NOW.date())
    result = b.import_lines(lines, actor="chen", now=NOW, source_name="省平台.csv")
    assert (result.added, result.already) == (2, 0)
    assert b.import_lines(lines, actor="chen", now=NOW).already == 2  # imported twice: no-op
    assert [x.source for x in b.bookings(DAY, now=NOW)] == [BookingSource.PROVINCE] * 2
    changed = [["SD001", "ZH", "2026-12-08", "09:30", "10:00", "张三", ID, ""]]
    lines, _ = parse_import([HEADER, *changed], NOW.date())
    with pytest.raises(ImportRefused, match="第2行：预约号SD001已存在，且内容与本行不同"):
        b.import_lines(lines, actor="chen", now=NOW)
    past = [["SD009", "ZH", "2026-12-08", "09:30", "10:00", "孙八", "", PHONE]]
    lines, _ = parse_import([HEADER, *past], NOW.date())
    with pytest.raises(ImportRefused, match="第2行：预约日期2026-12-08已过"):
        b.import_lines(lines, actor="chen", now=NOW + timedelta(days=2))
    assert b.find_by_id_number(ID, now=NOW)[0].booking_no == "SD001"
