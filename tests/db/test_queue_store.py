"""The hall queue store: every operation on a real SQLite file and a real PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.core.queue_policy import (
    CategorySpec,
    CounterSpec,
    QueuePolicy,
    TicketKind,
    TicketStatus,
    parse_hours,
)
from app.core.queue_records import Action, QueueError
from db.queue import QueueStore
from db.queue.writer_lock import WriterTurn
from db.queue_models import WAITING_SQL, QueueCallRow, QueueEvaluationRow
from db.store import StoreError

NOW = datetime(2026, 3, 2, 9, 0)  # a Monday
CASE = "370982101-A1-20260302-0001"


def at(minutes: float) -> datetime:
    return NOW + timedelta(minutes=minutes)


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'queue.sqlite3'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def q(url: str) -> Iterator[QueueStore]:
    """A hall: 综合 (A) and 社保 (B); window 1 serves A, 2 serves A and B 3:1, 3 serves B."""
    store = QueueStore.open(url)
    store.save_category(
        CategorySpec("ZH", "综合业务", "A", item_codes=("370999-MZ-001",)), actor="chen", now=NOW
    )
    store.save_category(CategorySpec("SB", "社保医保", "B"), actor="chen", now=NOW)
    store.save_counter(CounterSpec("1", "一号窗口", {"ZH": 1}), actor="chen", now=NOW)
    store.save_counter(CounterSpec("2", "二号窗口", {"ZH": 3, "SB": 1}), actor="chen", now=NOW)
    store.save_counter(CounterSpec("3", "三号窗口", {"SB": 1}), actor="chen", now=NOW)
    yield store
    store.close()


def issue(q: QueueStore, category: str = "ZH", n: int = 1, **kw: object) -> list[str]:
    return [q.issue_ticket(category, now=NOW, **kw).display for _ in range(n)]  # type: ignore[arg-type]


def call(q: QueueStore, window: str, minutes: float = 0, **kw: object) -> str | None:
    t = q.call_next(window, clerk=f"clerk{window}", now=at(minutes), **kw)  # type: ignore[arg-type]
    return t.display if t else None


# ---------------------------------------------------------------- issuing


def test_issue_numbers_places_and_the_log(q: QueueStore) -> None:
    before = q.last_event_no()
    a1 = q.issue_ticket("ZH", now=NOW)
    a2 = q.issue_ticket("ZH", now=NOW, actor="kiosk-2")
    b1 = q.issue_ticket("SB", kind=TicketKind.GREEN, note="老年人", now=NOW)
    assert (a1.display, a2.display, b1.display) == ("A001", "A002", "B001")
    assert a1.seq < a2.seq < b1.seq
    assert (a1.waiting_ahead, a2.waiting_ahead, b1.waiting_ahead) == (0, 1, 0)
    assert a1.status is TicketStatus.WAITING and a1.day == NOW.date()
    assert b1.kind is TicketKind.GREEN and b1.note == "老年人"
    assert q.last_event_no() == before + 3
    events = q.events_after(before)
    assert [(e.no, e.action, e.ticket, e.actor) for e in events] == [
        (before + 1, Action.ISSUE, "A001", "kiosk"),
        (before + 2, Action.ISSUE, "A002", "kiosk-2"),
        (before + 3, Action.ISSUE, "B001", "kiosk"),
    ]
    assert events[2].reason == "老年人" and events[2].at == NOW
    assert q.ticket(a2.id) == replace(a2, waiting_ahead=None)


def test_a_reached_cap_is_a_clear_error_but_appointments_still_come(q: QueueStore) -> None:
    q.save_category(CategorySpec("LH", "老年优待", "C", daily_cap=2), actor="chen", now=NOW)
    assert issue(q, "LH", 2) == ["C001", "C002"]
    with pytest.raises(QueueError, match="老年优待今日的号已取完（每日上限2个），请改日再来"):
        q.issue_ticket("LH", now=NOW)
    booked = q.issue_ticket("LH", kind=TicketKind.APPOINTMENT, note="YY20260302-07", now=NOW)
    assert booked.display == "C003"  # the refused ticket used no number
    tomorrow = q.issue_ticket("LH", now=NOW + timedelta(days=1))
    assert tomorrow.display == "C001"


def test_a_used_up_number_range_is_a_clear_error(q: QueueStore) -> None:
    q.save_category(
        CategorySpec("GS", "工商登记", "D", number_start=98, number_end=99), actor="chen", now=NOW
    )
    assert issue(q, "GS", 2) == ["D098", "D099"]
    with pytest.raises(QueueError, match="工商登记今日号段已用完（D098至D099）"):
        q.issue_ticket("GS", now=NOW)


def test_outside_issuing_hours_is_refused_in_chinese(q: QueueStore) -> None:
    hours = parse_hours("08:30-11:30,13:30-17:00")
    q.save_category(CategorySpec("BZ", "不动产", "E", issue_hours=hours), actor="chen", now=NOW)
    q.issue_ticket("BZ", now=datetime(2026, 3, 2, 8, 30))
    for moment in (datetime(2026, 3, 2, 12, 0), datetime(2026, 3, 2, 8, 29, 59)):
        with pytest.raises(
            QueueError, match=r"现在不在不动产的取号时间（08:30–11:30、13:30–17:00）"
        ):
            q.issue_ticket("BZ", now=moment)
    assert q.issue_ticket("BZ", now=datetime(2026, 3, 2, 13, 30)).display == "E002"


def test_issuing_needs_a_known_open_category_and_reasons(q: QueueStore) -> None:
    with pytest.raises(QueueError, match="业务类别“XX”不存在"):
        q.issue_ticket("XX", now=NOW)
    with pytest.raises(QueueError, match="绿色通道号须注明原因"):
        q.issue_ticket("ZH", kind=TicketKind.GREEN, now=NOW)
    with pytest.raises(QueueError, match="预约号须填写预约编号"):
        q.issue_ticket("ZH", kind=TicketKind.APPOINTMENT, now=NOW)
    q.save_category(CategorySpec("SB", "社保医保", "B", active=False), actor="chen", now=NOW)
    with pytest.raises(QueueError, match="社保医保暂停取号"):
        q.issue_ticket("SB", now=NOW)


# ---------------------------------------------------------------- calling


def test_call_next_follows_the_rules_and_logs_why(q: QueueStore) -> None:
    issue(q, "ZH", 3)  # A001 A002 A003
    issue(q, "SB", 2)  # B001 B002
    issue(q, "ZH", kind=TicketKind.GREEN, note="孕妇")  # A004 (green)
    before = q.last_event_no()
    # window 2: green first; then weights 3:1 between A and B
    got = [call(q, "2", i) for i in range(6)]
    assert got == ["A004", "A001", "A002", "B001", "A003", "B002"]
    assert call(q, "2", 7) is None  # nobody left; the one being served is finished
    assert q.counters()[1].current is None
    events = q.events_after(before)
    calls = [e for e in events if e.action == Action.CALL]
    assert [e.ticket for e in calls] == got
    assert calls[0].reason == "优先号先叫" and calls[0].actor == "clerk2"
    assert calls[0].window_no == "2"
    finishes = [e for e in events if e.action == Action.FINISH]
    assert [e.ticket for e in finishes] == got  # each finished by the next "next"
    with q.engine.connect() as conn:
        rules = conn.execute(select(QueueCallRow.rule).order_by(QueueCallRow.called_at)).scalars()
        assert next(iter(rules)) == "优先号先叫"


def test_a_ticket_being_served_blocks_next_unless_finishing_it(q: QueueStore) -> None:
    issue(q, "ZH", 2)
    assert call(q, "1") == "A001"
    with pytest.raises(QueueError, match="A001还在办理，请先办结、过号或转移"):
        call(q, "1", finish_current=False)
    assert call(q, "1") == "A002"
    assert q.find_ticket("a1", now=NOW).status is TicketStatus.DONE  # type: ignore[union-attr]
    with pytest.raises(QueueError, match="9号窗口未设置"):
        call(q, "9")


def test_call_a_ticket_by_its_number(q: QueueStore) -> None:
    issue(q, "ZH", 3)
    a3 = q.find_ticket("A003", now=NOW)
    assert a3 is not None
    called = q.call_ticket("1", a3.id, clerk="wang", reason="领取证件", now=at(1))
    assert called.display == "A003" and called.window_no == "1" and called.clerk == "wang"
    event = q.events_after(q.last_event_no() - 1)[0]
    assert (event.action, event.reason) == (Action.CALL_TICKET, "领取证件")
    with pytest.raises(QueueError, match="A003已在1号窗口呼叫"):
        q.call_ticket("2", a3.id, clerk="li", now=at(2))
    assert call(q, "1", 3) == "A001"  # the order goes on where it was
    with pytest.raises(QueueError, match="A003已办结"):
        q.call_ticket("2", a3.id, clerk="li", now=at(4))


def test_recall_up_to_the_limit_then_it_is_skipped_by_itself(q: QueueStore) -> None:
    q.set_policy(QueuePolicy(recall_limit=2), actor="chen", now=NOW)
    issue(q, "ZH", 2)
    call(q, "1")
    first = q.recall("1", clerk="clerk1", now=at(1))
    second = q.recall("1", clerk="clerk1", now=at(2))
    assert (first.recalls, first.skipped, second.recalls, second.skipped) == (1, False, 2, False)
    third = q.recall("1", clerk="clerk1", now=at(3))
    assert third.skipped and third.ticket.status is TicketStatus.SKIPPED
    actions = [(e.action, e.reason) for e in q.events_after(q.last_event_no() - 3)]
    assert actions == [
        (Action.RECALL, "第1次重呼"),
        (Action.RECALL, "第2次重呼"),
        (Action.AUTO_SKIP, "重呼2次未到，自动过号"),
    ]
    with pytest.raises(QueueError, match="1号窗口当前没有正在办理的号"):
        q.recall("1", clerk="clerk1", now=at(4))
    assert call(q, "1", 5) == "A002"
    stats = q.day_stats(NOW.date())
    assert stats.by_category["ZH"].no_shows == 1


def test_skip_with_a_reason_and_reactivate_at_the_end_or_in_place(q: QueueStore) -> None:
    issue(q, "ZH", 4)
    call(q, "1")
    with pytest.raises(QueueError, match="请填写过号原因"):
        q.skip("1", clerk="clerk1", reason=" ", now=at(1))
    skipped = q.skip("1", clerk="clerk1", reason="叫号三次未到", now=at(1))
    assert skipped.status is TicketStatus.SKIPPED
    assert q.events_after(q.last_event_no() - 1)[0].reason == "叫号三次未到"
    # the hall's rule (default): back at the end
    back = q.reactivate(skipped.id, actor="kiosk", reason="申请人返回", now=at(2))
    assert back.status is TicketStatus.WAITING and back.seq > q.find_ticket("A004", now=NOW).seq  # type: ignore[union-attr]
    assert [call(q, "1", 3 + i) for i in range(4)] == ["A002", "A003", "A004", "A001"]
    # keeping its place: first again
    issue(q, "ZH", 2)  # A005 A006
    call(q, "1", 10)  # A005
    a5 = q.skip("1", clerk="clerk1", now=at(11))
    q.reactivate(a5.id, actor="clerk1", keep_place=True, now=at(12))
    assert call(q, "1", 13) == "A005"
    with pytest.raises(QueueError, match="A005已在1号窗口呼叫"):
        q.reactivate(a5.id, actor="kiosk", now=at(14))
    a6 = q.find_ticket("A006", now=NOW)
    with pytest.raises(QueueError, match="A006正在等候，没有过号"):
        q.reactivate(a6.id, actor="kiosk", now=at(14))  # type: ignore[union-attr]


def test_transfer_to_a_category_keeping_the_place_or_going_to_the_end(q: QueueStore) -> None:
    issue(q, "SB", 2)  # B001 B002
    issue(q, "ZH", 1)  # A001
    call(q, "1")  # A001 at window 1: it is really a 社保 matter
    moved = q.transfer("1", clerk="clerk1", to_category="SB", reason="社保业务", now=at(1))
    assert moved.status is TicketStatus.WAITING and moved.category == "SB"
    assert moved.display == "A001"  # the applicant keeps the paper ticket
    event = q.events_after(q.last_event_no() - 1)[0]
    assert event.action == Action.TRANSFER and event.detail["keep_place"] is True
    assert [call(q, "3", 2 + i) for i in range(3)] == ["B001", "B002", "A001"]  # place kept
    # to the end instead
    issue(q, "ZH", 1)  # A002
    issue(q, "SB", 1)  # B003
    call(q, "1", 10)  # A002
    q.transfer("1", clerk="clerk1", to_category="SB", keep_place=False, now=at(11))
    assert [call(q, "3", 12 + i) for i in range(2)] == ["B003", "A002"]
    with pytest.raises(QueueError, match="请选择转到的业务类别或窗口"):
        q.transfer("3", clerk="clerk3", now=at(20))
    q.finish("3", clerk="clerk3", now=at(20))
    with pytest.raises(QueueError, match="3号窗口当前没有正在办理的号"):
        q.transfer("3", clerk="clerk3", to_category="ZH", now=at(20))


def test_transfer_to_a_window_is_called_there_first_and_only_there(q: QueueStore) -> None:
    issue(q, "ZH", 3)  # A001 A002 A003
    call(q, "1")  # A001
    sent = q.transfer("1", clerk="clerk1", to_window="2", reason="需首席代表核准", now=at(1))
    assert sent.target_window == "2"
    assert call(q, "1", 2) == "A002"  # window 1 does not see it
    assert call(q, "2", 3) == "A001"  # window 2 calls it first
    with pytest.raises(QueueError, match="不能转到本窗口"):
        q.transfer("2", clerk="clerk2", to_window="2", now=at(4))
    with pytest.raises(QueueError, match="7号窗口未设置"):
        q.transfer("2", clerk="clerk2", to_window="7", now=at(4))


def test_pause_and_resume_with_reasons(q: QueueStore) -> None:
    issue(q, "ZH", 2)
    with pytest.raises(QueueError, match="请填写暂停原因"):
        q.pause("1", clerk="clerk1", reason="", now=NOW)
    q.pause("1", clerk="clerk1", reason="系统维护", now=NOW)
    assert q.counters()[0].paused and q.counters()[0].pause_reason == "系统维护"
    with pytest.raises(QueueError, match=r"1号窗口已暂停服务（系统维护），请先恢复服务"):
        call(q, "1")
    with pytest.raises(QueueError, match="1号窗口已经暂停服务"):
        q.pause("1", clerk="clerk1", reason="又暂停", now=NOW)
    q.resume("1", clerk="clerk1", reason="维护完毕", now=at(5))
    assert call(q, "1", 6) == "A001"
    with pytest.raises(QueueError, match="1号窗口没有暂停服务"):
        q.resume("1", clerk="clerk1", now=at(7))
    actions = [e.action for e in q.events_after(0)]
    assert Action.PAUSE in actions and Action.RESUME in actions


def test_finish_links_the_cases_made_at_the_counter(q: QueueStore) -> None:
    issue(q, "ZH", 1)
    call(q, "1")
    with pytest.raises(QueueError, match="不是有效的办件编号"):
        q.finish("1", clerk="clerk1", case_nos=["A-1"], now=at(5))
    done = q.finish("1", clerk="clerk1", case_nos=[CASE, "370982101-A1-20260302-0002"], now=at(5))
    assert done.status is TicketStatus.DONE
    assert done.case_nos == (CASE, "370982101-A1-20260302-0002")
    assert q.events_after(q.last_event_no() - 1)[0].detail["case_nos"][0] == CASE
    assert q.last_finished("1") == q.ticket(done.id)
    with pytest.raises(QueueError, match="1号窗口当前没有正在办理的号"):
        q.finish("1", clerk="clerk1", now=at(6))


def test_one_evaluation_per_service(q: QueueStore) -> None:
    issue(q, "ZH", 2)
    call(q, "1")
    a1 = q.find_ticket("A001", now=NOW)
    assert a1 is not None
    with pytest.raises(QueueError, match="A001还没有办结，办结后才能评价"):
        q.evaluate(a1.id, "满意", now=at(1))
    q.finish("1", clerk="clerk1", now=at(4))
    with pytest.raises(QueueError, match="评价等级应为1至5"):
        q.evaluate(a1.id, 0, now=at(5))
    with pytest.raises(QueueError, match="服务态度"):
        q.evaluate(a1.id, 5, dimensions={"服务态度": 7}, now=at(5))
    q.evaluate(
        a1.id, "非常满意", dimensions={"服务态度": 5, "办事效率": 4}, comment="很快", now=at(5)
    )
    with pytest.raises(QueueError, match="A001已经评价过，每次服务只能评价一次（一次一评）"):
        q.evaluate(a1.id, 1, now=at(6))
    with q.engine.connect() as conn:
        row = conn.execute(select(QueueEvaluationRow)).one()
        assert (row.level, row.label, row.window_no, row.clerk) == (5, "非常满意", "1", "clerk1")
        assert row.ticket_id == a1.id and row.call_id is not None
        assert row.dimensions == {"服务态度": 5, "办事效率": 4}
        assert conn.execute(select(func.count()).select_from(QueueEvaluationRow)).scalar() == 1
    event = q.events_after(q.last_event_no() - 1)[0]
    assert (event.action, event.detail["label"], event.window_no) == (
        Action.EVALUATE,
        "非常满意",
        "1",
    )
    assert q.day_stats(NOW.date()).by_clerk["clerk1"].satisfaction == 1.0


# ---------------------------------------------------------------- the daily reset


def test_daily_reset_without_carry_over(q: QueueStore) -> None:
    issue(q, "ZH", 3)
    call(q, "1")  # A001 served; A002, A003 left waiting at closing time
    q.finish("1", clerk="clerk1", now=at(5))
    a2 = q.find_ticket("A002", now=NOW)
    assert a2 is not None
    morning = datetime(2026, 3, 3, 8, 0)
    fresh = q.issue_ticket("ZH", now=morning)
    assert fresh.display == "A001" and fresh.day == date(2026, 3, 3)  # numbers restart
    assert [t.display for t in q.waiting(now=morning)] == ["A001"]
    assert q.call_next("1", clerk="clerk1", now=morning).id == fresh.id  # type: ignore[union-attr]
    assert q.call_next("1", clerk="clerk1", now=morning) is None  # yesterday's never called
    assert q.close_day(actor="system", now=morning) == 2
    assert q.ticket(a2.id).status is TicketStatus.EXPIRED
    assert q.close_day(now=morning) == 0  # safe to repeat
    expire = [e for e in q.events_after(0) if e.action == Action.EXPIRE]
    assert expire[0].detail == {"category": "ZH", "expired": 2}


def test_a_no_show_of_yesterday_cannot_come_back(q: QueueStore) -> None:
    issue(q, "ZH", 1)
    call(q, "1")
    a1 = q.skip("1", clerk="clerk1", now=at(1))
    with pytest.raises(QueueError, match="A001是2026-03-02的号，已过期，不能恢复，请重新取号"):
        q.reactivate(a1.id, actor="kiosk", now=datetime(2026, 3, 3, 8, 0))


def test_daily_reset_with_carry_over_at_a_set_time(q: QueueStore) -> None:
    spec = CategorySpec("SB", "社保医保", "B", reset_time=time(6, 0), carry_over=True)
    q.save_category(spec, actor="chen", now=NOW)
    late = datetime(2026, 3, 3, 5, 30)  # before 06:00: still the 2 March queue day
    assert issue(q, "SB", 3) == ["B001", "B002", "B003"]
    assert q.issue_ticket("SB", now=late).display == "B004"
    q.call_next("3", clerk="clerk3", now=late)  # B001
    b2 = q.call_next("3", clerk="clerk3", now=late)  # B002, then a no-show
    assert b2 is not None
    q.skip("3", clerk="clerk3", now=late)
    morning = datetime(2026, 3, 3, 8, 0)
    new = [q.issue_ticket("SB", now=morning).display for _ in range(3)]
    assert new == ["B001", "B005", "B006"]  # B002–B004 are still held by yesterday's queue
    assert q.close_day(now=morning) == 0
    order = [call(q, "3", 60 * 24 + i) for i in range(5)]
    assert order == ["B003", "B004", "B001", "B005", "B006"]  # carried first, in place order
    assert q.reactivate(b2.id, actor="kiosk", now=morning).status is TicketStatus.WAITING


# ---------------------------------------------------------------- reading


def test_events_are_numbered_without_gaps_in_commit_order(q: QueueStore) -> None:
    issue(q, "ZH", 3)
    call(q, "1")
    events = q.events_after(0)
    assert [e.no for e in events] == list(range(1, len(events) + 1))
    assert events[-1].no == q.last_event_no()
    assert q.events_after(events[-1].no) == []
    assert [e.no for e in q.events_after(0, limit=2)] == [1, 2]
    assert events[0].action == Action.SET_CATEGORY and events[0].actor == "chen"


def test_day_stats_per_category_and_clerk(q: QueueStore) -> None:
    # A001, A002 at 09:00; B001 at 09:00
    issue(q, "ZH", 2)
    issue(q, "SB", 1)
    q.call_next("1", clerk="wang", now=at(10))  # A001 waited 10 min
    q.call_next("1", clerk="wang", now=at(16))  # A001 served 6 min; A002 waited 16
    q.skip("1", clerk="wang", now=at(18))  # A002 no-show
    q.call_next("3", clerk="li", now=at(20))  # B001 waited 20
    q.finish("3", clerk="li", now=at(30))  # served 10
    b1 = q.find_ticket("B001", now=NOW)
    q.evaluate(b1.id, "不满意", now=at(31))  # type: ignore[union-attr]
    stats = q.day_stats(NOW.date())
    zh, sb = stats.by_category["ZH"], stats.by_category["SB"]
    assert (zh.issued, zh.calls, zh.served, zh.no_shows) == (2, 2, 1, 1)
    assert zh.wait.mean == 13 * 60 and zh.service.count == 1 and zh.service.mean == 6 * 60
    assert zh.no_show_rate == 0.5
    assert (sb.wait.mean, sb.service.mean, sb.satisfaction) == (20 * 60, 10 * 60, 0.0)
    wang, li = stats.by_clerk["wang"], stats.by_clerk["li"]
    assert (wang.calls, wang.served, wang.no_shows, li.served, li.evaluations) == (2, 1, 1, 1, 1)
    assert stats.total.issued == 3 and stats.total.calls == 3 and stats.total.wait.max == 20 * 60
    q.call_next("3", clerk="li", now=at(40))  # nobody: nothing changes
    assert q.day_stats(NOW.date()).total.calls == 3
    issue(q, "SB", 1)
    q.call_next("3", clerk="li", now=at(45))  # still being served: counts as a call
    assert q.day_stats(NOW.date()).by_clerk["li"].calls == 2


def test_set_up_errors_and_shared_changes(q: QueueStore, url: str) -> None:
    with pytest.raises(QueueError, match="号码前缀“A”已被类别“ZH”使用"):
        q.save_category(CategorySpec("QT", "其他", "A"), actor="chen", now=NOW)
    with pytest.raises(QueueError, match="号码前缀“a”应为1至2个大写字母"):
        q.save_category(CategorySpec("QT", "其他", "a"), actor="chen", now=NOW)
    with pytest.raises(QueueError, match="业务类别“QT”不存在"):
        q.save_counter(CounterSpec("5", weights={"QT": 1}), actor="chen", now=NOW)
    with pytest.raises(QueueError, match="插队上限应为1至10000之间的整数"):
        q.set_policy(QueuePolicy(max_jump=0), actor="chen", now=NOW)
    assert q.category_for_item("370999-MZ-001").code == "ZH"  # type: ignore[union-attr]
    assert q.category_for_item("nothing") is None
    other = QueueStore.open(url)  # another process's view of the same hall
    try:
        assert other.policy() == QueuePolicy()
        q.set_policy(QueuePolicy(max_jump=5, recall_limit=0), actor="chen", reason="试行", now=NOW)
        q.save_counter(CounterSpec("1", "一号窗口", {"SB": 1}), actor="chen", now=NOW)
        assert other.policy().max_jump == 5
        issue(q, "SB", 1)
        assert other.call_next("1", clerk="x", now=NOW).display == "B001"  # type: ignore[union-attr]
        assert other.recall("1", clerk="x", now=NOW).skipped  # recall limit 0
    finally:
        other.close()
    assert q.counters()[0].weights == {"SB": 1}


@pytest.mark.pg
def test_a_lost_connection_is_a_clear_error_and_the_next_operation_reconnects(
    pg_url: str,
) -> None:
    from sqlalchemy import create_engine, text

    store = QueueStore.open(pg_url)
    try:
        store.save_category(CategorySpec("ZH", "综合业务", "A"), actor="chen", now=NOW)
        admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        admin.dispose()
        with pytest.raises(StoreError, match="排队数据库暂时不可用，请稍后重试"):
            store.issue_ticket("ZH", now=NOW)
        assert store.issue_ticket("ZH", now=NOW).display == "A001"
    finally:
        store.close()


def test_the_partial_indexes_name_the_waiting_status() -> None:
    """The lane indexes hold waiting tickets only; their condition is SQL text."""
    assert f"status = '{TicketStatus.WAITING.value}'" == WAITING_SQL


def test_sqlite_writers_take_turns_or_fall_back(tmp_path: Path) -> None:
    store = QueueStore.open(f"sqlite:///{tmp_path / 'q.sqlite3'}")
    try:
        assert (tmp_path / "q.sqlite3-queue.lock").exists()
        store.save_category(CategorySpec("ZH", "综合业务", "A"), actor="chen", now=NOW)
    finally:
        store.close()
    blocked = WriterTurn(str(tmp_path / "no" / "such" / "folder" / "q.sqlite3"))
    with blocked.turn():  # no lock file possible: SQLite's own busy wait decides alone
        pass
    blocked.close()


def test_one_booking_gives_one_ticket_a_day_even_from_two_kiosks(url: str, q: QueueStore) -> None:
    import threading

    from app.core.queue_policy import TicketKind

    other = QueueStore.open(url)  # the second kiosk
    results: list[object] = []

    def check_in(store: QueueStore, category: str) -> None:
        try:
            results.append(
                store.issue_ticket(
                    category, kind=TicketKind.APPOINTMENT, note="YY20260302-17", now=at(1)
                )
            )
        except QueueError as exc:
            results.append(exc)

    try:
        threads = [
            threading.Thread(target=check_in, args=(s, c)) for s, c in ((q, "ZH"), (other, "SB"))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        other.close()
    tickets = [r for r in results if not isinstance(r, QueueError)]
    refused = [r for r in results if isinstance(r, QueueError)]
    assert len(tickets) == 1 and len(refused) == 1
    assert "此预约号今日已签到" in str(refused[0]) and tickets[0].display in str(refused[0])  # type: ignore[attr-defined]
    # the next day the same booking number is a new check-in
    q.issue_ticket("ZH", kind=TicketKind.APPOINTMENT, note="YY20260302-17", now=at(24 * 60 + 1))


def test_a_ticket_that_does_not_exist_is_refused_and_nothing_is_logged(q: QueueStore) -> None:
    nobody = uuid.uuid4()
    before = q.last_event_no()
    with pytest.raises(QueueError, match=r"^没有这个号$"):
        q.call_ticket("1", nobody, clerk="clerk1", now=NOW)
    with pytest.raises(QueueError, match=r"^没有这个号$"):
        q.reactivate(nobody, actor="chen", now=NOW)
    with pytest.raises(QueueError, match=r"^没有这个号$"):
        q.evaluate(nobody, 5, now=NOW)
    with pytest.raises(QueueError, match=r"^没有这个号$"):
        q.ticket(nobody)
    assert q.last_event_no() == before


def test_a_ticket_served_at_two_windows_is_rated_once_per_service_with_its_cases(
    q: QueueStore,
) -> None:
    issue(q, "ZH", 1)
    a1 = q.call_next("1", clerk="wang", now=at(1))
    assert a1 is not None
    q.transfer("1", clerk="wang", to_window="2", reason="社保业务", now=at(3))
    first = q.evaluate(a1.id, "满意", now=at(4))  # the service at window 1
    with pytest.raises(QueueError, match="每次服务只能评价一次"):
        q.evaluate(a1.id, "不满意", now=at(4))
    assert q.call_next("2", clerk="li", now=at(5)) is not None
    q.finish("2", clerk="li", case_nos=[CASE], now=at(9))
    second = q.evaluate(a1.id, "非常不满意", comment="态度差", now=at(10))
    assert first != second
    bad = q.evaluations(max_level=2)
    assert [(e.id, e.ticket, e.window_no, e.clerk, e.case_nos, e.label) for e in bad] == [
        (second, "A001", "2", "li", (CASE,), "非常不满意")
    ]
    every = q.evaluations()
    assert [(e.window_no, e.clerk, e.case_nos) for e in every] == [
        ("1", "wang", ()),
        ("2", "li", (CASE,)),
    ]
    assert q.evaluations(since=at(10)) == bad
