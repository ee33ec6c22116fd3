"""Reading the queue for screens and services: the change counter and the event
log, tickets (by id, by the number a clerk types), who waits, the windows, the
wait estimate, stale calls."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import and_, select, text

from app.core.queue_policy import (
    Ahead,
    CallOutcome,
    Candidate,
    CounterState,
    HallCounter,
    Presence,
    Waiting,
    ahead_of,
    business_day,
)
from app.core.queue_records import (
    CounterInfo,
    EvaluationInfo,
    QueueEvent,
    StaleCall,
    TicketInfo,
    WaitEstimate,
)
from db.queue.figures import FiguresOps
from db.queue.sql import CALL, CALLED, CTR, EVAL, EVT, HALL, PRES, PRESENCE_COLS, TKT, WAITING
from db.queue_models import HALL_ROW, WAITING_SQL


class ReadOps(FiguresOps):
    """Reads that see one state (wait_estimate uses the day's figures)."""

    def last_event_no(self) -> int:
        """The change counter: it moves with every committed operation."""
        with self.read_tx() as conn:
            return int(
                conn.execute(select(HALL.c.last_event).where(HALL.c.id == HALL_ROW)).scalar_one()
            )

    def events_after(self, no: int, limit: int = 500) -> list[QueueEvent]:
        """Events numbered above ``no``, oldest first: gap-free and in commit order,
        so a screen that remembers the last number it showed misses nothing."""
        with self.read_tx() as conn:
            rows = conn.execute(
                select(EVT).where(EVT.c.no > no).order_by(EVT.c.no).limit(limit)
            ).all()
        return [
            QueueEvent(r.no, r.at, r.actor, r.action, r.window_no, r.ticket_id, r.ticket, r.reason,
                       dict(r.detail or {}))
            for r in rows
        ]  # fmt: skip

    def actors_at_window(self, window_no: str, since: datetime, limit: int = 50) -> list[str]:
        """Who acted at ``window_no`` since ``since``, newest first (a keypad's window
        worked from a counter on another PC)."""
        with self.read_tx() as conn:
            rows = conn.execute(
                select(EVT.c.actor)
                .where(EVT.c.window_no == window_no, EVT.c.at >= since)
                .order_by(EVT.c.no.desc())
                .limit(limit)
            ).all()
        return [str(r.actor) for r in rows]

    def ticket(self, ticket_id: uuid.UUID) -> TicketInfo:
        with self.read_tx() as conn:
            return self._ticket_info(conn, self.hall_config(conn), ticket_id)

    def find_ticket(self, display: str, *, now: datetime | None = None) -> TicketInfo | None:
        """The newest ticket, up to the current queue day, with the number a clerk
        types: ``a15`` finds A015."""
        now = now or datetime.now()
        typed = display.strip().upper()
        prefix = "".join(ch for ch in typed if ch.isalpha())
        digits = "".join(ch for ch in typed if ch.isdigit())
        if not prefix or not digits:
            return None
        with self.read_tx() as conn:
            cfg = self.hall_config(conn)
            cat = next((c for c in cfg.by_code.values() if c.spec.prefix == prefix), None)
            if cat is None:
                return None
            row = conn.execute(
                select(TKT.c.id)
                .where(
                    TKT.c.issued_category_id == cat.id,
                    TKT.c.number == int(digits),
                    TKT.c.day <= business_day(now, cat.spec.reset_time),
                )
                .order_by(TKT.c.day.desc())
                .limit(1)
            ).first()
            return None if row is None else self._ticket_info(conn, cfg, row.id)

    def waiting(self, *, now: datetime | None = None) -> list[TicketInfo]:
        """Every ticket that can still be called, in place order (for the manager
        view and the hall display's "waiting" counts)."""
        now = now or datetime.now()
        with self.read_tx() as conn:
            cfg = self.hall_config(conn)
            rows = conn.execute(select(TKT).where(text(WAITING_SQL)).order_by(TKT.c.seq))
            out = []
            for row in rows:
                spec = cfg.by_id[row.category_id].spec
                if spec.carry_over or row.day >= business_day(now, spec.reset_time):
                    out.append(self._info(cfg, row._mapping))
            return out

    def counters(self) -> list[CounterInfo]:
        with self.read_tx() as conn:
            cfg = self.hall_config(conn)
            rows = conn.execute(
                select(CTR.c.window_no, CTR.c.name, CTR.c.paused, CTR.c.pause_reason, TKT.c.display)
                .select_from(
                    CTR.outerjoin(
                        TKT, and_(TKT.c.id == CTR.c.current_ticket_id, TKT.c.status == CALLED)
                    )
                )
                .where(CTR.c.active.is_(True))
                .order_by(CTR.c.window_no)
            ).all()
        return [
            CounterInfo(r.window_no, r.name, dict(cfg.counters[r.window_no].weights), r.paused,
                        r.pause_reason, r.display)
            for r in rows
        ]  # fmt: skip

    def wait_estimate(
        self, ticket_id: uuid.UUID, *, now: datetime | None = None
    ) -> WaitEstimate | None:
        """How many the hall's rule will call before this waiting ticket at the
        windows that can call it, playing the rule forward from every open window's
        state (``ahead_of``), and the wait from the day's mean service time — of
        the ticket's category, else of the whole hall. None when the ticket is not
        waiting or no open window serves it."""
        now = now or datetime.now()
        with self.read_tx() as conn:
            cfg = self.hall_config(conn)
            mine = conn.execute(
                select(TKT.c.status, TKT.c.category_id).where(TKT.c.id == ticket_id)
            ).first()
            if mine is None or mine.status != WAITING:
                return None
            rows = conn.execute(
                select(TKT.c.id, TKT.c.seq, TKT.c.day, TKT.c.category_id, TKT.c.priority,
                       TKT.c.target_counter_id).where(text(WAITING_SQL))
            ).all()  # fmt: skip
            busy_t = TKT.alias("busy")
            counters = conn.execute(
                select(CTR.c.id, CTR.c.window_no, CTR.c.state, busy_t.c.id.label("serving"))
                .select_from(
                    CTR.outerjoin(
                        busy_t,
                        and_(busy_t.c.id == CTR.c.current_ticket_id, busy_t.c.status == CALLED),
                    )
                )
                .where(CTR.c.active.is_(True), CTR.c.paused.is_(False))
                .order_by(CTR.c.window_no)
            ).all()
        waiting = []
        for r in rows:
            spec = cfg.by_id[r.category_id].spec
            if (
                r.target_counter_id is None
                and not spec.carry_over
                and r.day < business_day(now, spec.reset_time)
            ):
                continue  # never called again (the daily reset expires it)
            target = cfg.counter_by_id.get(r.target_counter_id) if r.target_counter_id else None
            waiting.append(
                Waiting(
                    Candidate(str(r.id), r.seq, spec.code, bool(r.priority)),
                    target.window_no if target else None,
                )
            )
        hall = [
            HallCounter(c.window_no, cfg.counters[c.window_no].weights,
                        CounterState.from_dict(c.state), c.serving is not None)
            for c in counters
            if c.window_no in cfg.counters
        ]  # fmt: skip
        ahead: Ahead | None = ahead_of(str(ticket_id), waiting, hall, cfg.policy)
        if ahead is None:
            return None
        spec = cfg.by_id[mine.category_id].spec
        stats = self.day_stats(business_day(now, spec.reset_time))
        own = stats.by_category.get(spec.code)
        mean = own.service.mean if own is not None and own.service.count else None
        if mean is None:
            mean = stats.total.service.mean
        return WaitEstimate(
            ahead.people, ahead.services, mean, None if mean is None else ahead.services * mean
        )

    def stale_calls(self, *, now: datetime | None = None) -> list[StaleCall]:
        """Calls whose window died or that are older than the hall allows, by window:
        for the manager view and the restarted counter."""
        now = now or datetime.now()
        with self.read_tx() as conn:
            cfg = self.hall_config(conn)
            rows = conn.execute(
                select(CTR.c.window_no.label("window"), TKT,
                       *(PRES.c[c].label(f"p_{c}") for c in PRESENCE_COLS))
                .select_from(
                    CTR.join(TKT, and_(TKT.c.id == CTR.c.current_ticket_id,
                                       TKT.c.status == CALLED))
                    .outerjoin(PRES, PRES.c.window_no == CTR.c.window_no)
                )
                .where(CTR.c.active.is_(True))
                .order_by(CTR.c.window_no)
            ).all()  # fmt: skip
        out = []
        for r in rows:
            m = r._mapping
            presence = (
                Presence(m["p_program"], m["p_since"], m["p_seen_at"], m["p_lapsed_at"])
                if m["p_program"] is not None
                else None
            )
            stale = self._staleness(cfg, cast(Mapping[str, Any], m), presence, now)
            if stale is not None:
                out.append(StaleCall(m["window"], self._info(cfg, m), stale.since, stale.why))
        return out

    def stale_call(self, window_no: str, *, now: datetime | None = None) -> StaleCall | None:
        """This window's call, if it is stale."""
        return next((s for s in self.stale_calls(now=now) if s.window_no == window_no), None)

    def last_finished(self, window_no: str) -> TicketInfo | None:
        """The ticket this window finished last: the one its evaluator rates."""
        with self.read_tx() as conn:
            cfg = self.hall_config(conn)
            row = conn.execute(
                select(CALL.c.ticket_id)
                .where(CALL.c.window_no == window_no, CALL.c.outcome == CallOutcome.DONE.value)
                .order_by(CALL.c.ended_at.desc())
                .limit(1)
            ).first()
            return None if row is None else self._ticket_info(conn, cfg, row.ticket_id)

    def evaluations(
        self, *, max_level: int = 5, since: datetime | None = None, limit: int = 1000
    ) -> list[EvaluationInfo]:
        """Evaluations at or below ``max_level`` (2: the 差评), oldest first, made at or
        after ``since``."""
        query = (
            select(EVAL, TKT.c.display)
            .select_from(EVAL.join(TKT, TKT.c.id == EVAL.c.ticket_id))
            .where(EVAL.c.level <= max_level)
            .order_by(EVAL.c.at, EVAL.c.id)
            .limit(limit)
        )
        if since is not None:
            query = query.where(EVAL.c.at >= since)
        with self.read_tx() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            EvaluationInfo(
                r["id"], r["ticket_id"], r["display"], r["call_id"],
                tuple(json.loads(r["case_nos"]) if isinstance(r["case_nos"], str)
                      else r["case_nos"] or ()),
                r["window_no"], r["clerk"], r["day"], r["level"], r["label"], r["comment"],
                r["at"],
            )
            for r in rows
        ]  # fmt: skip
