"""Taking a number (取号): walk-in, green-channel and appointment tickets, the day's
numbering and caps, and the appointment ticket a booking was checked in with."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select, text, update

from app.core.ids import uuid7
from app.core.queue_policy import GREEN_REASONS, TicketKind, business_day, hours_text, issuing_open
from app.core.queue_records import Action, QueueError, TicketInfo
from db.queue.base import QueueBase, Tx
from db.queue.config import ConfigCategory, HallConfig
from db.queue.sql import CALLED, DAYC, SKIPPED, TICKET_DISPLAY, TICKET_ID, TKT, WAITING, Step


class IssueOps(QueueBase):
    """Issuing tickets."""

    def issue_ticket(
        self,
        category: str,
        *,
        kind: TicketKind = TicketKind.NORMAL,
        note: str = "",
        actor: str = "kiosk",
        now: datetime | None = None,
    ) -> TicketInfo:
        """Take a number (取号). A green-channel ticket needs its reason in ``note``
        (老年人, 残疾人, 孕妇 …), an appointment its booking number. Appointments are
        not counted against the daily cap: their capacity was booked."""
        now = now or datetime.now()
        with self.write_tx() as tx:
            return self.issue_in_tx(tx, category, kind=kind, note=note, actor=actor, now=now)

    def issue_in_tx(
        self,
        tx: Tx,
        category: str,
        *,
        kind: TicketKind,
        note: str,
        actor: str,
        now: datetime,
        then: Sequence[Step] = (),
        detail: Mapping[str, Any] | None = None,
        one_a_day: bool = True,
    ) -> TicketInfo:
        """Issue inside the caller's write transaction, as its last writes; ``then``
        runs after the ticket's row is in (db/booking_store.py marks the booking
        checked in with it). ``one_a_day``: an appointment number gives one ticket
        a day (a caller that holds the booking's row lock knows better)."""
        kind = TicketKind(kind)
        note = note.strip()
        if kind is TicketKind.GREEN and not note:
            raise QueueError(f"绿色通道号须注明原因（{'、'.join(GREEN_REASONS)}）")
        if kind is TicketKind.APPOINTMENT and not note:
            raise QueueError("预约号须填写预约编号")
        raw = self.raw
        cfg = self.hall_config(tx, tx.one(raw.config_version)[0])
        if kind is TicketKind.APPOINTMENT and one_a_day:  # one booking, one ticket a day
            if not self._sqlite:  # two kiosks checking in one booking: one waits
                tx.conn.execute(
                    text("SELECT pg_advisory_xact_lock(hashtext(:k))"),
                    {"k": f"yichuang-booking:{note}"},
                )
            earlier = self._appointment(tx.conn, cfg, note, now)
            if earlier is not None:
                raise QueueError(f"此预约号今日已签到，号码为 {earlier.display}")
        cat = cfg.category(category)
        spec = cat.spec
        if not spec.active:
            raise QueueError(f"{spec.name}暂停取号")
        if not issuing_open(now, spec.issue_hours):
            raise QueueError(
                f"现在不在{spec.name}的取号时间（{hours_text(spec.issue_hours)}），请在取号时间内取号"
            )
        day = business_day(now, spec.reset_time)
        walk_in = 0 if kind is TicketKind.APPOINTMENT else 1
        last_no, issued = tx.one(
            raw.day_counter, {"c": raw.uid(cat.id), "d": raw.day(day), "w": walk_in}
        )
        if walk_in and spec.daily_cap is not None and issued > spec.daily_cap:
            raise QueueError(f"{spec.name}今日的号已取完（每日上限{spec.daily_cap}个），请改日再来")
        number = spec.number_start + last_no - 1
        if spec.carry_over:
            number = self._skip_carried(tx, cat, day, number)
        if number > spec.number_end:
            raise QueueError(
                f"{spec.name}今日号段已用完（{spec.display(spec.number_start)}至{spec.display(spec.number_end)}）"
            )
        display = spec.display(number)
        row: dict[str, Any] = {
            "id": uuid7(), "seq": 0, "day": day, "category_id": cat.id,
            "issued_category_id": cat.id, "number": number,
            "display": display, "kind": kind.value, "priority": kind.priority, "note": note,
            "status": WAITING, "issued_at": now, "issued_by": actor, "enqueued_at": now,
            "target_counter_id": None, "counter_id": None, "current_call_id": None,
            "called_at": None, "clerk": "", "call_rule": "", "recalls": 0, "case_nos": [],
            "finished_at": None, "live_at": None, "downtime_s": 0.0,
        }  # fmt: skip
        ahead = tx.one(raw.ahead, {"waiting": WAITING, "c": raw.uid(cat.id)})[0]
        after = [
            (raw.insert_ticket, raw.ticket_params(row)),
            *((sql, {k: (raw.uid(row["id"]) if v is TICKET_ID else
                         display if v is TICKET_DISPLAY else v) for k, v in p.items()})
              for sql, p in then),
        ]  # fmt: skip
        # the ticket takes its place from the hall row, in the same last step
        row["seq"] = self.commit_events(
            tx,
            [{"at": now, "actor": actor, "action": Action.ISSUE, "ticket_id": row["id"],
              "ticket": display, "reason": note,
              "detail": {"kind": kind.value, **(detail or {})}}],
            seq=True,
            then=after,
        )  # fmt: skip
        return replace(self._info(cfg, row), waiting_ahead=int(ahead))

    def _skip_carried(self, tx: Tx, cat: ConfigCategory, day: date, number: int) -> int:
        """With carry-over, earlier days' unserved tickets keep their numbers: today's
        numbering steps over the ones still in the queue, so no number is called
        for two people."""
        held = set(
            tx.conn.execute(
                select(TKT.c.number).where(
                    TKT.c.issued_category_id == cat.id,
                    TKT.c.day < day,
                    TKT.c.status.in_([WAITING, CALLED, SKIPPED]),
                )
            ).scalars()
        )
        start = number
        while number in held:
            number += 1
        if number != start:
            tx.conn.execute(
                update(DAYC)
                .where(DAYC.c.category_id == cat.id, DAYC.c.day == day)
                .values(last_no=number - cat.spec.number_start + 1)
            )
        return number

    def appointment_ticket(
        self, booking_no: str, *, now: datetime | None = None
    ) -> TicketInfo | None:
        """The ticket a booking number (预约号) was checked in with on the current
        queue day, in any category, whatever has become of it since: one booking
        gives one ticket a day."""
        now = now or datetime.now()
        booking = booking_no.strip()
        if not booking:
            return None
        with self.read_tx() as conn:
            return self._appointment(conn, self.hall_config(conn), booking, now)

    def _appointment(
        self, conn: Connection, cfg: HallConfig, booking: str, now: datetime
    ) -> TicketInfo | None:
        today = {cid: business_day(now, c.spec.reset_time) for cid, c in cfg.by_id.items()}
        if not today:
            return None
        rows = conn.execute(  # by the (category, day, number) index
            select(TKT)
            .where(
                TKT.c.issued_category_id.in_(list(today)),
                TKT.c.day >= min(today.values()),
                TKT.c.kind == TicketKind.APPOINTMENT.value,
                TKT.c.note == booking,
            )
            .order_by(TKT.c.seq.desc())
        ).all()
        for row in rows:
            if row.day == today[row.issued_category_id]:
                return self._info(cfg, row._mapping)
        return None
