"""The county's bookings for this centre, pulled into the hall's queue store; the
hall's check-ins and no-shows of them, reported up (docs/bookings.md, docs/sync.md).

Bookings live in the hall's queue store, not in a workstation's own database, so
their cursor lives there too (``queue_booking_feed``) and moves in the same
transaction as the bookings it covers (``BookingStore.apply_county``). Every
workstation of the hall that syncs with the county pulls them, after its push and
pull, over the same connection and with the same checked identity (the centre's login
and its registered workstation): whichever comes first applies a change, the others
find the cursor moved and apply nothing. So a hall keeps getting its bookings while
any one of its workstations syncs, and a workstation that was off catches up with no
work to redo.

Nothing here can make a sync fail: a queue store that cannot be reached just now, or
a county not yet upgraded (no ``sync_bookings_v1``), is a warning in the report; the
cursor has not moved, so the next sync takes it up again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg
from sqlalchemy.exc import SQLAlchemyError

from app.core.booking import BookingSource, BookingStatus
from app.core.errors import StoreError
from app.core.queue_records import QueueError
from db.booking_county import IDLE_CURSOR_MOVE, CountyApplied, CountyBooking, CountyPage
from db.booking_store import BookingStore
from db.queue import QueueStore

log = logging.getLogger("yichuang.sync.bookings")

REPORT_DAYS = 3  # the hall's check-ins and no-shows of these past days go up each sync
COUNTY_SOURCES = frozenset({BookingSource.COUNTY, BookingSource.PROVINCE})


@dataclass
class BookingSyncResult:
    pulled: int = 0  # changes received
    added: int = 0
    cancelled: int = 0
    issues: int = 0  # new issues for the manager
    reported: int = 0  # check-ins and no-shows the county took
    warning: str = ""


def hall_reports(
    bookings: BookingStore, now: datetime, days: int = REPORT_DAYS
) -> list[dict[str, Any]]:
    """The hall's check-ins and no-shows of bookings the county may know (from the
    county, or the province's file), from ``days`` days ago to today. Sent again at
    every sync: the county takes each once (idempotent), so nothing needs marking."""
    out: list[dict[str, Any]] = []
    for back in range(days, -1, -1):
        for b in bookings.bookings(now.date() - timedelta(days=back), now=now):
            if b.source not in COUNTY_SOURCES:
                continue
            if b.status is BookingStatus.CHECKED_IN:
                at = b.checked_in_at.isoformat(timespec="seconds") if b.checked_in_at else None
                out.append({"booking_no": b.booking_no, "state": "已签到", "at": at,
                            "ticket": b.ticket})  # fmt: skip
            elif b.no_show:
                out.append({"booking_no": b.booking_no, "state": "爽约", "at": None, "ticket": ""})
    return out


class BookingFeed:
    """Pulls the centre's county bookings into one hall's queue store."""

    def __init__(
        self,
        open_queue: Callable[[], QueueStore],
        clock: Callable[[], datetime] = datetime.now,
        *,
        limit: int = 500,
        report_days: int = REPORT_DAYS,
    ) -> None:
        self.open_queue = open_queue
        self.clock = clock
        self.limit = limit
        self.report_days = report_days

    @classmethod
    def for_url(cls, url: str, clock: Callable[[], datetime] = datetime.now) -> BookingFeed:
        return cls(lambda: QueueStore.open(url, upgrade=False), clock)

    def sync(
        self, conn: psycopg.Connection[Any], identity: Mapping[str, Any], puller: str = ""
    ) -> BookingSyncResult:
        result = BookingSyncResult()
        try:
            queue = self.open_queue()
        except (StoreError, QueueError) as exc:
            result.warning = f"预约未能下载：排队数据库暂时无法访问（{exc}），下次同步时自动补上"
            return result
        try:
            self._sync(conn, identity, BookingStore(queue), puller, result)
        except (StoreError, QueueError) as exc:
            result.warning = f"预约未能下载：排队数据库暂时无法访问（{exc}），下次同步时自动补上"
        except SQLAlchemyError as exc:  # e.g. a queue store not yet upgraded by the hall's program
            log.exception("county bookings not applied")
            result.warning = (
                f"预约未能下载：排队数据库出错（{exc.__class__.__name__}），下次同步时重试"
            )
        except psycopg.errors.UndefinedFunction:
            result.warning = (
                "县中心尚未升级到可下载预约的版本（请县中心运行 yichuang central upgrade）"
            )
        finally:
            queue.close()
        if result.warning:
            log.warning("%s", result.warning)
        return result

    def _sync(
        self,
        conn: psycopg.Connection[Any],
        identity: Mapping[str, Any],
        store: BookingStore,
        puller: str,
        result: BookingSyncResult,
    ) -> None:
        now = self.clock()
        feed = store.county_feed()
        after = feed.cursor
        used = hall_reports(store, now, self.report_days)
        while True:
            req = dict(identity, after_xid=str(after[0]), after_seq=after[1], limit=self.limit)
            if used:
                req["used"] = used
            row = conn.execute(
                "SELECT yc_api.sync_bookings_v1(%s::jsonb)", [json.dumps(req, ensure_ascii=False)]
            ).fetchone()
            assert row is not None
            reply: dict[str, Any] = row[0]
            used = []  # reported once per sync
            result.reported += int(reply.get("reported") or 0)
            changes = reply.get("changes") or []
            cursor = (int(reply["cursor"]["xid"]), int(reply["cursor"]["seq"]))
            page = CountyPage(
                after, cursor, [CountyBooking.from_row(c["row"]) for c in changes if c.get("row")]
            )
            if (
                not page.bookings and not feed.held and not reply.get("more")
                and feed.applied_at is not None and now - feed.applied_at < IDLE_CURSOR_MOVE
            ):  # fmt: skip
                return  # nothing to apply: no write of the feed to the shared queue store
            applied: CountyApplied = store.apply_county(page, now=self.clock(), puller=puller)
            result.pulled += len(changes)
            result.added += applied.added
            result.cancelled += applied.cancelled
            result.issues += len(applied.issues)
            for number, kind, message in applied.issues:
                log.warning("county booking %s: %s: %s", number, kind, message)
            if applied.skipped:
                # another workstation of the hall applied it meanwhile: go on from there
                cursor = max(cursor, store.county_cursor())
            after = cursor
            if not reply.get("more"):
                return
