"""County bookings (issue 20 item 3) against loopback PostgreSQL (prints ``figure NAME
VALUE UNIT``):

    county_bookings_publish_1000_ms    `central publish-bookings` of 1,000 bookings
    county_bookings_first_sync_1000_s  a hall's first sync receiving them (SQLite queue
                                       file; push, pull and the booking call)
    county_bookings_idle_sync_ms       median of 20 syncs with nothing new (the booking
                                       call included, no write to the queue store)
    county_bookings_idle_sync_without_ms
                                       the same workstation's sync without the booking
                                       call, for comparison

PostgreSQL: ``YICHUANG_TEST_PG_URL`` (default postgresql+psycopg://postgres@127.0.0.1:5432/
postgres); a scratch database and its roles are created and dropped.

Run: ``.venv/bin/python bench/bench_county_bookings.py``.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

CENTRE = "370999101"
PG = os.environ.get("YICHUANG_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DAYS = 10
PER_DAY = 100


def figure(name: str, value: float, unit: str) -> None:
    print(f"figure {name} {value:.3f} {unit}", flush=True)


def main() -> None:
    from app.core.booking import BookingInput, BookingSource, day_slots
    from app.core.queue_policy import CategorySpec, CounterSpec
    from db.booking_store import BookingStore
    from db.central import admin
    from db.queue import QueueStore
    from db.store import open_store
    from db.sync.bookings import BookingFeed
    from db.sync.client import CentralConfig, SyncClient

    server = create_engine(PG, isolation_level="AUTOCOMMIT")
    name, prefix = f"yc_bench_{uuid.uuid4().hex[:8]}", f"ycb{uuid.uuid4().hex[:6]}"
    try:
        with server.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server: say so
        print(f"PostgreSQL not reachable ({exc}); figures skipped", file=sys.stderr)
        return
    url = make_url(PG).set(database=name).render_as_string(hide_password=False)
    first = date.today() + timedelta(days=2)
    now = datetime.combine(date.today(), clock(8))
    try:
        admin.init_central(url, prefix=prefix)
        login = admin.add_centre(url, CENTRE, "测试中心")
        admin.add_workstation(url, CENTRE, "A1")
        with tempfile.TemporaryDirectory() as tmp:
            queue = QueueStore.open(f"sqlite:///{Path(tmp) / 'queue.sqlite3'}")
            queue.save_category(CategorySpec("ZH", "综合受理", "A"), actor="m", now=now)
            queue.save_counter(CounterSpec("1", "一号窗口", {"ZH": 1}), actor="m", now=now)
            for d in range(DAYS):
                BookingStore(queue).save_slots(
                    day_slots("ZH", first + timedelta(days=d), clock(8), clock(18), 30, 10),
                    actor="m", now=now,
                )  # fmt: skip
            bookings = [
                BookingInput(f"SD{d:02d}{i:05d}", "综合受理", first + timedelta(days=d),
                             clock(8 + i // 10 // 2, 30 * (i // 10 % 2)),
                             clock(8 + (i // 10 + 1) // 2, 30 * ((i // 10 + 1) % 2)),
                             f"群众{i}", "", f"139{d:02d}{i:06d}", BookingSource.PROVINCE)
                for d in range(DAYS) for i in range(PER_DAY)
            ]  # fmt: skip
            started = time.perf_counter()
            admin.publish_bookings(url, CENTRE, bookings)
            figure("county_bookings_publish_1000_ms", (time.perf_counter() - started) * 1000, "ms")
            store = open_store(f"sqlite:///{Path(tmp) / 'ws.sqlite3'}")
            centre_url = make_url(url).set(username=login.role, password=None)
            config = CentralConfig(centre_url.render_as_string(hide_password=False),
                                   login.password, CENTRE, "A1", sslmode="disable")  # fmt: skip
            feed = BookingFeed.for_url(f"sqlite:///{Path(tmp) / 'queue.sqlite3'}", lambda: now)
            client = SyncClient(store, config, bookings=feed)
            started = time.perf_counter()
            report = client.sync_once()
            figure("county_bookings_first_sync_1000_s", time.perf_counter() - started, "s")
            assert report.bookings_added == DAYS * PER_DAY, report.text()
            for label, c in (("county_bookings_idle_sync_ms", client),
                             ("county_bookings_idle_sync_without_ms",
                              SyncClient(store, config))):  # fmt: skip
                times = []
                for _ in range(20):
                    started = time.perf_counter()
                    c.sync_once()
                    times.append((time.perf_counter() - started) * 1000)
                figure(label, statistics.median(times), "ms")
            store.close()
            queue.close()
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()
        admin.drop_roles(PG, prefix)


if __name__ == "__main__":
    main()
