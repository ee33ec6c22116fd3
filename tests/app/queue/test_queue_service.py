"""The screens' facade of the queue: the demo hall, snapshots, polling, a store that
goes away and comes back, ticket printing."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path

import pytest

from app.core.queue_policy import CategorySpec, TicketKind
from app.core.queue_records import QueueError
from app.services.queue import (
    DEMO_CATEGORIES,
    NOT_PRINTED,
    PrintFailed,
    QueueService,
    TicketPrinterLink,
    demo_traffic,
    queue_url,
    seed_demo,
)
from db.queue import QueueStore
from db.store import StoreError


def test_queue_url_defaults_to_the_data_folder(tmp_path: Path) -> None:
    assert queue_url("", tmp_path) == f"sqlite:///{(tmp_path / 'queue.sqlite3').resolve()}"
    assert queue_url(" postgresql+psycopg://hall/q ", tmp_path) == "postgresql+psycopg://hall/q"
    assert queue_url(str(tmp_path / "x.db"), "/elsewhere").endswith("x.db")


def test_the_demo_hall_is_set_up_once_and_linked_to_the_catalogue(
    service: QueueService, app_context: object
) -> None:
    from db.catalog_repo import current_version

    assert service.run(seed_demo) is False  # already there
    snap = service.snapshot()
    assert [c.prefix for c in snap.categories] == ["A", "B", "C", "D"]
    assert [w.window_no for w in snap.windows] == ["1", "2", "3", "4"]
    with app_context.store.session() as s:  # type: ignore[attr-defined]
        for spec in DEMO_CATEGORIES:
            for code in spec.item_codes:
                assert current_version(s, code) is not None, code


def test_snapshot_counts_waits_serving_and_no_shows(service: QueueService) -> None:
    demo_traffic(service)
    snap = service.snapshot()
    a = snap.category("ZH")
    assert a is not None and a.issued_today == 10 and a.waiting == 6
    assert snap.window("4") is not None and snap.window("4").paused  # type: ignore[union-attr]
    assert snap.window("4").state_text == "暂停服务（午间休息）"  # type: ignore[union-attr]
    assert set(snap.current) == {"1", "2", "3"}
    assert [t.display for t in snap.skipped] == ["A001"]
    assert snap.window("1").served_today == 1  # type: ignore[union-attr]
    c001 = next(t for t in snap.waiting if t.display == "C001")
    assert c001.target_window == "4"
    assert next(t.display for t in snap.waiting_for("4")) == "C001"
    assert sum(c.waiting for c in snap.categories) == len(snap.waiting)


def test_why_a_category_cannot_issue(service: QueueService) -> None:
    store_specs = {
        "CAP": CategorySpec("CAP", "限号业务", "E", daily_cap=1),
        "OFF": CategorySpec("OFF", "停办业务", "F", active=False),
        "HRS": CategorySpec("HRS", "定时业务", "G", issue_hours=((time(0, 0), time(0, 1)),)),
    }
    for spec in store_specs.values():
        service.run(lambda s, spec=spec: s.save_category(spec, actor="t"))
    service.issue("CAP")
    later = QueueService(service.url, clock=lambda: datetime.now().replace(hour=12))
    try:
        snap = later.snapshot()
    finally:
        later.close()
    assert snap.category("CAP").unavailable == "今日号已取完"  # type: ignore[union-attr]
    assert snap.category("OFF").unavailable == "暂停取号"  # type: ignore[union-attr]
    assert snap.category("HRS").unavailable == "不在取号时间（00:00–00:01）"  # type: ignore[union-attr]
    assert snap.category("ZH").unavailable is None  # type: ignore[union-attr]


def test_poll_is_cheap_when_nothing_changed(service: QueueService, other: QueueStore) -> None:
    first = service.poll(None)
    assert first is not None and first.initial
    assert service.poll(first.last_event) is None
    assert service.poll(first.last_event, force=True) is not None
    other.issue_ticket("ZH", actor="kiosk-2")
    other.call_next("1", clerk="wangfang")
    news = service.poll(first.last_event)
    assert news is not None and not news.initial
    assert [(c.ticket, c.window_no) for c in news.calls] == [("A001", "1")]


def test_an_unreachable_store_is_an_error_and_is_retried(tmp_path: Path) -> None:
    attempts: list[str] = []

    def flaky(url: str) -> QueueStore:
        attempts.append(url)
        if len(attempts) == 1:
            raise StoreError("无法打开排队数据库：database is locked")
        return QueueStore.open(url)

    svc = QueueService(queue_url("", tmp_path), seed=True, opener=flaky)
    try:
        with pytest.raises(StoreError):
            svc.snapshot()
        assert len(svc.snapshot().categories) == 4  # opened on the next use
    finally:
        svc.close()


def test_a_ticket_prints_on_the_configured_printer(service: QueueService, tmp_path: Path) -> None:
    paper = tmp_path / "lp0"
    paper.write_bytes(b"")
    link = TicketPrinterLink(
        [{"kind": "ticket_printer", "vendor": "escpos", "port": {"url": f"file://{paper}"}}],
        "示范县城关镇便民服务中心",
    )
    ticket = service.issue("SB", kind=TicketKind.NORMAL)
    try:
        link.print_ticket(ticket)
    finally:
        link.close()
    data = paper.read_bytes()
    assert b"B001" in data and "社保医保".encode("gb18030") in data


def test_no_printer_or_a_dead_one_is_reported_in_chinese(
    service: QueueService, tmp_path: Path
) -> None:
    ticket = service.issue("ZH")
    with pytest.raises(PrintFailed, match=NOT_PRINTED):
        TicketPrinterLink([], "大厅").print_ticket(ticket)
    dead = TicketPrinterLink(
        [{"kind": "ticket_printer", "vendor": "escpos",
          "port": {"url": f"file://{tmp_path / 'unplugged'}"}}],
        "大厅", timeout_s=0.3,
    )  # fmt: skip
    try:
        with pytest.raises(PrintFailed, match="小票打印机未响应"):
            dead.print_ticket(ticket)
    finally:
        dead.close()
    bad = TicketPrinterLink(
        [{"kind": "ticket_printer", "vendor": "nobody", "port": {"url": "x"}}], "大厅"
    )
    assert not bad.configured and "小票打印机设置有误" in bad.problem


def test_a_dead_windows_call_is_in_the_snapshot_and_next_does_not_finish_it(
    hall_url: str, tmp_path: Path
) -> None:
    """Issue 20, point 2: a counter program dies after its call; its restart sees it."""
    now = [datetime(2026, 3, 2, 9, 0)]
    first = QueueService(hall_url, seed=True, clock=lambda: now[0])
    restarted = QueueService(hall_url, clock=lambda: now[0])
    try:
        assert first.program != restarted.program  # each start of the program is a run
        first.issue("ZH")
        first.issue("ZH")
        first.heartbeat("1")
        called = first.call_next("1", clerk="wangfang")
        assert called is not None
        first.close()  # the program dies
        now[0] = datetime(2026, 3, 2, 9, 30)
        assert restarted.heartbeat("1") is True
        snap = restarted.snapshot()
        assert set(snap.stale) == {"1"} and snap.stale["1"].ticket.display == called.display
        assert restarted.stale_call("1") == snap.stale["1"]
        with pytest.raises(QueueError, match="中断"):  # not even with the cases linked
            restarted.call_next("1", clerk="wangfang", case_nos=["370999101-A1-20260302-0001"])
        restarted.skip("1", clerk="wangfang", reason="窗口程序中断，叫号未到")
        assert restarted.snapshot().stale == {}
    finally:
        first.close()
        restarted.close()


def test_an_issued_ticket_says_what_the_rule_calls_first_and_the_expected_wait(
    hall_url: str,
) -> None:
    """Issue 20, point 4: a priority ticket is not told the whole category is ahead."""
    from app.core.queue_policy import CounterSpec
    from app.services.queue import wait_minutes, wait_text

    now = [datetime(2026, 3, 2, 9, 0)]
    svc = QueueService(hall_url, clock=lambda: now[0])
    store = QueueStore.open(hall_url)
    try:
        store.save_category(CategorySpec("ZH", "综合受理", "A"), actor="t", now=now[0])
        store.save_counter(CounterSpec("1", "一号窗口", {"ZH": 1}), actor="t", now=now[0])
        for _ in range(4):
            svc.issue("ZH")
        store.call_next("1", clerk="c", now=now[0])
        now[0] = datetime(2026, 3, 2, 9, 10)  # A001 served 10 minutes
        store.call_next("1", clerk="c", now=now[0])  # A002, being served
        green = svc.issue("ZH", kind=TicketKind.GREEN, note="老年人")
        assert green.waiting_ahead == 0  # called next, before A003 and A004
        assert green.estimated_wait_s == 5 * 60  # about half a service left at window 1
        normal = svc.issue("ZH")
        assert normal.waiting_ahead == 3  # the green ticket, A003, A004
        assert normal.estimated_wait_s == 3.5 * 10 * 60
        assert (wait_minutes(normal.estimated_wait_s), wait_text(None)) == (35, "")
        assert (wait_minutes(61), wait_minutes(16 * 60), wait_text(59)) == (
            2,
            20,
            "预计等候约 1 分钟",
        )
    finally:
        store.close()
        svc.close()
