"""The figures' pure definitions (app/core/figures.py), each against values worked out
by hand here: periods, breakdown keys, the case and queue tallies, the rates and
the rows the desk shows. (tests/db/test_figures.py checks the SQL aggregates on a
hand-counted hall; these pin the definitions themselves, so a changed rule fails
here first.)"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from app.core import figures as f
from app.core.figures import (
    CallFact,
    CaseFact,
    CaseTally,
    Dim,
    EvaluationFact,
    FigureRow,
    FollowUpFact,
    FollowUpTally,
    Grain,
    QueueTally,
)


class Weekdays:
    """Monday to Friday work, except the days listed as holidays."""

    def __init__(self, *holidays: date) -> None:
        self.holidays = set(holidays)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays


def fact(**kw: object) -> CaseFact:
    base: dict[str, object] = dict(
        accepted_on=date(2026, 3, 2),
        decision="受理",
        service_type="承诺件",
        window_no="3",
        owner="lisi",
        item_code="A-1",
        completed_on=None,
        due_date=date(2026, 3, 6),
        statutory_date=date(2026, 3, 13),
        running=True,
        clock_stopped=False,
    )
    base.update(kw)
    return CaseFact(**base)  # type: ignore[arg-type]  # the test's own defaults


# ---------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("day", "grain", "start", "end", "label"),
    [
        (date(2026, 3, 4), Grain.DAY, date(2026, 3, 4), date(2026, 3, 4), "3月4日"),
        # Wednesday 4 March 2026: its ISO week runs Monday 2 to Sunday 8 March
        (date(2026, 3, 4), Grain.WEEK, date(2026, 3, 2), date(2026, 3, 8), "2026年第10周"),
        (date(2026, 3, 8), Grain.WEEK, date(2026, 3, 2), date(2026, 3, 8), "2026年第10周"),
        # 1 January 2027 is a Friday: its week is ISO 2026's week 53
        (date(2027, 1, 1), Grain.WEEK, date(2026, 12, 28), date(2027, 1, 3), "2026年第53周"),
        (date(2026, 2, 17), Grain.MONTH, date(2026, 2, 1), date(2026, 2, 28), "2026年2月"),
        (date(2028, 2, 9), Grain.MONTH, date(2028, 2, 1), date(2028, 2, 29), "2028年2月"),
        (date(2026, 12, 31), Grain.MONTH, date(2026, 12, 1), date(2026, 12, 31), "2026年12月"),
        (date(2026, 11, 30), Grain.MONTH, date(2026, 11, 1), date(2026, 11, 30), "2026年11月"),
        (date(2026, 7, 15), Grain.YEAR, date(2026, 1, 1), date(2026, 12, 31), "2026年"),
    ],
)
def test_periods(day: date, grain: Grain, start: date, end: date, label: str) -> None:
    assert f.period_start(day, grain) == start
    assert f.period_end(start, grain) == end
    assert f.period_label(start, grain) == label


def test_periods_list_every_period_between_including_empty_ones() -> None:
    assert f.periods(date(2026, 1, 30), date(2026, 4, 2), Grain.MONTH) == [
        date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)
    ]  # fmt: skip
    assert f.periods(date(2026, 3, 4), date(2026, 3, 16), Grain.WEEK) == [
        date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)
    ]  # fmt: skip
    assert f.periods(date(2026, 3, 4), date(2026, 3, 4), Grain.DAY) == [date(2026, 3, 4)]
    assert f.periods(date(2026, 3, 5), date(2026, 3, 4), Grain.DAY) == []


def test_working_days_count_the_calendar_not_the_days() -> None:
    cal = Weekdays(date(2026, 3, 4))
    # 2–8 March: Mon, Tue, (Wed holiday), Thu, Fri
    assert f.working_days_in(cal, date(2026, 3, 2), date(2026, 3, 8)) == 4
    assert f.working_days_in(cal, date(2026, 3, 2), date(2026, 3, 2)) == 1
    assert f.working_days_in(cal, date(2026, 3, 7), date(2026, 3, 8)) == 0
    assert f.working_days_in(cal, date(2026, 3, 9), date(2026, 3, 2)) == 0


def test_span_working_days_cut_a_period_to_the_span() -> None:
    cal = Weekdays()
    week = date(2026, 3, 2)
    assert f.span_working_days(cal, week, Grain.WEEK, None, None) == 5
    assert f.span_working_days(cal, week, Grain.WEEK, date(2026, 3, 4), None) == 3
    assert f.span_working_days(cal, week, Grain.WEEK, None, date(2026, 3, 3)) == 2
    assert f.span_working_days(cal, week, Grain.WEEK, date(2026, 3, 3), date(2026, 3, 5)) == 3
    # a span wider than the period changes nothing
    assert f.span_working_days(cal, week, Grain.WEEK, date(2026, 1, 1), date(2026, 12, 31)) == 5


# ---------------------------------------------------------------- keys


def test_dim_keys() -> None:
    depts = {"A-1": "民政局"}
    assert f.dim_key(Dim.HALL, "3", "lisi", "A-1", depts) == f.HALL_KEY
    assert f.dim_key(Dim.WINDOW, "3", "lisi", "A-1", depts) == "3"
    assert f.dim_key(Dim.CLERK, "3", "lisi", "A-1", depts) == "lisi"
    assert f.dim_key(Dim.ITEM, "3", "lisi", "A-1", depts) == "A-1"
    assert f.dim_key(Dim.DEPARTMENT, "3", "lisi", "A-1", depts) == "民政局"
    assert f.dim_key(Dim.DEPARTMENT, "3", "lisi", "B-2", depts) == f.NO_DEPARTMENT
    assert f.dim_key(Dim.DEPARTMENT, "3", "lisi", "B-2", {"B-2": ""}) == f.NO_DEPARTMENT
    # the queue has no item: no key by item or department, but one by window and clerk
    assert f.dim_key(Dim.ITEM, "3", "lisi", "", depts) is None
    assert f.dim_key(Dim.DEPARTMENT, "3", "lisi", "", depts) is None
    assert f.dim_key(Dim.WINDOW, "3", "lisi", "", depts) == "3"
    assert f.dim_key(Dim.HALL, "3", "lisi", "", depts) == f.HALL_KEY


def test_natural_order_puts_window_2_before_10_and_names_last() -> None:
    keys = ["10", "张三", "2", "1", "李四"]
    assert sorted(keys, key=f.natural) == ["1", "2", "10", "张三", "李四"]
    assert f.natural("7") == (0, 7, "7")
    assert f.natural("王") == (1, 0, "王")


# ---------------------------------------------------------------- cases


def counts(t: CaseTally) -> dict[str, int]:
    return {k: v for k, v in zip(
        ("received", "accepted", "deferred", "correction", "refused", "instant", "on_site",
         "done", "on_time", "late", "statutory_on_time", "statutory_late"),
        t.counts(), strict=True) if v}  # fmt: skip


def test_each_decision_counts_once_and_only_accepted_ones_go_further() -> None:
    assert counts(f.case_settled(fact(decision="受理"))) == {"received": 1, "accepted": 1}
    assert counts(f.case_settled(fact(decision="容缺受理"))) == {"received": 1, "deferred": 1}
    done = dict(completed_on=date(2026, 3, 2), service_type="即办件")
    assert counts(f.case_settled(fact(decision="补正", **done))) == {
        "received": 1, "correction": 1
    }  # fmt: skip
    assert counts(f.case_settled(fact(decision="不予受理", **done))) == {
        "received": 1, "refused": 1
    }  # fmt: skip


def test_a_case_done_on_the_day_counts_on_site_on_time_and_within_the_statutory_limit() -> None:
    t = f.case_settled(fact(service_type="即办件", completed_on=date(2026, 3, 2)))
    assert counts(t) == {
        "received": 1, "accepted": 1, "instant": 1, "on_site": 1, "done": 1,
        "on_time": 1, "statutory_on_time": 1,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("completed", "expect"),
    [
        (date(2026, 3, 6), {"on_time": 1, "statutory_on_time": 1}),  # on the due day
        (date(2026, 3, 9), {"late": 1, "statutory_on_time": 1}),  # a day late
        (date(2026, 3, 13), {"late": 1, "statutory_on_time": 1}),  # on the statutory day
        (date(2026, 3, 16), {"late": 1, "statutory_late": 1}),
    ],
)
def test_done_against_the_due_and_the_statutory_date(
    completed: date, expect: dict[str, int]
) -> None:
    t = f.case_settled(fact(completed_on=completed, running=False))
    assert counts(t) == {"received": 1, "accepted": 1, "done": 1, **expect}


def test_without_a_due_date_the_acceptance_day_is_the_due_day_and_no_statutory_count() -> None:
    same = fact(completed_on=date(2026, 3, 2), due_date=None, statutory_date=None)
    assert counts(f.case_settled(same)) == {
        "received": 1, "accepted": 1, "on_site": 1, "done": 1, "on_time": 1
    }  # fmt: skip
    later = fact(completed_on=date(2026, 3, 3), due_date=None, statutory_date=None)
    assert counts(f.case_settled(later)) == {"received": 1, "accepted": 1, "done": 1, "late": 1}


def test_open_cases_are_late_only_past_their_dates_with_the_clock_running() -> None:
    open_case = fact()  # due 6 March, statutory 13 March
    assert counts(f.case_open_late(open_case, date(2026, 3, 6))) == {}
    assert counts(f.case_open_late(open_case, date(2026, 3, 7))) == {"late": 1}
    assert counts(f.case_open_late(open_case, date(2026, 3, 13))) == {"late": 1}
    assert counts(f.case_open_late(open_case, date(2026, 3, 14))) == {
        "late": 1, "statutory_late": 1
    }  # fmt: skip
    later = date(2026, 4, 1)
    assert counts(f.case_open_late(fact(clock_stopped=True), later)) == {}
    assert counts(f.case_open_late(fact(running=False), later)) == {}
    assert counts(f.case_open_late(fact(completed_on=date(2026, 3, 20)), later)) == {}
    assert counts(f.case_open_late(fact(decision="补正"), later)) == {}
    assert counts(f.case_open_late(fact(decision="容缺受理"), later)) == {
        "late": 1, "statutory_late": 1
    }  # fmt: skip
    no_dates = fact(due_date=None, statutory_date=None)
    assert counts(f.case_open_late(no_dates, later)) == {}
    only_statutory = fact(due_date=None)
    assert counts(f.case_open_late(only_statutory, later)) == {"statutory_late": 1}


def test_tally_add_sums_every_field() -> None:
    a = CaseTally(*range(1, 13))
    a.add(CaseTally(*range(10, 130, 10)))
    assert a.counts() == tuple(i + 10 * i for i in range(1, 13))


def test_case_tallies_group_by_period_and_key_and_add_today_lateness() -> None:
    depts = {"A-1": "民政局", "B-2": "人社局"}
    facts = [
        fact(accepted_on=date(2026, 3, 2), completed_on=date(2026, 3, 2)),  # wk 10, on time
        fact(accepted_on=date(2026, 3, 4), window_no="5", item_code="B-2"),  # open, late
        fact(accepted_on=date(2026, 3, 9), decision="补正"),  # wk 11
    ]
    today = date(2026, 3, 20)
    by_window = f.case_tallies(facts, Grain.WEEK, Dim.WINDOW, today, depts)
    assert set(by_window) == {(date(2026, 3, 2), "3"), (date(2026, 3, 2), "5"),
                              (date(2026, 3, 9), "3")}  # fmt: skip
    assert counts(by_window[(date(2026, 3, 2), "3")]) == {
        "received": 1, "accepted": 1, "on_site": 1, "done": 1, "on_time": 1,
        "statutory_on_time": 1,
    }  # fmt: skip
    assert counts(by_window[(date(2026, 3, 2), "5")]) == {
        "received": 1, "accepted": 1, "late": 1, "statutory_late": 1
    }  # fmt: skip
    assert counts(by_window[(date(2026, 3, 9), "3")]) == {"received": 1, "correction": 1}
    hall = f.case_tallies(facts, Grain.MONTH, Dim.HALL, today, depts)
    assert list(hall) == [(date(2026, 3, 1), f.HALL_KEY)]
    assert counts(hall[(date(2026, 3, 1), f.HALL_KEY)]) == {
        "received": 3, "accepted": 2, "correction": 1, "on_site": 1, "done": 1, "on_time": 1,
        "late": 1, "statutory_on_time": 1, "statutory_late": 1,
    }  # fmt: skip
    by_dept = f.case_tallies(facts, Grain.YEAR, Dim.DEPARTMENT, today, depts)
    assert {k: v.received for k, v in by_dept.items()} == {
        (date(2026, 1, 1), "民政局"): 2, (date(2026, 1, 1), "人社局"): 1
    }  # fmt: skip
    no_item = [fact(item_code="")]
    assert f.case_tallies(no_item, Grain.DAY, Dim.ITEM, today, depts) == {}


# ---------------------------------------------------------------- the queue

T0 = datetime(2026, 3, 2, 9, 0, 0)


def call(wait_s: float, service_s: float, outcome: str = "办结", **kw: object) -> CallFact:
    base: dict[str, object] = dict(
        day=T0.date(), window_no="3", clerk="lisi", enqueued_at=T0,
        called_at=T0 + timedelta(seconds=wait_s),
        ended_at=T0 + timedelta(seconds=wait_s + service_s), outcome=outcome,
    )  # fmt: skip
    base.update(kw)
    return CallFact(**base)  # type: ignore[arg-type]  # the test's own defaults


def test_whole_seconds_drop_the_fractions_of_each_moment() -> None:
    a = datetime(2026, 3, 2, 9, 0, 0, 900_000)
    b = datetime(2026, 3, 2, 9, 0, 2, 100_000)
    assert f.whole_seconds(b, a) == 2  # not 1.2
    assert f.whole_seconds(a, b) == -2


def test_call_wait_and_service() -> None:
    c = call(125, 300, downtime_s=40.7)
    assert c.wait_s == 125
    assert c.service_s == 260  # 300 less 40 whole seconds of downtime
    assert call(10, 30, downtime_s=100).service_s == 0  # never negative
    assert call(10, 30, outcome="过号").service_s is None
    assert call(10, 30, outcome="转移").service_s == 30


def test_p90_is_the_nearest_rank_of_whole_minutes() -> None:
    assert f.p90_minutes({}) is None
    assert f.p90_minutes({4: 1}) == 4
    # ten values 0..9: index int(0.9 * 10) = 9 -> 9
    assert f.p90_minutes({m: 1 for m in range(10)}) == 9
    # nine values: index 8 -> the last
    assert f.p90_minutes({1: 8, 30: 1}) == 30
    # twenty: index 18 -> the 19th in order
    assert f.p90_minutes({1: 18, 5: 1, 9: 1}) == 5
    assert f.p90_minutes({2: 19, 7: 1}) == 2


def test_queue_tally_counts_each_call_and_evaluation() -> None:
    t = QueueTally()
    t.add_call(call(59, 61))
    t.add_call(call(60, 0, outcome="过号"))
    t.add_call(call(185, 600, outcome="转移"))
    assert (t.calls, t.served, t.no_shows, t.transferred) == (3, 1, 1, 1)
    assert t.wait_sum == 59 + 60 + 185
    assert t.wait_hist == {0: 1, 1: 1, 3: 1}
    assert (t.service_count, t.service_sum, t.service_hist) == (2, 661, {1: 1, 10: 1})
    t.levels = {5: 3, 3: 1, 2: 2, 1: 1}
    assert t.evaluations == 7
    assert t.bad == 3  # levels 2 and 1 are 差评; 3 (基本满意) is not

    other = QueueTally(1, 1, 0, 0, 30, {0: 1}, 1, 90, {1: 1}, {5: 1, 1: 2})
    t.add(other)
    assert (t.calls, t.served, t.no_shows, t.transferred) == (4, 2, 1, 1)
    assert (t.wait_sum, t.service_count, t.service_sum) == (334, 3, 751)
    assert t.wait_hist == {0: 2, 1: 1, 3: 1}
    assert t.service_hist == {1: 2, 10: 1}
    assert t.levels == {5: 4, 3: 1, 2: 2, 1: 3}
    assert other.levels == {5: 1, 1: 2}  # the added one is left as it was


def test_queue_tallies_by_window_day_and_no_item_breakdown() -> None:
    calls = [call(60, 60), call(120, 60, window_no="5"),
             call(30, 30, day=date(2026, 3, 3), enqueued_at=T0 + timedelta(days=1),
                  called_at=T0 + timedelta(days=1, seconds=30),
                  ended_at=T0 + timedelta(days=1, seconds=60))]  # fmt: skip
    evals = [EvaluationFact(date(2026, 3, 2), "3", "lisi", 1),
             EvaluationFact(date(2026, 3, 2), "3", "lisi", 5),
             EvaluationFact(date(2026, 3, 4), "7", "wang", 4)]  # fmt: skip
    out = f.queue_tallies(calls, evals, Grain.DAY, Dim.WINDOW)
    assert {k: (v.calls, v.levels) for k, v in out.items()} == {
        (date(2026, 3, 2), "3"): (1, {1: 1, 5: 1}),
        (date(2026, 3, 2), "5"): (1, {}),
        (date(2026, 3, 3), "3"): (1, {}),
        (date(2026, 3, 4), "7"): (0, {4: 1}),
    }
    week = f.queue_tallies(calls, evals, Grain.WEEK, Dim.HALL)
    assert {k: (v.calls, v.evaluations, v.bad) for k, v in week.items()} == {
        (date(2026, 3, 2), f.HALL_KEY): (3, 3, 1)
    }
    assert f.queue_tallies(calls, evals, Grain.DAY, Dim.ITEM) == {}
    assert f.queue_tallies(calls, evals, Grain.DAY, Dim.DEPARTMENT) == {}


# ---------------------------------------------------------------- 差评 follow-ups


def test_rectification_rate_over_the_bad_evaluations() -> None:
    ups = [FollowUpFact("e1", date(2026, 3, 5)), FollowUpFact("e2", None),
           FollowUpFact("x9", date(2026, 3, 5))]  # fmt: skip
    assert f.rectification_rate([], ups) is None
    assert f.rectification_rate(["e1", "e2"], ups) == 0.5
    assert f.rectification_rate(["e1", "e1", "e3", "e2"], ups) == pytest.approx(1 / 3)


def test_follow_up_tallies_leave_out_granted_appeals_and_unopened_ones() -> None:
    d = date(2026, 3, 4)
    facts = [
        FollowUpFact("e1", date(2026, 3, 6), d, "3", "lisi"),
        FollowUpFact("e2", None, d, "3", "lisi"),
        FollowUpFact("e3", date(2026, 3, 6), d, "5", "wang"),
        FollowUpFact("e4", None, d, "3", "lisi", excluded=True),
        FollowUpFact("e5", date(2026, 3, 6), None, "3", "lisi"),
    ]
    by_window = f.follow_up_tallies(facts, Dim.WINDOW, Grain.WEEK)
    assert {k: (v.counted, v.rectified) for k, v in by_window.items()} == {
        (date(2026, 3, 2), "3"): (2, 1), (date(2026, 3, 2), "5"): (1, 1)
    }  # fmt: skip
    by_clerk = f.follow_up_tallies(facts, Dim.CLERK, Grain.DAY)
    assert {k: (v.counted, v.rectified) for k, v in by_clerk.items()} == {
        (d, "lisi"): (2, 1), (d, "wang"): (1, 1)
    }  # fmt: skip
    assert f.follow_up_tallies(facts, Dim.ITEM, Grain.DAY) == {}
    t = FollowUpTally(2, 1)
    t.add(FollowUpTally(3, 2))
    assert (t.counted, t.rectified) == (5, 3)


# ---------------------------------------------------------------- rows and rates


def test_figure_row_rates() -> None:
    cases = CaseTally(received=10, accepted=6, deferred=2, correction=1, refused=1,
                      instant=2, on_site=4, done=5, on_time=3, late=1,
                      statutory_on_time=4, statutory_late=1)  # fmt: skip
    queue = QueueTally(calls=8, served=6, no_shows=2, wait_sum=800, wait_hist={1: 7, 20: 1},
                       service_count=6, service_sum=1800, service_hist={4: 5, 12: 1},
                       levels={5: 3, 1: 1})  # fmt: skip
    row = FigureRow(date(2026, 3, 2), "3", cases, queue, 4, FollowUpTally(4, 3))
    assert row.accepted_total == 8
    assert row.instant_rate == 2 / 8
    assert row.on_site_rate == 4 / 8
    assert row.on_time_rate == 3 / 4
    assert row.statutory_rate == 4 / 5
    assert row.received_per_day == 10 / 4
    assert row.satisfaction == 3 / 4
    assert row.rectification_rate == 3 / 4
    assert row.no_show_rate == 2 / 8
    assert row.wait_mean_s == 100
    assert row.wait_p90_min == 20  # 8 values: index 7, the last
    assert row.service_mean_s == 300
    assert row.service_p90_min == 12  # 6 values: index 5, the last


def test_rates_without_a_denominator_are_none_and_item_rows_have_no_queue() -> None:
    empty = FigureRow(date(2026, 3, 2), "3", CaseTally(), QueueTally(), 0, FollowUpTally())
    assert empty.instant_rate is None and empty.on_site_rate is None
    assert empty.on_time_rate is None and empty.statutory_rate is None
    assert empty.received_per_day is None and empty.satisfaction is None
    assert empty.rectification_rate is None and empty.no_show_rate is None
    assert empty.wait_mean_s is None and empty.service_mean_s is None
    assert empty.wait_p90_min is None and empty.service_p90_min is None
    item = FigureRow(date(2026, 3, 2), "A-1", CaseTally(received=1), None, 5, None)
    assert item.satisfaction is None and item.no_show_rate is None
    assert item.wait_mean_s is None and item.wait_p90_min is None
    assert item.service_mean_s is None and item.service_p90_min is None
    assert item.rectification_rate is None
    assert item.received_per_day == 1 / 5


def test_combine_meets_every_key_in_period_then_natural_order() -> None:
    cal = Weekdays()
    w1, w2 = date(2026, 3, 2), date(2026, 3, 9)
    cases = {(w2, "10"): CaseTally(received=2), (w1, "2"): CaseTally(received=1)}
    queue = {(w1, "10"): QueueTally(calls=4), (w2, "2"): QueueTally(calls=1)}
    ups = {(w1, "7"): FollowUpTally(1, 0)}
    rows = f.combine(cases, queue, Dim.WINDOW, Grain.WEEK, cal, w1 + timedelta(days=2), None, ups)
    assert [(r.period, r.key) for r in rows] == [(w1, "2"), (w1, "7"), (w1, "10"),
                                                 (w2, "2"), (w2, "10")]  # fmt: skip
    by = {(r.period, r.key): r for r in rows}
    assert by[(w1, "2")].cases.received == 1
    assert by[(w1, "2")].queue == QueueTally()
    assert by[(w1, "10")].queue == QueueTally(calls=4)
    assert by[(w1, "10")].cases.received == 0
    assert by[(w1, "7")].follow_ups == FollowUpTally(1, 0)
    assert by[(w1, "2")].follow_ups == FollowUpTally()
    assert by[(w1, "2")].working_days == 3  # the span starts on Wednesday
    assert by[(w2, "10")].working_days == 5
    # by item: the queue and follow-ups have no say, and their keys bring no rows
    items = f.combine(cases, queue, Dim.ITEM, Grain.WEEK, cal, follow_ups=ups)
    assert [(r.period, r.key) for r in items] == [(w1, "2"), (w2, "10")]
    assert all(r.queue is None and r.follow_ups is None for r in items)


def test_filled_gives_an_empty_row_for_every_period_without_one() -> None:
    cal = Weekdays()
    first, last = date(2026, 3, 4), date(2026, 3, 18)
    have = FigureRow(date(2026, 3, 9), f.HALL_KEY, CaseTally(received=5), QueueTally(), 5,
                     FollowUpTally())  # fmt: skip
    rows = f.filled([have], first, last, Grain.WEEK, cal)
    assert [r.period for r in rows] == [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)]
    assert rows[1] is have
    assert rows[0].cases.received == 0 and rows[0].key == f.HALL_KEY
    assert rows[0].working_days == 3 and rows[2].working_days == 3
    assert rows[0].queue == QueueTally() and rows[0].follow_ups == FollowUpTally()
    assert f.filled([], first, last, Grain.WEEK, cal, key="3")[0].key == "3"


def test_every_figure_the_desk_shows_has_its_definition() -> None:
    names = [name for name, _ in f.DEFINITIONS]
    assert len(names) == len(set(names))
    for name in ("收件数", "日均收件", "即办率", "现场办结率", "按时办结率", "法定时限内办结率",
                 "满意率", "差评整改率", "平均等候时间", "P90等候时间", "平均办理时间",
                 "P90办理时间", "过号率"):  # fmt: skip
        assert name in names
    text = dict(f.DEFINITIONS)
    # 特别程序 time is not counted in the statutory limit either (行政许可法 第45条;
    # app/core/lifecycle moves the statutory date on with each stop)
    assert "不顺延" not in text["法定时限内办结率"]
    assert "顺延" in text["法定时限内办结率"]
