"""日终: the previous day's queue figures go into the outbox for the county, once
per category, and a later run replaces them (a higher version)."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select

from app.cli import main
from app.commands.hall import prepare_demo_hall
from app.context import open_context
from app.core.booking import BookingInput, BookingSource, SlotSpec
from app.services.queue import queue_url
from app.settings import Settings
from db.booking_store import BookingStore
from db.models import SyncOutboxRow
from db.queue import QueueStore


def _summaries(folder: Path, table: str = "queue_summary") -> list[dict[str, object]]:
    ctx = open_context(data_dir=str(folder), demo=False)
    try:
        with ctx.store.session() as s:
            rows = s.scalars(select(SyncOutboxRow).order_by(SyncOutboxRow.seq)).all()
            payloads = [r.payload if isinstance(r.payload, dict) else json.loads(r.payload)
                        for r in rows]  # fmt: skip
    finally:
        ctx.close()
    return [row for p in payloads for row in p.get(table, [])]


def test_close_day_puts_yesterdays_figures_in_the_outbox(tmp_path: Path) -> None:
    data = str(tmp_path)
    prepare_demo_hall(tmp_path)
    settings = Settings.load(tmp_path / "settings.json")
    settings.set("central_url", "postgresql://yc_370999101@county.example/yichuang")
    settings.save()
    yesterday = datetime.combine(date.today() - timedelta(days=1), datetime.min.time())
    store = QueueStore.open(queue_url("", tmp_path))
    try:
        at = yesterday.replace(hour=9)
        for n in range(3):
            store.issue_ticket("ZH", now=at + timedelta(minutes=n))
        store.call_next("1", clerk="wangfang", now=at + timedelta(minutes=5))
        store.finish("1", clerk="wangfang", now=at + timedelta(minutes=15))
        store.call_next("1", clerk="wangfang", now=at + timedelta(minutes=16))
        store.skip("1", clerk="wangfang", reason="未到", now=at + timedelta(minutes=20))
        # two bookings yesterday: one checked in, one nobody came for (爽约)
        bookings = BookingStore(store)
        day, before = yesterday.date(), yesterday - timedelta(days=1)
        bookings.save_slots([SlotSpec("ZH", day, time(10), time(10, 30), 2)], actor="c",
                            now=before)  # fmt: skip
        for name in ("张三", "李四"):
            bookings.book(BookingInput("", "ZH", day, time(10), time(10, 30), name, "",
                                       "13912345678", BookingSource.PHONE),
                          actor="c", now=before)  # fmt: skip
        first = bookings.bookings(day, now=before)[0].booking_no
        bookings.check_in(first, proof="5678", actor="kiosk", now=at.replace(hour=10))
    finally:
        store.close()

    assert main(["--data-dir", data, "queue", "close-day"]) == 0
    rows = _summaries(tmp_path)
    zh = [r for r in rows if r["category"] == "ZH"]
    assert len(zh) == 1 and len(rows) == 1  # one row per category that had tickets
    figures = zh[0]["figures"]
    assert isinstance(figures, dict)
    assert (figures["issued"], figures["served"], figures["no_shows"]) == (4, 1, 1)
    assert figures["bookings"] == {"booked": 2, "checked_in": 1, "no_shows": 1, "cancelled": 0}
    assert figures["no_show_rate"] == 0.5
    assert zh[0]["day"] in (str(yesterday.date()), yesterday.date().isoformat())

    # the hall's figures of the day too (central hall_figures): the queue's part
    [hall] = _summaries(tmp_path, "hall_figures")
    queue = hall["figures"]["hall"]["queue"]  # type: ignore[index]
    assert (queue["calls"], queue["served"], queue["no_shows"]) == (2, 1, 1)
    assert queue["wait_minutes"] == {"5": 1, "15": 1}  # 09:00 → 09:05, 09:01 → 09:16
    assert main(["--data-dir", data, "queue", "close-day"]) == 0  # run again: a newer copy
    again = [r for r in _summaries(tmp_path) if r["category"] == "ZH"]
    assert len(again) == 2 and int(again[1]["version"]) >= int(again[0]["version"])  # type: ignore[call-overload]


def test_without_central_sync_nothing_is_queued(tmp_path: Path) -> None:
    prepare_demo_hall(tmp_path)
    assert main(["--data-dir", str(tmp_path), "queue", "close-day"]) == 0
    assert _summaries(tmp_path) == []
