"""The daily reset (日终清号): earlier queue days' waiting tickets expire in the
categories without carry-over."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text, update

from app.core.queue_policy import TicketStatus, business_day
from app.core.queue_records import Action
from db.queue.base import QueueBase
from db.queue.sql import TKT
from db.queue_models import WAITING_SQL


class DayResetOps(QueueBase):
    """The daily reset."""

    def close_day(self, *, actor: str = "system", now: datetime | None = None) -> int:
        """The daily reset (日终清号): waiting tickets of an earlier queue day expire in
        categories without carry-over. Safe to run at any time, from any process, as
        often as wished: the queue never calls such tickets even before it runs
        (tickets transferred to a window excepted, so run it at the reset)."""
        now = now or datetime.now()
        expired = 0
        with self.write_tx() as tx:
            cfg = self.hall_config(tx)
            events = []
            for cat in cfg.by_code.values():
                if cat.spec.carry_over:
                    continue
                count = tx.conn.execute(
                    update(TKT)
                    .where(
                        text(WAITING_SQL),
                        TKT.c.category_id == cat.id,
                        TKT.c.day < business_day(now, cat.spec.reset_time),
                    )
                    .values(status=TicketStatus.EXPIRED.value)
                ).rowcount
                if count:
                    expired += count
                    events.append(
                        {"at": now, "actor": actor, "action": Action.EXPIRE,
                         "reason": f"{cat.spec.name}日终清号",
                         "detail": {"category": cat.spec.code, "expired": count}}
                    )  # fmt: skip
            if events:
                self.commit_events(tx, events)
        return expired
