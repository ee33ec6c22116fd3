"""A window that died (issue 20, point 2): a counter process killed after its call
committed leaves the ticket 已呼叫. The store notices — the window's program gone
(its heartbeat lease ran out, or another run of it took the window over) or a call
older than the hall's limit — shows the call to the manager and the restarted
counter, refuses to finish it silently with "next", lets the clerk recall, skip or
finish it knowingly, and never counts the downtime as service time."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from app.core.queue_policy import QueuePolicy, TicketStatus
from app.core.queue_records import Action, QueueError
from db.queue import QueueStore
from tests.db import test_queue_store as base
from tests.db.test_queue_store import NOW, at, issue

url, q = base.url, base.q  # the same hall on both stores


def test_a_restarted_window_sees_its_interrupted_call_and_no_downtime_counts(
    q: QueueStore,
) -> None:
    issue(q, "ZH", 3)
    assert q.heartbeat("1", program="run-1", now=at(0.5)) is False
    a1 = q.call_next("1", clerk="wang", now=at(1))
    assert a1 is not None
    q.heartbeat("1", program="run-1", now=at(1.5))  # its last sign of life
    assert q.stale_calls(now=at(2)) == []  # within the lease (60 s)

    # killed; nobody has heartbeated since: the manager sees the call interrupted
    [stale] = q.stale_calls(now=at(20))
    assert (stale.window_no, stale.ticket.display, stale.since) == ("1", "A001", at(1.5))
    assert "窗口程序" in stale.why

    before = q.last_event_no()
    assert q.heartbeat("1", program="run-2", now=at(31)) is True  # restarted
    [logged] = q.events_after(before)
    assert (logged.action, logged.ticket, logged.window_no) == (Action.INTERRUPTED, "A001", "1")
    [stale] = q.stale_calls(now=at(31))
    assert stale.since == at(1.5) and stale.ticket.status is TicketStatus.CALLED
    assert q.stale_call("1", now=at(31)) == stale

    # F10 of the restarted counter does not finish it behind the clerk's back
    with pytest.raises(QueueError, match=r"A001.*中断.*重呼、过号或办结"):
        q.call_next("1", clerk="wang", now=at(31.5))
    # knowingly: 办结 counts the 30 s it was served before the window died
    done = q.finish("1", clerk="wang", now=at(32))
    assert done.status is TicketStatus.DONE
    service = q.day_stats(NOW.date()).total.service
    assert (service.count, service.max) == (1, 30)
    assert q.stale_calls(now=at(32)) == []
    a2 = q.call_next("1", clerk="wang", now=at(33))  # the new run's calls are live
    q.heartbeat("1", program="run-2", now=at(33.2))
    assert a2 is not None and q.stale_call("1", now=at(33.5)) is None


def test_a_recalled_interrupted_call_counts_service_before_and_after_only(
    q: QueueStore,
) -> None:
    issue(q, "ZH", 2)
    q.heartbeat("1", program="run-1", now=at(0.5))
    q.call_next("1", clerk="wang", now=at(1))
    q.heartbeat("1", program="run-1", now=at(1.5))
    q.heartbeat("1", program="run-2", now=at(31))
    recalled = q.recall("1", clerk="wang", now=at(31.5))
    assert not recalled.skipped and recalled.recalls == 1
    assert q.stale_call("1", now=at(32)) is None  # live again
    q.heartbeat("1", program="run-2", now=at(32.5))
    q.heartbeat("1", program="run-2", now=at(33.4))
    q.finish("1", clerk="wang", now=at(33.5))
    assert q.day_stats(NOW.date()).total.service.max == 30 + 120


def test_a_lapsed_lease_alone_is_noticed_and_a_skip_counts_no_service(q: QueueStore) -> None:
    issue(q, "ZH", 2)
    q.heartbeat("1", program="run-1", now=at(0))
    q.call_next("1", clerk="wang", now=at(1))
    [stale] = q.stale_calls(now=at(5))  # last heartbeat at 0: lapsed at 1 min
    assert stale.since == at(1)  # never before the call
    q.skip("1", clerk="wang", reason="窗口程序中断，叫号未到", now=at(6))
    stats = q.day_stats(NOW.date()).total
    assert (stats.no_shows, stats.service.count) == (1, 0)


def test_a_call_older_than_the_halls_limit_is_stale_and_counts_up_to_the_limit(
    q: QueueStore,
) -> None:
    q.set_policy(replace(QueuePolicy(), stale_call_minutes=20), actor="chen", now=NOW)
    issue(q, "ZH", 2)
    q.call_next("1", clerk="wang", now=at(0))  # a window without a heartbeat (keypad only)
    assert q.stale_calls(now=at(19)) == []
    [stale] = q.stale_calls(now=at(25))
    assert stale.since == at(20) and "20分钟" in stale.why
    with pytest.raises(QueueError, match=r"中断|超过"):
        q.call_next("1", clerk="wang", now=at(26))
    q.finish("1", clerk="wang", now=at(40))
    assert q.day_stats(NOW.date()).total.service.max == 20 * 60


def test_policy_limits_are_checked() -> None:
    assert QueuePolicy(stale_call_minutes=-1).problems()
    assert QueuePolicy(window_lease_s=5).problems()
    assert not QueuePolicy(stale_call_minutes=0, window_lease_s=60).problems()


def test_a_counter_process_killed_after_its_call_committed(
    q: QueueStore, url: str, tmp_path: Path
) -> None:
    """The bug as it happens: a real process heartbeats, calls, and is killed -9."""
    issue(q, "ZH", 2)
    script = textwrap.dedent(
        f"""
        import os, signal
        from datetime import datetime
        from db.queue import QueueStore
        now = datetime.fromisoformat({(NOW + timedelta(minutes=1)).isoformat()!r})
        s = QueueStore.open({url!r}, upgrade=False)
        s.heartbeat("1", program="run-1", now=now)
        s.call_next("1", clerk="wang", now=now)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    done = subprocess.run([sys.executable, "-c", script], env=env, timeout=60, check=False)
    assert done.returncode == -9
    assert q.heartbeat("1", program="run-2", now=at(45)) is True
    [stale] = q.stale_calls(now=at(45))
    assert (stale.ticket.display, stale.since) == ("A001", at(1))
    with pytest.raises(QueueError, match="中断"):
        q.call_next("1", clerk="wang", now=at(46))
    q.finish("1", clerk="wang", now=at(47))
    assert q.day_stats(NOW.date()).total.service.max == 0
