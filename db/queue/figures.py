"""The queue's figures: one day's statistics (day_stats: waits, service times,
no-shows and satisfaction per category and clerk) and the raw day rows the
screens count from (day_rows)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select

from app.core.queue_policy import Evaluation, business_day
from app.core.queue_records import DayStats, Durations, GroupStats
from db.queue.base import QueueBase
from db.queue.sql import (
    CALL,
    CALLED,
    CAT,
    CTR,
    DAYC,
    DONE_CALL,
    EVAL,
    SKIPPED,
    SKIPPED_CALL,
    TKT,
    TRANSFERRED_CALL,
)


class FiguresOps(QueueBase):
    """Statistics and day rows."""

    def day_rows(self, since: date, skipped_since: date) -> tuple[list[Any], list[Any], list[Any]]:
        """Raw figures since ``since`` for the screens' counts: (category code, day,
        tickets issued), (window, category code, day, calls ended 办结), and the 过号
        tickets since ``skipped_since`` as (id, category code, day), in number order."""
        with self.read_tx() as conn:
            issued = conn.execute(
                select(CAT.c.code, DAYC.c.day, DAYC.c.issued)
                .select_from(DAYC.join(CAT, CAT.c.id == DAYC.c.category_id))
                .where(DAYC.c.day >= since)
            ).all()
            served = conn.execute(
                select(CALL.c.window_no, CAT.c.code, CALL.c.day, func.count())
                .select_from(CALL.join(CAT, CAT.c.id == CALL.c.category_id))
                .where(CALL.c.day >= since, CALL.c.outcome == DONE_CALL)
                .group_by(CALL.c.window_no, CAT.c.code, CALL.c.day)
            ).all()
            skipped = conn.execute(
                select(TKT.c.id, CAT.c.code, TKT.c.day)
                .select_from(TKT.join(CAT, CAT.c.id == TKT.c.category_id))
                .where(TKT.c.status == SKIPPED, TKT.c.day >= skipped_since)
                .order_by(TKT.c.seq)
            ).all()
        return list(issued), list(served), list(skipped)

    def day_stats(self, day: date) -> DayStats:
        """One queue day: tickets issued, wait and service times, no-shows and
        satisfaction, per category and per clerk (calls still open count as calls
        and waits)."""
        with self.read_tx() as conn:
            cfg = self.hall_config(conn)
            issued = conn.execute(
                select(TKT.c.issued_category_id, func.count())
                .where(TKT.c.issued_category_id.in_(list(cfg.by_id)), TKT.c.day == day)
                .group_by(TKT.c.issued_category_id)
            ).all()  # by the (category, day, number) index
            calls = conn.execute(
                select(CALL.c.category_id, CALL.c.clerk, CALL.c.enqueued_at, CALL.c.called_at,
                       CALL.c.ended_at, CALL.c.outcome, CALL.c.downtime_s)
                .where(CALL.c.day == day)
            ).all()  # fmt: skip
            open_calls = conn.execute(  # every ticket being served is a counter's current one
                select(TKT.c.category_id, TKT.c.clerk, TKT.c.enqueued_at, TKT.c.called_at).where(
                    TKT.c.id.in_(select(CTR.c.current_ticket_id)), TKT.c.status == CALLED
                )
            ).all()
            evals = conn.execute(
                select(EVAL.c.clerk, EVAL.c.level, TKT.c.category_id)
                .select_from(EVAL.join(TKT, TKT.c.id == EVAL.c.ticket_id))
                .where(EVAL.c.day == day)
            ).all()

        codes = {cid: c.spec.code for cid, c in cfg.by_id.items()}
        total = _Acc()
        by_cat: dict[str, _Acc] = defaultdict(_Acc)
        by_clerk: dict[str, _Acc] = defaultdict(_Acc)
        for cat_id, clerk, enqueued, called, ended, outcome, down in calls:
            wait = (called - enqueued).total_seconds()
            service = (
                None
                if outcome == SKIPPED_CALL
                else max(0.0, (ended - called).total_seconds() - (down or 0.0))
            )
            for acc in (total, by_cat[codes[cat_id]], by_clerk[clerk]):
                acc.add_call(wait, service, outcome)
        for cat_id, clerk, enqueued, called in open_calls:
            if business_day(called, cfg.by_id[cat_id].spec.reset_time) == day:
                wait = (called - enqueued).total_seconds()
                for acc in (total, by_cat[codes[cat_id]], by_clerk[clerk]):
                    acc.add_call(wait, None, None)
        for clerk, level, cat_id in evals:
            for acc in (total, by_cat[codes[cat_id]], by_clerk[clerk]):
                acc.levels.append(level)
        for cat_id, count in issued:
            by_cat[codes[cat_id]].issued += count
            total.issued += count
        return DayStats(
            day,
            total.stats("全部"),
            {k: acc.stats(k) for k, acc in by_cat.items()},
            {k: acc.stats(k) for k, acc in by_clerk.items()},
        )


@dataclass(slots=True)
class _Acc:
    issued: int = 0
    calls: int = 0
    served: int = 0
    no_shows: int = 0
    transferred: int = 0
    waits: list[float] = field(default_factory=list)
    services: list[float] = field(default_factory=list)
    levels: list[int] = field(default_factory=list)

    def add_call(self, wait: float, service: float | None, outcome: str | None) -> None:
        self.calls += 1
        self.waits.append(wait)
        if outcome == DONE_CALL:
            self.served += 1
        elif outcome == SKIPPED_CALL:
            self.no_shows += 1
        elif outcome == TRANSFERRED_CALL:
            self.transferred += 1
        if service is not None:
            self.services.append(service)

    def stats(self, key: str) -> GroupStats:
        satisfied = sum(1 for v in self.levels if v >= Evaluation.BASICALLY_SATISFIED)
        return GroupStats(
            key, self.issued, self.calls, self.served, self.no_shows, self.transferred,
            Durations.of(self.waits), Durations.of(self.services), len(self.levels),
            satisfied / len(self.levels) if self.levels else None,
        )  # fmt: skip
