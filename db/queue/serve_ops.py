"""What a window does with the ticket it serves and with itself: recall, skip
(过号), finish (办结), transfer, reactivation of a no-show, pause and resume, the
window program's heartbeat, and the applicant's evaluation (好差评)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from app.core.caseno import CaseNumber, CaseNumberError
from app.core.ids import uuid7
from app.core.queue_policy import (
    CallOutcome,
    Evaluation,
    Presence,
    QueueRuleError,
    Staleness,
    TicketStatus,
    business_day,
    evaluation_problems,
)
from app.core.queue_records import Action, QueueError, RecallResult, TicketInfo
from db.queue.base import QueueBase, Tx, call_downtime
from db.queue.config import HallConfig
from db.queue.sql import CALL, CALLED, CTR, DONE, EVAL, SKIPPED, TKT, WAITING


class ServeOps(QueueBase):
    """The call in progress and the window."""

    def _current(
        self, tx: Tx, window_no: str, now: datetime
    ) -> tuple[HallConfig, dict[str, Any], dict[str, Any], Staleness | None]:
        """The counter and the ticket it is serving, both locked, and whether that
        call is stale."""
        row = self._lock_counter(tx, window_no)
        cfg = self.hall_config(tx, row["config_version"])
        ticket = None
        if row["current_ticket_id"] is not None:
            ticket = self.raw.ticket_row(
                tx.one(self.raw.lock_ticket, {"t": self.raw.uid(row["current_ticket_id"])})
            )
        if ticket is None or ticket["status"] != CALLED:
            raise QueueError(f"{window_no}号窗口当前没有正在办理的号")
        presence = self._presence(tx.one(self.raw.presence, {"w": window_no}))
        return cfg, row, ticket, self._staleness(cfg, ticket, presence, now)

    def _end(
        self,
        tx: Tx,
        cfg: HallConfig,
        counter_row: Mapping[str, Any],
        ticket: Mapping[str, Any],
        outcome: CallOutcome,
        now: datetime,
        values: dict[str, Any],
        stale: Staleness | None = None,
    ) -> None:
        """End the current call: the call row, the ticket, the counter."""
        self._insert_call(tx, cfg, ticket, outcome, now, stale)
        tx.conn.execute(
            update(TKT).where(TKT.c.id == ticket["id"]).values(current_call_id=None, **values)
        )
        tx.run(self.raw.clear_counter, {"c": self.raw.uid(counter_row["id"])})

    def recall(self, window_no: str, *, clerk: str, now: datetime | None = None) -> RecallResult:
        """Call the current ticket again (重呼). Past the hall's recall limit the
        ticket is marked 过号 instead, and the log says why."""
        now = now or datetime.now()
        with self.write_tx() as tx:
            cfg, counter_row, ticket, stale = self._current(tx, window_no, now)
            limit = cfg.policy.recall_limit
            if ticket["recalls"] >= limit:
                self._end(tx, cfg, counter_row, ticket, CallOutcome.SKIPPED, now,
                          {"status": SKIPPED}, stale)  # fmt: skip
                action, skipped, recalls = Action.AUTO_SKIP, True, ticket["recalls"]
                reason = f"重呼{limit}次未到，自动过号"
            else:  # live again from now; a stale call's downtime is set apart
                recalls = ticket["recalls"] + 1
                tx.conn.execute(
                    update(TKT)
                    .where(TKT.c.id == ticket["id"])
                    .values(
                        recalls=recalls, live_at=now, downtime_s=call_downtime(ticket, stale, now)
                    )
                )
                action, skipped, reason = Action.RECALL, False, f"第{recalls}次重呼"
                if stale is not None:
                    reason += f"（呼叫中断后：{stale.why}）"
            self.commit_events(
                tx,
                [{"at": now, "actor": clerk, "action": action, "window_no": window_no,
                  "ticket_id": ticket["id"], "ticket": ticket["display"], "reason": reason,
                  "detail": {"recalls": recalls}}],
            )  # fmt: skip
            info = self._ticket_info(tx.conn, cfg, ticket["id"])
        return RecallResult(info, recalls, skipped)

    def skip(
        self, window_no: str, *, clerk: str, reason: str = "叫号未到", now: datetime | None = None
    ) -> TicketInfo:
        """Mark the current ticket as a no-show (过号), with the reason."""
        now = now or datetime.now()
        if not reason.strip():
            raise QueueError("请填写过号原因")
        with self.write_tx() as tx:
            cfg, counter_row, ticket, stale = self._current(tx, window_no, now)
            self._end(
                tx, cfg, counter_row, ticket, CallOutcome.SKIPPED, now, {"status": SKIPPED}, stale
            )
            self.commit_events(
                tx,
                [{"at": now, "actor": clerk, "action": Action.SKIP, "window_no": window_no,
                  "ticket_id": ticket["id"], "ticket": ticket["display"],
                  "reason": reason.strip()}],
            )  # fmt: skip
            return self._ticket_info(tx.conn, cfg, ticket["id"])

    def finish(
        self,
        window_no: str,
        *,
        clerk: str,
        case_nos: Sequence[str] = (),
        now: datetime | None = None,
    ) -> TicketInfo:
        """The current ticket is served (办结), linked to the case(s) made for it."""
        now = now or datetime.now()
        cases = []
        for text_ in case_nos:
            try:
                cases.append(str(CaseNumber.parse(text_)))
            except CaseNumberError as exc:
                raise QueueError(str(exc)) from None
        with self.write_tx() as tx:
            cfg, counter_row, ticket, stale = self._current(tx, window_no, now)
            self._end(tx, cfg, counter_row, ticket, CallOutcome.DONE, now,
                      {"status": DONE, "finished_at": now, "case_nos": cases}, stale)  # fmt: skip
            detail: dict[str, Any] = {"case_nos": cases}
            if stale is not None:
                detail |= {"stale_since": stale.since.isoformat(), "stale": stale.why,
                           "downtime_s": call_downtime(ticket, stale, now)}  # fmt: skip
            self.commit_events(
                tx,
                [{"at": now, "actor": clerk, "action": Action.FINISH, "window_no": window_no,
                  "ticket_id": ticket["id"], "ticket": ticket["display"],
                  "reason": "呼叫中断后办结" if stale else "", "detail": detail}],
            )  # fmt: skip
            return self._ticket_info(tx.conn, cfg, ticket["id"])

    def transfer(
        self,
        window_no: str,
        *,
        clerk: str,
        to_category: str | None = None,
        to_window: str | None = None,
        keep_place: bool | None = None,
        reason: str = "",
        now: datetime | None = None,
    ) -> TicketInfo:
        """Send the current ticket to another category or another window (转移). It
        keeps its place or goes to the end by the hall's rule, unless ``keep_place``
        says otherwise."""
        now = now or datetime.now()
        if (to_category is None) == (to_window is None):
            raise QueueError("请选择转到的业务类别或窗口（只选一个）")
        with self.write_tx() as tx:
            cfg, counter_row, ticket, stale = self._current(tx, window_no, now)
            category, target = ticket["category_id"], None
            detail: dict[str, Any] = {}
            if to_category is not None:
                moved_to = cfg.category(to_category)
                if not moved_to.spec.active:
                    raise QueueError(f"{moved_to.spec.name}已停用，不能转入")
                category = moved_to.id
                detail |= {"from_category": cfg.by_id[ticket["category_id"]].spec.code,
                           "to_category": to_category}  # fmt: skip
            else:
                assert to_window is not None
                if to_window == window_no:
                    raise QueueError("不能转到本窗口")
                target = cfg.counter(to_window).id
                detail["to_window"] = to_window
            keep = cfg.policy.transfer_keeps_place if keep_place is None else keep_place
            detail["keep_place"] = keep
            self._insert_call(tx, cfg, ticket, CallOutcome.TRANSFERRED, now, stale)
            tx.run(self.raw.clear_counter, {"c": self.raw.uid(counter_row["id"])})
            self.commit_events(
                tx,
                [{"at": now, "actor": clerk, "action": Action.TRANSFER, "window_no": window_no,
                  "ticket_id": ticket["id"], "ticket": ticket["display"], "reason": reason,
                  "detail": detail}],
                seq=not keep,
                then=[self._requeue(ticket, now, keep, category=category, target=target)],
            )  # fmt: skip
            return self._ticket_info(tx.conn, cfg, ticket["id"])

    def reactivate(
        self,
        ticket_id: uuid.UUID,
        *,
        actor: str,
        reason: str = "",
        keep_place: bool | None = None,
        now: datetime | None = None,
    ) -> TicketInfo:
        """Put a no-show ticket back in the queue (过号恢复): at its old place or at the
        end by the hall's rule, unless ``keep_place`` says otherwise. Only tickets of
        the current queue day (or of a category with carry-over)."""
        now = now or datetime.now()
        with self.write_tx() as tx:
            cfg = self.hall_config(tx)
            ticket = self._locked_ticket(tx, ticket_id)
            self._expect_status(cfg, ticket, TicketStatus.SKIPPED)
            spec = cfg.by_id[ticket["category_id"]].spec
            if not spec.carry_over and ticket["day"] < business_day(now, spec.reset_time):
                raise QueueError(
                    f"{ticket['display']}是{ticket['day']:%Y-%m-%d}的号，已过期，不能恢复，请重新取号"
                )
            keep = cfg.policy.reactivate_keeps_place if keep_place is None else keep_place
            self.commit_events(
                tx,
                [{"at": now, "actor": actor, "action": Action.REACTIVATE, "ticket_id": ticket_id,
                  "ticket": ticket["display"], "reason": reason, "detail": {"keep_place": keep}}],
                seq=not keep,
                then=[self._requeue(ticket, now, keep, category=ticket["category_id"])],
            )  # fmt: skip
            return self._ticket_info(tx.conn, cfg, ticket_id)

    def _requeue(
        self,
        ticket: Mapping[str, Any],
        now: datetime,
        keep_place: bool,
        *,
        category: uuid.UUID,
        target: uuid.UUID | None = None,
    ) -> tuple[str, dict[str, Any]]:
        raw = self.raw
        return raw.requeue, {
            "waiting": WAITING, "now": raw.moment(now), "cat": raw.uid(category),
            "target": raw.uid(target), "to_end": 0 if keep_place else 1,
            "t": raw.uid(ticket["id"]),
        }  # fmt: skip

    def pause(
        self, window_no: str, *, clerk: str, reason: str, now: datetime | None = None
    ) -> None:
        """Pause the window (暂停服务): it calls nobody until it resumes."""
        if not reason.strip():
            raise QueueError("请填写暂停原因")
        self._set_paused(window_no, True, clerk, reason.strip(), now or datetime.now())

    def resume(
        self, window_no: str, *, clerk: str, reason: str = "", now: datetime | None = None
    ) -> None:
        self._set_paused(window_no, False, clerk, reason.strip(), now or datetime.now())

    def _set_paused(
        self, window_no: str, paused: bool, clerk: str, reason: str, now: datetime
    ) -> None:
        with self.write_tx() as tx:
            row = self._lock_counter(tx, window_no)
            if row["paused"] == paused:
                raise QueueError(f"{window_no}号窗口{'已经暂停服务' if paused else '没有暂停服务'}")
            tx.conn.execute(
                update(CTR)
                .where(CTR.c.id == row["id"])
                .values(paused=paused, pause_reason=reason if paused else "")
            )
            self.commit_events(
                tx,
                [{"at": now, "actor": clerk, "action": Action.PAUSE if paused else Action.RESUME,
                  "window_no": window_no, "reason": reason}],
            )  # fmt: skip

    def heartbeat(self, window_no: str, *, program: str, now: datetime | None = None) -> bool:
        """The window's program is alive (send it every third of the hall's
        ``window_lease_s``); ``program`` is an id each start of the program makes.
        True when this begins a new run after an earlier one (another ``program``:
        the same one back after its lease ran out, say a cut link, goes on with its
        run and its calls are live again). A call an earlier run left open is
        then logged (呼叫中断), so the manager's and the counter's screens hear of
        it; it stays 已呼叫 until the clerk recalls, skips or finishes it. Nothing
        is logged otherwise: heartbeats move no event number."""
        now = now or datetime.now()
        raw = self.raw
        with self.write_tx() as tx:
            cfg = self.hall_config(tx)
            key = {"w": window_no, "program": program, "now": raw.moment(now)}
            if tx.run(raw.insert_presence, key):
                return False  # the window's first heartbeat ever
            was = self._presence(tx.one(raw.lock_presence, {"w": window_no}))
            assert was is not None
            if was.program == program:  # back after a lapse (a cut link) is the same run
                tx.run(raw.seen, key)
                return False
            tx.run(raw.new_run, key)
            ticket = raw.ticket_row(tx.one(raw.current_ticket, {"w": window_no}))
            if ticket is not None and ticket["status"] == CALLED:
                stale = self._staleness(cfg, ticket, Presence(program, now, now, was.seen_at), now)
                if stale is not None:
                    self.commit_events(
                        tx,
                        [{"at": now, "actor": program, "action": Action.INTERRUPTED,
                          "window_no": window_no, "ticket_id": ticket["id"],
                          "ticket": ticket["display"], "reason": stale.why,
                          "detail": {"since": stale.since.isoformat()}}],
                    )  # fmt: skip
            return True

    def evaluate(
        self,
        ticket_id: uuid.UUID,
        level: Evaluation | int | str,
        *,
        call_id: uuid.UUID | None = None,
        dimensions: Mapping[str, int] | None = None,
        comment: str = "",
        actor: str = "evaluator",
        now: datetime | None = None,
    ) -> uuid.UUID:
        """The applicant's evaluation (好差评) of one service (一次一评): a call of the
        ticket that ended 办结 or 转移 — the given one, else the latest — linked to the
        ticket and to the cases made for it. Each service is rated once. Returns the
        evaluation's id."""
        now = now or datetime.now()
        try:
            value = Evaluation.parse(level)
        except QueueRuleError as exc:
            raise QueueError(str(exc)) from None
        dims = dict(dimensions or {})
        problems = evaluation_problems(dims)
        if problems:
            raise QueueError("；".join(problems))
        served = (CallOutcome.DONE.value, CallOutcome.TRANSFERRED.value)
        try:
            with self.write_tx() as tx:
                cfg = self.hall_config(tx)
                ticket = self._locked_ticket(tx, ticket_id)
                conn = tx.conn
                query = (
                    select(CALL.c.id, CALL.c.window_no, CALL.c.clerk)
                    .where(CALL.c.ticket_id == ticket_id, CALL.c.outcome.in_(served))
                    .order_by(CALL.c.ended_at.desc())
                    .limit(1)
                )
                if call_id is not None:
                    query = query.where(CALL.c.id == call_id)
                call = conn.execute(query).first()
                if call is None:
                    raise QueueError(f"{ticket['display']}还没有办结，办结后才能评价")
                if conn.execute(select(EVAL.c.id).where(EVAL.c.call_id == call.id)).first():
                    raise QueueError(
                        f"{ticket['display']}已经评价过，每次服务只能评价一次（一次一评）"
                    )
                spec = cfg.by_id[ticket["category_id"]].spec
                cases = list(ticket["case_nos"] or ()) if ticket["status"] == DONE else []
                evaluation_id = uuid7()
                conn.execute(
                    insert(EVAL).values(
                        id=evaluation_id, ticket_id=ticket_id, call_id=call.id,
                        case_nos=cases, window_no=call.window_no, clerk=call.clerk,
                        day=business_day(now, spec.reset_time), level=int(value),
                        label=value.label, dimensions=dims, comment=comment.strip(), at=now,
                    )
                )  # fmt: skip
                self.commit_events(
                    tx,
                    [{"at": now, "actor": actor, "action": Action.EVALUATE, "ticket_id": ticket_id,
                      "ticket": ticket["display"], "window_no": call.window_no,
                      "reason": comment.strip(),
                      "detail": {"level": int(value), "label": value.label, "dimensions": dims,
                                 "evaluation": str(evaluation_id), "case_nos": cases}}],
                )  # fmt: skip
        except IntegrityError:  # two evaluators at once: the second one loses
            raise QueueError("这次服务已经评价过，每次服务只能评价一次（一次一评）") from None
        return evaluation_id
