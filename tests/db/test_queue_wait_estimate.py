""" "您前面还有 N 人" (issue 20, point 4): the tickets the hall's rule will actually call
before this one, and an estimated wait from the day's service times — checked
against the calls the store then really makes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.core.queue_policy import CategorySpec, CounterSpec, QueuePolicy, TicketKind
from db.queue import QueueStore
from tests.db import test_queue_store as base
from tests.db.test_queue_store import NOW, at, issue

url, q = base.url, base.q  # the same hall on both stores


def called_before(q: QueueStore, ticket: str, eligible: tuple[str, ...]) -> int:
    """Every open window calls once a round, in window order, until ``ticket`` is
    called: the calls before it at the ``eligible`` windows (those that serve it)."""
    windows = [c.window_no for c in q.counters() if not c.paused]
    count = 0
    for minute in range(1, 500):
        for w in windows:
            t = q.call_next(w, clerk=f"clerk{w}", now=at(minute))
            if t is None:
                continue
            if t.display == ticket:
                return count
            count += w in eligible
    raise AssertionError(f"{ticket} never called")


def test_a_priority_ticket_has_fewer_ahead_than_the_whole_category(q: QueueStore) -> None:
    issue(q, "ZH", 6)  # A001–A006, normal
    green = q.issue_ticket("ZH", kind=TicketKind.GREEN, note="老年人", now=NOW)
    assert green.waiting_ahead == 6  # the store's quick count: the whole category
    estimate = q.wait_estimate(green.id, now=NOW)
    assert estimate is not None
    # window 1 (A only) calls priority first; window 2 (A×3, B×1) likewise
    assert estimate.people == called_before(q, green.display, ("1", "2")) == 0


def test_the_estimate_follows_the_rule_across_windows_and_classes(q: QueueStore) -> None:
    q.set_policy(replace(QueuePolicy(), priority_run=1, normal_run=2), actor="chen", now=NOW)
    issue(q, "ZH", 3)
    issue(q, "SB", 4)
    q.call_next("1", clerk="c1", now=NOW)  # the windows' class patterns are under way
    q.call_next("2", clerk="c2", now=NOW)
    for _ in range(3):
        q.issue_ticket("ZH", kind=TicketKind.APPOINTMENT, note=f"YY-{_}", now=NOW)
    issue(q, "ZH", 4)
    target = q.issue_ticket("ZH", kind=TicketKind.GREEN, note="残疾人", now=NOW)
    issue(q, "ZH", 1)  # behind it: changes nothing
    estimate = q.wait_estimate(target.id, now=NOW)
    assert estimate is not None
    # B tickets window 2 calls before it count too: they are called before it there
    assert estimate.people == called_before(q, target.display, ("1", "2"))


def test_estimated_wait_from_the_days_service_times(q: QueueStore) -> None:
    issue(q, "ZH", 4)
    assert q.wait_estimate(q.find_ticket("A004", now=NOW).id, now=NOW).wait_s is None  # type: ignore[union-attr]
    q.call_next("1", clerk="c1", now=at(0))
    q.call_next("1", clerk="c1", now=at(6))  # A001 served 6 minutes
    q.finish("1", clerk="c1", now=at(10))  # A002 served 4 minutes: the mean is 5
    q.pause("2", clerk="c2", reason="午间休息", now=at(10))  # only window 1 calls A now
    a4 = q.find_ticket("A004", now=NOW)
    estimate = q.wait_estimate(a4.id, now=at(10))  # type: ignore[union-attr]
    assert estimate is not None
    # window 1 is free: A003 now, A004 after one service
    assert (estimate.people, estimate.services) == (1, 1.0)
    assert estimate.wait_s == pytest.approx(5 * 60)
    q.call_next("1", clerk="c1", now=at(11))  # A003; window 1 busy: about half a service left
    estimate = q.wait_estimate(a4.id, now=at(11))  # type: ignore[union-attr]
    assert estimate is not None and (estimate.people, estimate.services) == (0, 0.5)
    assert estimate.wait_s == pytest.approx(2.5 * 60)


def test_no_window_serves_it_then_no_estimate(q: QueueStore) -> None:
    q.save_category(CategorySpec("QY", "企业开办", "C"), actor="chen", now=NOW)
    c1 = q.issue_ticket("QY", now=NOW)
    assert q.wait_estimate(c1.id, now=NOW) is None
    q.save_counter(CounterSpec("4", "四号窗口", {"QY": 1}), actor="chen", now=NOW)
    assert q.wait_estimate(c1.id, now=NOW).people == 0  # type: ignore[union-attr]
