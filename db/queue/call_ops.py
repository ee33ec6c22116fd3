"""Calling (叫号): the next ticket by the hall's rules (call_next, the hot path: the
counter's lanes in one snapshot, the policy's ranked choices, the claim that
skips tickets another counter holds) and one ticket by its number (call_ticket)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from app.core.ids import uuid7
from app.core.queue_policy import (
    CallOutcome,
    Choice,
    CounterState,
    Presence,
    Rule,
    TicketStatus,
    after_manual_call,
    business_day,
    choose_next,
)
from app.core.queue_records import Action, QueueError, TicketInfo
from db.queue.base import QueueBase, Tx
from db.queue.config import ConfigCounter, HallConfig
from db.queue.sql import CALLED, DONE, LANE_COLS, LANE_DEPTH, RANKED, TICKET_COLS, WAITING, Step


class CallOps(QueueBase):
    """Calling tickets to a window."""

    def call_next(
        self,
        window_no: str,
        *,
        clerk: str,
        now: datetime | None = None,
        finish_current: bool = True,
    ) -> TicketInfo | None:
        """Call the next ticket at this counter by the hall's rules (叫下一位); None
        when nobody it serves is waiting. The ticket being served is finished first
        (``finish_current``), as the caller keypad's "next" key does; without it, a
        ticket still being served is an error.

        Three round trips on PostgreSQL: (the counter's lock, its current ticket,
        the lanes), (finish the current one, claim the choice), (the counter, the
        log, COMMIT)."""
        now = now or datetime.now()
        raw = self.raw
        with self.write_tx() as tx:
            cfg, ctr = self._cfg, self._cfg.counters.get(window_no) if self._cfg else None
            steps: list[Step] = [(raw.lock_counter_current, {"w": window_no})]
            if cfg is not None and ctr is not None:  # the lanes too, if the set-up is current
                steps.append((cfg.lane_sql(raw, ctr, 0), self._lane_params(cfg, ctr, now)))
            first = tx.batch(steps)
            row = self._counter_row([r[:7] for r in first[0]], window_no)
            joined = first[0][0]
            n = 7 + len(TICKET_COLS)
            if cfg is None or ctr is None or cfg.version != row["config_version"]:
                cfg = self.hall_config(tx, row["config_version"])
                ctr = cfg.counter(window_no)
                lanes = tx.all(cfg.lane_sql(raw, ctr, 0), self._lane_params(cfg, ctr, now))
            else:
                lanes = first[1]
            if row["paused"]:
                raise QueueError(
                    f"{window_no}号窗口已暂停服务（{row['pause_reason']}），请先恢复服务"
                )
            state = CounterState.from_dict(row["state"])
            current = raw.ticket_row(joined[7:n]) if joined[7] is not None else None
            if row["current_ticket_id"] is not None and (
                current is None or current["id"] != row["current_ticket_id"]
            ):
                # PostgreSQL, after waiting for the lock while another press of this
                # window's key committed: the locking read re-checked only the counter's
                # row and joined nothing; read the ticket it now serves on its own
                current = raw.ticket_row(tx.one(raw.current_ticket, {"w": window_no}))
            pending: list[Step] = []  # sent with the claim: finish the one being served
            if current is not None and current["status"] == CALLED:
                if not finish_current:
                    raise QueueError(f"{current['display']}还在办理，请先办结、过号或转移")
                presence = self._presence(joined[n:])
                self._refuse_stale(cfg, current, presence, now)
                pending = self._finish_steps(cfg, ctr, current, now)
            finished = False
            busy: list[uuid.UUID] = []  # tried, but another counter had it at that moment
            while True:
                ranked = self._ranked(cfg, ctr, [raw.row(LANE_COLS, v) for v in lanes], state)
                results = tx.batch([*pending, *self._claim_steps(ranked, ctr, clerk, now)])
                if pending:
                    finished, pending = bool(results[0]), []
                claimed = results[-1] if ranked else []
                if claimed or not ranked:
                    break
                busy += [uuid.UUID(c.candidate.ref) for c in ranked]
                params = self._lane_params(cfg, ctr, now)
                params |= {f"b{i}": raw.uid(b) for i, b in enumerate(busy)}
                lanes = tx.all(cfg.lane_sql(raw, ctr, len(busy)), params)
            events: list[dict[str, Any]] = []
            if finished:
                assert current is not None
                events.append(
                    {"at": now, "actor": clerk, "action": Action.FINISH, "window_no": window_no,
                     "ticket_id": current["id"], "ticket": current["display"],
                     "reason": "叫下一位"}
                )  # fmt: skip
            if not claimed:  # nobody waiting; the finish of the one being served stands
                if events:
                    self.commit_events(tx, events, counter=(ctr.id, None, state))
                return None
            ticket = raw.ticket_row(claimed[0])
            assert ticket is not None
            won = next(i for i, c in enumerate(ranked) if c.candidate.ref == str(ticket["id"]))
            busy += [uuid.UUID(c.candidate.ref) for c in ranked[:won]]
            choice = ranked[won]
            detail: dict[str, Any] = {"rule": choice.rule.value, "seq": ticket["seq"]}
            if busy:
                detail["busy"] = [str(b) for b in busy]
            events.append(
                {"at": now, "actor": clerk, "action": Action.CALL, "window_no": window_no,
                 "ticket_id": ticket["id"], "ticket": ticket["display"],
                 "reason": choice.rule.value, "detail": detail}
            )  # fmt: skip
            self.commit_events(tx, events, counter=(ctr.id, ticket["id"], choice.state))
            return self._info(cfg, ticket)

    def _finish_steps(
        self, cfg: HallConfig, ctr: ConfigCounter, current: Mapping[str, Any], now: datetime
    ) -> list[Step]:
        """Finish the ticket being served and write its call row. The first step
        returns a row only if it was still being served."""
        raw = self.raw
        finish = {
            "done": DONE,
            "called": CALLED,
            "now": raw.moment(now),
            "t": raw.uid(current["id"]),
        }
        if self._sqlite:  # serialised: what was read is what is there
            return [
                (raw.finish_current, finish),
                self._call_row(cfg, current, CallOutcome.DONE, now),
            ]
        spec = cfg.by_id[current["category_id"]].spec
        return [
            (raw.finish_and_record, finish | {
                "call": uuid7(), "window_no": ctr.window_no, "outcome": CallOutcome.DONE.value,
                "day": business_day(current["called_at"], spec.reset_time),
            })
        ]  # fmt: skip

    def _lane_params(self, cfg: HallConfig, ctr: ConfigCounter, now: datetime) -> dict[str, Any]:
        params: dict[str, Any] = {"waiting": WAITING}
        for i, code in enumerate(ctr.weights):
            spec = cfg.by_code[code].spec
            if not spec.carry_over:
                params[f"d_{i}"] = self.raw.day(business_day(now, spec.reset_time))
        return params

    def _ranked(
        self, cfg: HallConfig, ctr: ConfigCounter, rows: list[dict[str, Any]], state: CounterState
    ) -> list[Choice]:
        """The policy's choice, then its choice were that one taken, and so on: the
        order in which to try to claim (SQLite, where nobody else can hold a ticket,
        needs only the first). Stops before a lane whose unread tickets might count."""
        candidates = [self._candidate(cfg, r, ctr) for r in rows]
        if self._sqlite:
            first = choose_next(candidates, ctr.weights, state, cfg.policy)
            return [] if first is None else [first]
        lane_of = {
            c.ref: (c.direct, "" if c.direct else c.category, c.priority) for c in candidates
        }
        left: dict[tuple[bool, str, bool], int] = defaultdict(int)
        for lane in lane_of.values():
            left[lane] += 1
        out: list[Choice] = []
        while len(out) < RANKED:
            choice = choose_next(candidates, ctr.weights, state, cfg.policy)
            if choice is None:
                break
            out.append(choice)
            lane = lane_of[choice.candidate.ref]
            left[lane] -= 1
            if left[lane] == 0 and sum(1 for v in lane_of.values() if v == lane) >= LANE_DEPTH:
                break  # that lane may hold more tickets than were read
            candidates = [c for c in candidates if c.ref != choice.candidate.ref]
        return out

    def _claim_steps(
        self, ranked: list[Choice], ctr: ConfigCounter, clerk: str, now: datetime
    ) -> list[Step]:
        """Claim the first of the ranked choices that no other counter holds."""
        if not ranked:
            return []
        raw = self.raw
        params = {"called": CALLED, "waiting": WAITING, "ctr": raw.uid(ctr.id),
                  "call": raw.uid(uuid7()), "now": raw.moment(now), "clerk": clerk}  # fmt: skip
        if len(ranked) == 1:
            first = ranked[0]
            params |= {"t": raw.uid(uuid.UUID(first.candidate.ref)), "rule": first.rule.value}
            return [(raw.claim, params)]
        params |= {"ids": [uuid.UUID(c.candidate.ref) for c in ranked],
                   "rules": [c.rule.value for c in ranked]}  # fmt: skip
        return [(raw.claim_ranked, params)]

    def call_ticket(
        self,
        window_no: str,
        ticket_id: uuid.UUID,
        *,
        clerk: str,
        reason: str = "",
        now: datetime | None = None,
        finish_current: bool = True,
    ) -> TicketInfo:
        """Call one waiting ticket by its number, outside the order (指定叫号)."""
        now = now or datetime.now()
        with self.write_tx() as tx:
            cfg, ctr, row = self._counter_for_call(tx, window_no)
            events = self._finish_current(tx, cfg, ctr, row, clerk, now, finish_current)
            current = self._locked_ticket(tx, ticket_id)
            self._expect_status(cfg, current, TicketStatus.WAITING)
            ticket = self._claim(tx, ticket_id, ctr, clerk, now, Rule.MANUAL)
            assert ticket is not None  # we hold its lock and it is waiting
            state = after_manual_call(
                CounterState.from_dict(row["state"]), self._candidate(cfg, ticket, ctr)
            )
            detail = {"rule": Rule.MANUAL.value, "seq": ticket["seq"]}
            return self._called(tx, cfg, ctr, ticket, state, events, detail, reason)

    def _counter_for_call(
        self, tx: Tx, window_no: str
    ) -> tuple[HallConfig, ConfigCounter, dict[str, Any]]:
        row = self._lock_counter(tx, window_no)
        cfg = self.hall_config(tx, row["config_version"])
        if row["paused"]:
            raise QueueError(f"{window_no}号窗口已暂停服务（{row['pause_reason']}），请先恢复服务")
        return cfg, cfg.counter(window_no), row

    def _finish_current(
        self,
        tx: Tx,
        cfg: HallConfig,
        ctr: ConfigCounter,
        row: Mapping[str, Any],
        clerk: str,
        now: datetime,
        finish_current: bool,
    ) -> list[dict[str, Any]]:
        raw = self.raw
        current = row["current_ticket_id"]
        if current is None:
            return []
        if not finish_current:
            ticket = raw.ticket_row(tx.one(raw.ticket, {"t": raw.uid(current)}))
            if ticket is not None and ticket["status"] == CALLED:
                raise QueueError(f"{ticket['display']}还在办理，请先办结、过号或转移")
            return []
        ticket = raw.ticket_row(tx.one(raw.ticket, {"t": raw.uid(current)}))
        if ticket is not None and ticket["status"] == CALLED:
            presence = self._presence(tx.one(raw.presence, {"w": ctr.window_no}))
            self._refuse_stale(cfg, ticket, presence, now)
        done = raw.ticket_row(
            tx.one(
                raw.finish_current,
                {"done": DONE, "called": CALLED, "now": raw.moment(now), "t": raw.uid(current)},
            )
        )
        if done is None:
            return []
        self._insert_call(tx, cfg, done, CallOutcome.DONE, now)
        return [{"at": now, "actor": clerk, "action": Action.FINISH, "window_no": ctr.window_no,
                 "ticket_id": done["id"], "ticket": done["display"], "reason": "叫下一位"}]  # fmt: skip

    def _claim(
        self, tx: Tx, ticket_id: uuid.UUID, ctr: ConfigCounter, clerk: str, now: datetime,
        rule: Rule,
    ) -> dict[str, Any] | None:  # fmt: skip
        """The ticket, now called to this counter; None when another counter holds it."""
        raw = self.raw
        params = {"called": CALLED, "waiting": WAITING, "t": raw.uid(ticket_id),
                  "ctr": raw.uid(ctr.id), "call": raw.uid(uuid7()), "now": raw.moment(now),
                  "clerk": clerk, "rule": rule.value}  # fmt: skip
        return raw.ticket_row(tx.one(raw.claim, params))

    def _called(
        self,
        tx: Tx,
        cfg: HallConfig,
        ctr: ConfigCounter,
        ticket: dict[str, Any],
        state: CounterState,
        events: list[dict[str, Any]],
        detail: dict[str, Any],
        reason: str,
    ) -> TicketInfo:
        events.append(
            {"at": ticket["called_at"], "actor": ticket["clerk"], "action": Action.CALL_TICKET,
             "window_no": ctr.window_no, "ticket_id": ticket["id"], "ticket": ticket["display"],
             "reason": reason or Rule.MANUAL.value, "detail": detail}
        )  # fmt: skip
        self.commit_events(tx, events, counter=(ctr.id, ticket["id"], state))
        return self._info(cfg, ticket)

    def _refuse_stale(
        self, cfg: HallConfig, ticket: Mapping[str, Any], presence: Presence | None, now: datetime
    ) -> None:
        """A "next" never ends a stale call behind the clerk's back."""
        stale = self._staleness(cfg, ticket, presence, now)
        if stale is not None:
            raise QueueError(
                f"{ticket['display']}的呼叫已中断（{stale.why}），请先重呼、过号或办结"
            )
