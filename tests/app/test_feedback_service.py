"""好差评 and complaints end to end on real SQLite files: 差评 from the hall queue (one
evaluation per service) become follow-ups linked to their ticket and cases, go through
their loop with the injected clock (overdue across the 2026 Spring Festival), appeals
granted and upheld, a complaint routed and closed; every step an entry of the audit
chain, which still verifies and catches an edited step."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from app.core.accounts import Clerk
from app.core.clock import FixedClock
from app.core.feedback import Channel, Complaint, Kind, StepRefused
from app.core.queue_policy import CategorySpec, CounterSpec
from app.services.feedback import (
    ComplaintInvalid,
    FeedbackService,
    FollowUpChangedMeanwhile,
    View,
)
from db.audit import verify
from db.clerk_repo import add_clerk
from db.feedback_models import FollowUpRow
from db.models import SyncOutboxRow
from db.queue import QueueStore
from db.store import Store
from tests.db.test_case_repo import CAL
from tests.db.test_lifecycle_repo import _accepted

WANG = Clerk("wang", "王芳", "3")
LI = Clerk("li", "李强", "4")
CHEN = Clerk("chen", "陈主任", "", role="manager")
DAY = datetime(2026, 2, 12, 10, 0)  # Thursday before the Spring Festival


@pytest.fixture
def queue(tmp_path: Path) -> Iterator[QueueStore]:
    q = QueueStore.open(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    q.save_category(CategorySpec("ZH", "综合业务", "A"), actor="chen", now=DAY)
    q.save_counter(CounterSpec("3", "三号窗口", {"ZH": 1}), actor="chen", now=DAY)
    q.save_counter(CounterSpec("4", "四号窗口", {"ZH": 1}), actor="chen", now=DAY)
    yield q
    q.close()


def _clerks(store: Store) -> None:
    with store.session() as s, s.begin():
        add_clerk(s, "wang", "王芳", "123456", window_no="3", now=DAY)
        add_clerk(s, "li", "李强", "123456", window_no="4", now=DAY)
        add_clerk(s, "chen", "陈主任", "123456", role="manager", now=DAY)


def _served(q: QueueStore, window: str, clerk: str, cases: list[str], level: str,
            minute: int) -> None:  # fmt: skip
    t = q.issue_ticket("ZH", now=DAY.replace(minute=minute))
    assert q.call_next(window, clerk=clerk, now=DAY.replace(minute=minute + 1)) is not None
    q.finish(window, clerk=clerk, case_nos=cases, now=DAY.replace(minute=minute + 2))
    q.evaluate(t.id, level, comment="等了很久" if level == "非常不满意" else "",
               now=DAY.replace(minute=minute + 3))  # fmt: skip


def service(store: Store, clock: FixedClock, clerk: Clerk, q: QueueStore | None = None,
            days: int = 5) -> FeedbackService:  # fmt: skip
    return FeedbackService(
        store, CAL, clock, clerk, workstation="A1", limit_days=lambda: days,
        evaluations=(lambda: q.evaluations(max_level=2)) if q is not None else None,
    )  # fmt: skip


def test_bad_reviews_through_their_loop_with_appeals_and_the_rates(
    sqlite_store: Store, queue: QueueStore
) -> None:
    _clerks(sqlite_store)
    case1 = _accepted(sqlite_store)
    case2 = _accepted(sqlite_store)
    _served(queue, "3", "wang", [case1], "非常不满意", 0)  # 实名: the case's applicant
    _served(queue, "3", "wang", [], "不满意", 10)  # no case: anonymous
    _served(queue, "3", "wang", [case2], "不满意", 20)  # 实名
    _served(queue, "4", "li", [], "满意", 30)  # not a 差评
    clock = FixedClock(DAY.replace(hour=11))
    chen = service(sqlite_store, clock, CHEN, queue)
    assert chen.collect() == 3
    assert chen.collect() == 0  # each evaluation is followed once
    rows = chen.follow_ups(View.OPEN, Kind.BAD_REVIEW)
    assert [(f.ticket, f.level, f.case_nos, f.applicant_name, f.contact, f.target_name)
            for f in rows] == [
        ("A001", 1, (case1,), "张三", "13800138000", "王芳"),
        ("A002", 2, (), "", "", "王芳"),
        ("A003", 2, (case2,), "张三", "13800138000", "王芳"),
    ]  # fmt: skip
    r1, r2, r3 = rows
    # 5 working days from Thu 12 Feb: Fri 13, Sat 14 (调休), Tue 24, Wed 25, Thu 26
    assert {f.due_on.isoformat() for f in rows} == {"2026-02-26"}
    assert r1.remaining == 5 and r1.content == "非常不满意：等了很久"
    assert r1.actions == {"回访核实"}
    wang = service(sqlite_store, clock, WANG)
    assert wang.follow_up(r1.id).actions == {"申诉"}  # type: ignore[union-attr]
    with pytest.raises(StepRefused, match="不能由被评价（被投诉）的工作人员本人办理"):
        wang.verify(r1.id, r1.row_version, "我回访过了")

    # the holiday week: nothing is overdue yet
    clock.set("2026-02-20T10:00")
    assert chen.follow_ups(View.OVERDUE) == []
    r1 = chen.verify(r1.id, r1.row_version, "电话回访张三，等候40分钟属实")
    with pytest.raises(FollowUpChangedMeanwhile, match="已不是您打开时的状态"):
        chen.verify(r1.id, 1, "再次")
    r1 = wang.rectify(r1.id, r1.row_version, "高峰时段增开窗口，启用预约分流")
    # the day after the due day: the two still open are overdue, r1 is not closed either
    clock.set("2026-02-27T09:00")
    overdue = chen.follow_ups(View.OVERDUE)
    assert [f.no for f in overdue] == [r1.no, r2.no, r3.no]
    assert all(f.overdue and f.remaining == -1 for f in overdue)
    r1 = chen.reply(r1.id, r1.row_version, "电话告知整改措施，张三表示满意", True)
    assert r1.status == "已反馈" and r1.closed_late and not r1.overdue
    assert [h.action for h in r1.history] == ["登记", "回访核实", "整改", "反馈"]
    assert [h.actor_name for h in r1.history] == ["陈主任", "陈主任", "王芳", "陈主任"]
    assert r1.history[-1].text == "反馈申请人（逾期）：电话告知整改措施，张三表示满意"
    assert r1.history[1].at.isoformat() == "2026-02-20T10:00:00"

    # r2: appeal granted, left out of the 差评
    r2 = wang.appeal(r2.id, r2.row_version, "该号未在本窗口办理业务，系误评")
    assert r2.status == "申诉中"
    with pytest.raises(StepRefused, match="只有大厅管理人员可以作出申诉复核决定"):
        service(sqlite_store, clock, LI).decide(r2.id, r2.row_version, True, "同意")
    r2 = chen.decide(r2.id, r2.row_version, True, "查看录像，确系误评")
    assert (r2.status, r2.appeal_granted, r2.decision_reason) == ("申诉成立", True,
                                                                  "查看录像，确系误评")  # fmt: skip
    assert not r2.overdue
    # r3: verified, appeal upheld, back to 已回访 and still overdue
    r3 = chen.verify(r3.id, r3.row_version, "回访属实")
    r3 = wang.appeal(r3.id, r3.row_version, "申请人材料不全")
    r3 = chen.decide(r3.id, r3.row_version, False, "材料不全应一次性告知，未告知属实")
    assert r3.status == "已回访" and r3.overdue and r3.appeal_granted is False
    assert [f.no for f in chen.follow_ups(View.CLOSED)] == [r1.no, r2.no]
    # by hand: 差评 r1, r3 (r2 excluded); 实名 both; called back both; rectified r1 only
    rates = chen.rates()
    assert (rates.bad_reviews, rates.real_name, rates.verified, rates.rectified,
            rates.excluded) == (2, 2, 2, 1, 1)  # fmt: skip
    assert rates.callback_rate == 1.0 and rates.rectify_rate == 0.5
    # the manager's figures read the same loop: window 3 in February, 1 of 2 rectified
    from app.core.figures import Dim, Grain
    from app.services.figures import FiguresService

    figures = FiguresService(sqlite_store, None, CAL, clock.today).load(
        Grain.MONTH, Dim.WINDOW, DAY.date().replace(day=1), DAY.date()
    )
    w3 = next(r for r in figures.rows if r.key == "3")
    assert w3.follow_ups is not None
    assert (w3.follow_ups.counted, w3.follow_ups.rectified) == (2, 1)
    assert w3.rectification_rate == 0.5
    assert [r.rectification_rate for r in figures.trend] == [0.5]

    # every step is in the audit chain, which verifies; an edited step is caught
    with sqlite_store.session() as s:
        checked = verify(s)
        assert checked.ok, checked.breaks
        pushed = s.scalars(select(SyncOutboxRow.payload)).all()
    steps = [p for p in pushed if "follow_up" in p]
    assert len(steps) == 3 + 3 + 2 + 3  # 3 opened; r1 3 steps; r2 2; r3 verify+appeal+decide
    assert all(len(p["audit_entry"]) == 1 and p["audit_entry"][0]["case_id"] is None
               for p in steps)  # fmt: skip
    with sqlite_store.session() as s, s.begin():
        s.execute(text("UPDATE audit_entry SET detail = replace(detail, '确系误评', '不是误评') "
                       "WHERE action = '申诉复核' AND detail LIKE '%确系误评%'"))  # fmt: skip
    with sqlite_store.session() as s:
        broken = verify(s)
    assert not broken.ok
    assert "申诉复核" in broken.breaks[0].message and r2.no in broken.breaks[0].message


def test_a_complaint_by_phone_and_one_at_the_counter(
    sqlite_store: Store, queue: QueueStore
) -> None:
    _clerks(sqlite_store)
    case1 = _accepted(sqlite_store)
    clock = FixedClock("2026-03-02T09:00")  # Monday
    wang = service(sqlite_store, clock, WANG, days=5)
    with pytest.raises(ComplaintInvalid) as bad:
        wang.register_complaint(Complaint(Channel.PHONE, "", "12", "", "", ""))
    assert set(bad.value.problems) == {"complainant", "contact", "content", "case_no"}
    with pytest.raises(ComplaintInvalid, match="本机没有办件 370982101-A1-20260101-0009"):
        wang.register_complaint(Complaint(Channel.PHONE, "赵六", "13900001111", "进度慢",
                                          "370982101-a1-20260101-0009"))  # fmt: skip
    # about a case: routed to its owner (首问负责), who handles it
    about_case = wang.register_complaint(
        Complaint(Channel.PHONE, "赵六", "13900001111", "承诺时限内未办结", case1)
    )
    assert (about_case.assignee, about_case.route, about_case.target) == (
        "wang", "办件负责人（首问负责）", "",
    )  # fmt: skip
    assert about_case.due_on.isoformat() == "2026-03-09" and about_case.no.startswith("TS-A1-")
    assert about_case.actions == {"回访核实"}
    about_case = wang.verify(about_case.id, about_case.row_version, "核实：材料在审查中")
    about_case = wang.rectify(about_case.id, about_case.row_version, "已加快审查")
    about_case = wang.reply(about_case.id, about_case.row_version, "电话答复赵六")
    assert about_case.status == "已反馈" and not about_case.closed_late

    # about a window: routed to its clerk, who may not verify a complaint about himself
    at_counter = wang.register_complaint(
        Complaint(Channel.COUNTER, "钱七", "0538-1234567", "四号窗口人员玩手机", window_no="4")
    )
    assert (at_counter.assignee_name, at_counter.target, at_counter.channel) == (
        "李强", "li", "窗口",
    )  # fmt: skip
    li = service(sqlite_store, clock, LI)
    with pytest.raises(StepRefused, match="本人办理"):
        li.verify(at_counter.id, at_counter.row_version, "没有的事")
    with pytest.raises(StepRefused, match="只有大厅管理人员或承办人可以回访核实"):
        wang.verify(at_counter.id, at_counter.row_version, "x")
    chen = service(sqlite_store, clock, CHEN)
    at_counter = chen.verify(at_counter.id, at_counter.row_version, "调取监控，属实")
    at_counter = li.rectify(at_counter.id, at_counter.row_version, "作出书面检查")
    clock.set("2026-03-10T09:00")  # the day after its due day
    assert [f.no for f in chen.follow_ups(View.OVERDUE, Kind.COMPLAINT)] == [at_counter.no]
    at_counter = chen.reply(at_counter.id, at_counter.row_version, "当面答复钱七")
    assert at_counter.closed_late
    listed = chen.follow_ups(View.ALL, Kind.COMPLAINT)
    assert {f.status for f in listed} == {"已反馈"}
    assert chen.rates().bad_reviews == 0  # complaints are not 差评
    with sqlite_store.session() as s:
        assert verify(s).ok
        assert s.scalar(select(FollowUpRow.row_version).where(FollowUpRow.id == at_counter.id)) == 4
    # a due day moved by plain SQL is caught, as a case's promised date is
    with sqlite_store.session() as s, s.begin():
        s.execute(text("UPDATE follow_up SET due_on = '2026-03-31' WHERE no = :no"),
                  {"no": at_counter.no})  # fmt: skip
    with sqlite_store.session() as s:
        broken = verify(s)
    assert [b.kind for b in broken.breaks] == ["row"]
    assert broken.breaks[0].message.startswith(
        f"好差评/投诉 {at_counter.no} 的数据（如期限、状态）"
    )


def test_a_limit_outside_five_to_fifteen_is_refused(sqlite_store: Store) -> None:
    _clerks(sqlite_store)
    clock = FixedClock("2026-03-02T09:00")
    wang = service(sqlite_store, clock, WANG, days=20)
    with pytest.raises(StepRefused, match="应为5至15个工作日，现在是20"):
        wang.register_complaint(Complaint(Channel.PHONE, "赵六", "13900001111", "慢",
                                          window_no="3"))  # fmt: skip


def test_an_entry_without_a_case_slipped_in_by_sql_is_reported(sqlite_store: Store) -> None:
    _clerks(sqlite_store)
    clock = FixedClock("2026-03-02T09:00")
    service(sqlite_store, clock, WANG).register_complaint(
        Complaint(Channel.PHONE, "赵六", "13900001111", "慢", window_no="3")
    )
    with sqlite_store.session() as s, s.begin():
        s.execute(
            text(
                "INSERT INTO audit_entry (id, case_id, at, actor, action, detail) VALUES "
                "('0190000000007000800000000000abcd', NULL, '2026-03-02 10:00:00.000000', "
                "'chen', '整改', '{}')"
            )
        )
    with sqlite_store.session() as s:
        broken = verify(s)
    assert [b.kind for b in broken.breaks] == ["unchained"]
    assert "办件 无，整改" in broken.breaks[0].message
