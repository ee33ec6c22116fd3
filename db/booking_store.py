"""Appointments (预约) in the hall's queue store: slots, bookings, imports and the
check-in that turns a booking into a ticket.

A BookingStore works on a QueueStore's connection and transactions (it is the queue
store's companion, like the tables live beside the queue's), through the queue's
internal API (db/queue/base.py: write_tx, read_tx, hall_config, commit_events, and
issue_in_tx of db/queue/issue_ops.py): every write is one queue write transaction — BEGIN IMMEDIATE on SQLite, row locks on PostgreSQL — and
logs its event in the queue's log, so every screen that follows the log sees it.

- Booking takes the slot's row lock (``FOR UPDATE``) and counts against
  ``capacity`` there: two clerks booking the last place cannot both have it.
- Check-in takes the booking's row lock, checks the proof and the time
  (app/core/booking.py) and issues the ticket in the same transaction, as the
  queue's last write: two kiosks checking in one booking give one ticket, the
  second is told it was used. A lone-table ``SELECT … FOR UPDATE`` re-reads the row
  after waiting for the lock, so the waiter sees the first one's check-in.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, func, insert, select, update

from app.core.booking import (
    LOCK_AFTER,
    LOCKED_TEXT,
    NOT_FOUND_TEXT,
    BookingFacts,
    BookingInput,
    BookingRuleError,
    BookingSource,
    BookingStatus,
    Grace,
    ImportLine,
    Refusal,
    SlotSpec,
    applicant_problems,
    booking_no,
    booking_no_problem,
    category_of,
    check_in_refusal,
    day_text,
    hhmm,
    id_hash,
    is_no_show,
    mask_phone,
    new_booking_no,
    proof_matches,
)
from app.core.ids import uuid7
from app.core.privacy import mask_id
from app.core.queue_policy import QueuePolicy, TicketKind
from app.core.queue_records import QueueError, TicketInfo
from db.booking_models import QueueBookingRow, QueueSlotRow
from db.queue import QueueStore
from db.queue.base import Tx
from db.queue.config import HallConfig
from db.queue.sql import TICKET_DISPLAY, TICKET_ID

if TYPE_CHECKING:
    from db.booking_county import FeedState

SLOT = cast(Table, QueueSlotRow.__table__)
BOOKING = cast(Table, QueueBookingRow.__table__)


class BookingAction:
    BOOK = "预约登记"
    CANCEL = "预约取消"
    IMPORT = "预约导入"
    SLOTS = "设置预约时段"
    CHECK_IN = "预约签到"
    PROOF_FAILED = "预约核验失败"
    COUNTY = "县中心预约同步"


class BookingError(QueueError):
    """A booking operation refused; ``refusal`` says which check-in rule, if any."""

    def __init__(self, message: str, refusal: Refusal | None = None) -> None:
        super().__init__(message)
        self.refusal = refusal


class ImportRefused(BookingError):
    """The whole file was refused: one sentence per bad line in ``problems``."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True, slots=True)
class SlotInfo:
    category: str
    category_name: str
    day: date
    start: time
    end: time
    capacity: int
    booked: int

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)

    @property
    def label(self) -> str:
        return f"{hhmm(self.start)}–{hhmm(self.end)}"


@dataclass(frozen=True, slots=True)
class BookingInfo:
    booking_no: str
    category: str
    category_name: str
    day: date
    start: time
    end: time
    name: str
    id_masked: str
    phone_masked: str
    source: BookingSource
    status: BookingStatus
    created_at: datetime
    created_by: str
    ticket: str
    checked_in_at: datetime | None
    no_show: bool  # nobody checked it in before its check-in time closed

    @property
    def slot_label(self) -> str:
        return f"{hhmm(self.start)}–{hhmm(self.end)}"

    @property
    def state_text(self) -> str:
        if self.no_show:
            return "爽约"
        if self.status is BookingStatus.CHECKED_IN:
            return f"已签到（{self.ticket}）"
        return self.status.value


@dataclass(frozen=True, slots=True)
class BookingDay:
    """One day's bookings as figures (cancelled ones apart)."""

    day: date
    booked: int  # not cancelled
    checked_in: int
    no_shows: int
    cancelled: int

    @property
    def expected(self) -> int:
        """Still to come (booked, check-in time not over)."""
        return self.booked - self.checked_in - self.no_shows


@dataclass(frozen=True, slots=True)
class ImportResult:
    added: int
    already: int  # the same booking was imported before (a file imported twice)


def _t(text: str) -> time:
    return time.fromisoformat(text)


class BookingStore:
    """Appointments of the hall whose queue is ``queue``; for one thread at a time,
    as the QueueStore."""

    def __init__(self, queue: QueueStore) -> None:
        self.queue = queue

    # ------------------------------------------------------------ helpers

    def _events(self, tx: Tx, events: list[dict[str, Any]]) -> None:
        self.queue.commit_events(tx, events)

    def _cfg(self, tx: Tx) -> HallConfig:
        return self.queue.hall_config(tx)

    @staticmethod
    def _category(cfg: HallConfig, typed: str) -> Any:
        code = category_of(typed, {c: v.spec.name for c, v in cfg.by_code.items()})
        return None if code is None else cfg.by_code[code]

    def _grace(self, cfg: HallConfig) -> Grace:
        policy: QueuePolicy = cfg.policy
        return Grace(policy.booking_early_min, policy.booking_late_min)

    # ------------------------------------------------------------ slots

    def save_slots(
        self, specs: Sequence[SlotSpec], *, actor: str, now: datetime, reason: str = ""
    ) -> int:
        """Create slots, or change their end and capacity (by category, day and
        start). A capacity below the places already booked is refused."""
        problems: list[str] = []
        for spec in specs:
            problems += spec.problems()
        if problems:
            raise BookingError("；".join(problems))
        with self.queue.write_tx() as tx:
            cfg = self._cfg(tx)
            for spec in specs:
                cat = self._category(cfg, spec.category)
                if cat is None:
                    raise BookingError(f"业务类别“{spec.category}”不存在")
                found = tx.conn.execute(
                    select(SLOT.c.id, SLOT.c.booked)
                    .where(SLOT.c.category_id == cat.id, SLOT.c.day == spec.day,
                           SLOT.c.start == hhmm(spec.start))
                    .with_for_update()
                ).first()  # fmt: skip
                if found is None:
                    tx.conn.execute(
                        insert(SLOT).values(
                            id=uuid7(), category_id=cat.id, day=spec.day, start=hhmm(spec.start),
                            end=hhmm(spec.end), capacity=spec.capacity, booked=0,
                        )
                    )  # fmt: skip
                elif found.booked > spec.capacity:
                    raise BookingError(
                        f"{day_text(spec.day)} {spec.label}已有{found.booked}人预约，"
                        f"可预约人数不能少于{found.booked}"
                    )
                else:
                    tx.conn.execute(
                        update(SLOT)
                        .where(SLOT.c.id == found.id)
                        .values(end=hhmm(spec.end), capacity=spec.capacity)
                    )
            self._events(
                tx,
                [{"at": now, "actor": actor, "action": BookingAction.SLOTS, "reason": reason,
                  "detail": {"slots": [[s.category, s.day.isoformat(), hhmm(s.start),
                                        hhmm(s.end), s.capacity] for s in specs]}}],
            )  # fmt: skip
        return len(specs)

    def slots(self, day: date, category: str | None = None) -> list[SlotInfo]:
        with self.queue.read_tx() as conn:
            cfg = self.queue.hall_config(conn)
            query = select(SLOT).where(SLOT.c.day == day).order_by(SLOT.c.start)
            if category is not None:
                cat = self._category(cfg, category)
                if cat is None:
                    return []
                query = query.where(SLOT.c.category_id == cat.id)
            rows = conn.execute(query).all()
        out = []
        for r in rows:
            spec = cfg.by_id[r.category_id].spec
            out.append(SlotInfo(spec.code, spec.name, r.day, _t(r.start), _t(r.end),
                                r.capacity, r.booked))  # fmt: skip
        out.sort(key=lambda s: (s.start, s.category))
        return out

    # ------------------------------------------------------------ booking

    def book(self, booking: BookingInput, *, actor: str, now: datetime) -> BookingInfo:
        """A booking made here (at the counter, by phone): one place of its slot."""
        problems = applicant_problems(booking.name, booking.id_number, booking.phone, now.date())
        if booking.booking_no:
            why = booking_no_problem(booking_no(booking.booking_no))
            if why:
                problems.append(why)
        if problems:
            raise BookingError("；".join(problems))
        if datetime.combine(booking.day, booking.end) <= now:
            raise BookingError(
                f"{day_text(booking.day)} {hhmm(booking.start)}–{hhmm(booking.end)}这个时段已经过去，请选择以后的时段"
            )
        with self.queue.write_tx() as tx:
            cfg = self._cfg(tx)
            number = self._insert(tx, cfg, booking, actor, now, line="")
            self._events(
                tx,
                [{"at": now, "actor": actor, "action": BookingAction.BOOK, "reason": number,
                  "detail": {"booking_no": number, "source": booking.source.value,
                             "category": booking.category, "day": booking.day.isoformat(),
                             "start": hhmm(booking.start)}}],
            )  # fmt: skip
        found = self.find(number, now=now)
        assert found is not None
        return found

    def _insert(
        self,
        tx: Tx,
        cfg: HallConfig,
        b: BookingInput,
        actor: str,
        now: datetime,
        *,
        line: str,
        taken: dict[uuid.UUID, int] | None = None,
    ) -> str:
        """Check and insert one booking (``line``: "第N行：" in an import) and take its
        slot's place; returns its number."""
        cat = self._category(cfg, b.category)
        if cat is None:
            raise BookingError(f"{line}业务类别“{b.category}”不存在")
        slot = tx.conn.execute(
            select(SLOT)
            .where(SLOT.c.category_id == cat.id, SLOT.c.day == b.day,
                   SLOT.c.start == hhmm(b.start))
            .with_for_update()
        ).first()  # fmt: skip
        label = f"{day_text(b.day)} {hhmm(b.start)}–{hhmm(b.end)}"
        if slot is None or slot.end != hhmm(b.end):
            raise BookingError(f"{line}{cat.spec.name}没有{label}这个预约时段，请先设置预约时段")
        booked = slot.booked + (taken or {}).get(slot.id, 0)
        if booked >= slot.capacity:
            raise BookingError(f"{line}{cat.spec.name}{label}已约满（{slot.capacity}人）")
        hashed = id_hash(b.id_number)
        if hashed:
            twice = tx.conn.execute(
                select(BOOKING.c.booking_no).where(
                    BOOKING.c.id_hash == hashed, BOOKING.c.day == b.day,
                    BOOKING.c.category_id == cat.id,
                    BOOKING.c.status != BookingStatus.CANCELLED.value,
                )
            ).scalar()  # fmt: skip
            if twice is not None:
                raise BookingError(
                    f"{line}此身份证号{day_text(b.day)}已预约过{cat.spec.name}（预约号{twice}）"
                )
        number = booking_no(b.booking_no)
        if not number:
            for _ in range(20):
                number = new_booking_no(b.day)
                if not self._exists(tx, number):
                    break
        elif self._exists(tx, number):
            raise BookingError(f"{line}预约号{number}已存在")
        tx.conn.execute(
            insert(BOOKING).values(
                id=uuid7(), booking_no=number, slot_id=slot.id, category_id=cat.id, day=b.day,
                start=slot.start, end=slot.end, name=b.name.strip(),
                id_masked=mask_id(b.id_number) if b.id_number else "", id_last4=b.id_last4,
                id_hash=hashed, phone_masked=mask_phone(b.phone), phone_last4=b.phone_last4,
                source=b.source.value, status=BookingStatus.BOOKED.value, created_at=now,
                created_by=actor, ticket_id=None, ticket="", checked_in_at=None,
                checked_in_by="", failed_proofs=0,
            )
        )  # fmt: skip
        if taken is None:
            tx.conn.execute(
                update(SLOT).where(SLOT.c.id == slot.id).values(booked=SLOT.c.booked + 1)
            )
        else:
            taken[slot.id] = taken.get(slot.id, 0) + 1
        return number

    @staticmethod
    def _exists(tx: Tx, number: str) -> bool:
        return (
            tx.conn.execute(select(BOOKING.c.id).where(BOOKING.c.booking_no == number)).first()
            is not None
        )

    def cancel(self, number: str, *, actor: str, reason: str, now: datetime) -> None:
        number = booking_no(number)
        if not reason.strip():
            raise BookingError("请填写取消原因")
        with self.queue.write_tx() as tx:
            row = tx.conn.execute(
                select(BOOKING).where(BOOKING.c.booking_no == number).with_for_update()
            ).first()
            if row is None:
                raise BookingError(f"没有预约号为{number}的预约", Refusal.NOT_FOUND)
            if row.status != BookingStatus.BOOKED.value:
                raise BookingError(f"预约{number}{row.status}，不能取消")
            tx.conn.execute(
                update(BOOKING)
                .where(BOOKING.c.id == row.id)
                .values(status=BookingStatus.CANCELLED.value)
            )
            tx.conn.execute(
                update(SLOT).where(SLOT.c.id == row.slot_id).values(booked=SLOT.c.booked - 1)
            )
            self._events(
                tx,
                [{"at": now, "actor": actor, "action": BookingAction.CANCEL,
                  "reason": reason.strip(), "detail": {"booking_no": number}}],
            )  # fmt: skip

    def import_lines(
        self, lines: Sequence[ImportLine], *, actor: str, now: datetime, source_name: str = ""
    ) -> ImportResult:
        """The bookings of a checked file (app/core/booking.parse_import), all or
        none: every line is checked against the hall (category, slot, capacity,
        number) and any bad line refuses the file. A booking already imported with
        the same number, slot and applicant is left as it is (a file imported twice)."""
        problems: list[str] = []
        added = already = 0
        with self.queue.write_tx() as tx:
            cfg = self._cfg(tx)
            taken: dict[uuid.UUID, int] = {}
            for ln in lines:
                b = ln.booking
                prefix = f"第{ln.line}行："
                if b.day < now.date():
                    problems.append(f"{prefix}预约日期{b.day.isoformat()}已过")
                    continue
                existing = tx.conn.execute(
                    select(BOOKING).where(BOOKING.c.booking_no == b.booking_no)
                ).first()
                if existing is not None:
                    cat = self._category(cfg, b.category)
                    same = (
                        cat is not None and existing.category_id == cat.id
                        and existing.day == b.day and existing.start == hhmm(b.start)
                        and existing.name == b.name.strip()
                        and existing.id_last4 == b.id_last4
                        and existing.phone_last4 == b.phone_last4
                    )  # fmt: skip
                    if same:
                        already += 1
                    else:
                        problems.append(f"{prefix}预约号{b.booking_no}已存在，且内容与本行不同")
                    continue
                try:
                    self._insert(tx, cfg, b, actor, now, line=prefix, taken=taken)
                    added += 1
                except BookingError as exc:
                    problems.append(str(exc))
            if problems:
                raise ImportRefused(problems)  # rolls the transaction back
            for slot_id, n in taken.items():
                tx.conn.execute(
                    update(SLOT).where(SLOT.c.id == slot_id).values(booked=SLOT.c.booked + n)
                )
            self._events(
                tx,
                [{"at": now, "actor": actor, "action": BookingAction.IMPORT,
                  "reason": source_name,
                  "detail": {"added": added, "already": already}}],
            )  # fmt: skip
        return ImportResult(added, already)

    # ------------------------------------------------------------ check-in

    def check_in(
        self,
        number: str,
        *,
        proof: str | None,
        actor: str,
        now: datetime,
    ) -> TicketInfo:
        """预约签到: the booking's ticket, once. ``proof`` is the last four of the
        booking's ID or phone number (the kiosk); None when a clerk checked the
        applicant's identity (the counter, the actor is recorded)."""
        number = booking_no(number)
        refused: BookingError | None = None
        with self.queue.write_tx() as tx:
            cfg = self._cfg(tx)
            row = tx.conn.execute(
                select(BOOKING).where(BOOKING.c.booking_no == number).with_for_update()
            ).first()
            if row is None:
                raise BookingError(NOT_FOUND_TEXT, Refusal.NOT_FOUND)
            if proof is not None:
                if not proof_matches(proof, row.id_last4, row.phone_last4):
                    # recorded (and committed): a wrong pair reads as an unknown number
                    tx.conn.execute(
                        update(BOOKING)
                        .where(BOOKING.c.id == row.id)
                        .values(failed_proofs=BOOKING.c.failed_proofs + 1)
                    )
                    self._events(
                        tx,
                        [{"at": now, "actor": actor, "action": BookingAction.PROOF_FAILED,
                          "reason": number,
                          "detail": {"booking_no": number, "failed": row.failed_proofs + 1}}],
                    )  # fmt: skip
                    refused = BookingError(NOT_FOUND_TEXT, Refusal.NOT_FOUND)
                elif row.failed_proofs >= LOCK_AFTER:
                    raise BookingError(LOCKED_TEXT, Refusal.LOCKED)
            if refused is None:
                facts = BookingFacts(
                    BookingStatus(row.status), row.day, _t(row.start), _t(row.end),
                    row.checked_in_at, row.ticket,
                )  # fmt: skip
                why = check_in_refusal(facts, now, self._grace(cfg))
                if why is not None:
                    raise BookingError(why[1], why[0])
                raw = self.queue.raw
                mark = raw.sql(
                    "UPDATE queue_booking SET status = :s, ticket_id = :tid, ticket = :tno, "
                    "checked_in_at = :now, checked_in_by = :actor WHERE id = :b"
                )
                return self.queue.issue_in_tx(
                    tx,
                    cfg.by_id[row.category_id].spec.code,
                    kind=TicketKind.APPOINTMENT,
                    note=number,
                    actor=actor,
                    now=now,
                    then=[(mark, {"s": BookingStatus.CHECKED_IN.value, "tid": TICKET_ID,
                                  "tno": TICKET_DISPLAY, "now": raw.moment(now),
                                  "actor": actor, "b": raw.uid(row.id)})],
                    detail={"booking": number, "slot": f"{row.start}-{row.end}",
                            "verified": "窗口核验" if proof is None else "后4位"},
                    one_a_day=False,
                )  # fmt: skip
        assert refused is not None
        raise refused

    # ------------------------------------------------------------ reading

    def grace(self) -> Grace:
        """The hall's check-in times around a slot (its queue rules)."""
        with self.queue.read_tx() as conn:
            return self._grace(self.queue.hall_config(conn))

    def find(self, number: str, *, now: datetime) -> BookingInfo | None:
        """A booking by its number (for clerks: no proof asked)."""
        with self.queue.read_tx() as conn:
            cfg = self.queue.hall_config(conn)
            row = conn.execute(
                select(BOOKING).where(BOOKING.c.booking_no == booking_no(number))
            ).first()
            return None if row is None else self._info(cfg, row, now)

    def find_by_id_number(self, id_number: str, *, now: datetime) -> list[BookingInfo]:
        hashed = id_hash(id_number)
        if not hashed:
            return []
        with self.queue.read_tx() as conn:
            cfg = self.queue.hall_config(conn)
            rows = conn.execute(
                select(BOOKING).where(BOOKING.c.id_hash == hashed).order_by(BOOKING.c.day.desc())
            ).all()
            return [self._info(cfg, r, now) for r in rows]

    def bookings(self, day: date, *, now: datetime) -> list[BookingInfo]:
        """The day's bookings by slot time (cancelled ones too)."""
        with self.queue.read_tx() as conn:
            cfg = self.queue.hall_config(conn)
            rows = conn.execute(
                select(BOOKING)
                .where(BOOKING.c.day == day)
                .order_by(BOOKING.c.start, BOOKING.c.created_at)
            ).all()
            return [self._info(cfg, r, now) for r in rows]

    def day_figures(self, day: date, *, now: datetime) -> BookingDay:
        """Booked, checked in, no-shows (爽约) and cancelled on a day."""
        return self._figures(day, now)[None]

    def category_figures(self, day: date, *, now: datetime) -> dict[str, BookingDay]:
        """The same per category code (the categories with bookings that day)."""
        out = self._figures(day, now)
        return {k: v for k, v in out.items() if k is not None}

    def _figures(self, day: date, now: datetime) -> dict[str | None, BookingDay]:
        with self.queue.read_tx() as conn:
            cfg = self.queue.hall_config(conn)
            grace = self._grace(cfg)
            rows = conn.execute(
                select(BOOKING.c.category_id, BOOKING.c.status, BOOKING.c.end, func.count())
                .where(BOOKING.c.day == day)
                .group_by(BOOKING.c.category_id, BOOKING.c.status, BOOKING.c.end)
            ).all()
        counts: dict[str | None, list[int]] = {None: [0, 0, 0, 0]}
        for category_id, status, end, count in rows:
            code = cfg.by_id[category_id].spec.code
            for key in (None, code):
                c = counts.setdefault(key, [0, 0, 0, 0])  # booked, checked, no-show, cancelled
                if status == BookingStatus.CANCELLED.value:
                    c[3] += count
                    continue
                c[0] += count
                if status == BookingStatus.CHECKED_IN.value:
                    c[1] += count
                elif now > grace.closes(day, _t(end)):
                    c[2] += count
        return {k: BookingDay(day, *v) for k, v in counts.items()}

    def _info(self, cfg: HallConfig, row: Any, now: datetime) -> BookingInfo:
        spec = cfg.by_id[row.category_id].spec
        status = BookingStatus(row.status)
        facts = BookingFacts(status, row.day, _t(row.start), _t(row.end))
        return BookingInfo(
            booking_no=row.booking_no, category=spec.code, category_name=spec.name, day=row.day,
            start=_t(row.start), end=_t(row.end), name=row.name, id_masked=row.id_masked,
            phone_masked=row.phone_masked, source=BookingSource(row.source), status=status,
            created_at=row.created_at, created_by=row.created_by, ticket=row.ticket,
            checked_in_at=row.checked_in_at, no_show=is_no_show(facts, now, self._grace(cfg)),
        )  # fmt: skip

    # ------------------------------------------------------------ from the county

    def county_cursor(self) -> tuple[int, int]:
        """How far this hall has applied the county's booking changes."""
        return self.county_feed().cursor

    def county_feed(self) -> FeedState:
        """The county feed's state here (db.booking_county.FeedState): its cursor, when
        it last moved, and how many county bookings are held."""
        from db.booking_county import FEED, HELD, FeedState
        from db.booking_models import QueueBookingFeedRow as Feed
        from db.booking_models import QueueBookingIssueRow as Issue

        with self.queue.read_tx() as conn:
            row = conn.execute(
                select(Feed.after_xid, Feed.after_seq, Feed.applied_at).where(Feed.name == FEED)
            ).first()
            held = conn.execute(
                select(func.count())
                .select_from(Issue)
                .where(Issue.kind.in_([k.value for k in HELD]), Issue.resolved_at.is_(None))
            ).scalar_one()
        if row is None:
            return FeedState((0, 0), None, int(held))
        return FeedState((int(row[0]), int(row[1])), row[2], int(held))

    def apply_county(self, page: Any, *, now: datetime, puller: str = "") -> Any:
        """Apply one page of the county's booking changes (db.booking_county.CountyPage)
        and move the hall's cursor, in one transaction; the rules are in
        db/booking_county.py. The cursor's row lock (SQLite: the write lock) makes two
        workstations pulling at once apply each change once: the second finds the
        cursor moved past its page and applies nothing."""
        from db.booking_county import FEED, CountyApplied
        from db.booking_models import QueueBookingFeedRow as Feed

        done = CountyApplied()
        with self.queue.write_tx() as tx:
            feed = tx.conn.execute(
                select(Feed.after_xid, Feed.after_seq).where(Feed.name == FEED).with_for_update()
            ).first()
            if feed is None:  # the hall's first pull; another workstation's may be running
                tx.run(
                    tx.raw.sql(
                        "INSERT INTO queue_booking_feed (name, after_xid, after_seq, applied_by) "
                        "VALUES (:n, 0, 0, '') ON CONFLICT (name) DO NOTHING"
                    ),
                    {"n": FEED},
                )
                feed = tx.conn.execute(
                    select(Feed.after_xid, Feed.after_seq)
                    .where(Feed.name == FEED)
                    .with_for_update()
                ).one()
            if (int(feed[0]), int(feed[1])) >= tuple(page.cursor):
                done.skipped = True
                return done
            cfg = self._cfg(tx)
            seen: set[str] = set()
            for b in page.bookings:
                seen.add(b.booking_no)
                self._county_one(tx, cfg, b, now, done)
            self._county_retry_held(tx, cfg, seen, now, done)
            tx.conn.execute(
                update(Feed)
                .where(Feed.name == FEED)
                .values(after_xid=page.cursor[0], after_seq=page.cursor[1], applied_at=now,
                        applied_by=puller[:64])
            )  # fmt: skip
            if done.added or done.cancelled or done.issues or done.resolved:
                self._events(
                    tx,
                    [{"at": now, "actor": "县中心", "action": BookingAction.COUNTY,
                      "reason": puller,
                      "detail": {"added": done.added, "cancelled": done.cancelled,
                                 "resolved": done.resolved,
                                 "issues": [[n, str(k)] for n, k, _ in done.issues]}}],
                )  # fmt: skip
        return done

    def _county_one(self, tx: Tx, cfg: HallConfig, b: Any, now: datetime, done: Any) -> None:
        from db.booking_county import IssueKind

        existing = tx.conn.execute(
            select(BOOKING).where(BOOKING.c.booking_no == b.booking_no).with_for_update()
        ).first()
        cat = self._category(cfg, b.category)
        if existing is not None:
            same = (
                cat is not None and existing.category_id == cat.id and existing.day == b.day
                and existing.start == hhmm(b.start) and existing.name == b.name.strip()
                and existing.id_last4 == b.id_last4 and existing.phone_last4 == b.phone_last4
            )  # fmt: skip
            if not same:
                self._county_issue(tx, b, IssueKind.CLASH, now, done,
                                   f"{existing.source}，{existing.day} {existing.start}，"
                                   f"{existing.name}")  # fmt: skip
                return
            self._county_resolve(tx, b.booking_no, None, now, "已在本大厅")
            if not b.cancelled:
                done.already += 1
            elif existing.status == BookingStatus.CHECKED_IN.value:
                when = f"{existing.checked_in_at:%H:%M}" if existing.checked_in_at else ""
                self._county_issue(tx, b, IssueKind.CANCEL_USED, now, done,
                                   f"{when}签到，号码{existing.ticket}")  # fmt: skip
            elif existing.status == BookingStatus.BOOKED.value:
                tx.conn.execute(update(BOOKING).where(BOOKING.c.id == existing.id)
                                .values(status=BookingStatus.CANCELLED.value))  # fmt: skip
                tx.conn.execute(update(SLOT).where(SLOT.c.id == existing.slot_id)
                                .values(booked=SLOT.c.booked - 1))  # fmt: skip
                done.cancelled += 1
            return
        if b.cancelled:
            if self._county_resolve(tx, b.booking_no, None, now, "县中心已取消"):
                done.resolved += 1
            return
        if b.day < now.date():
            done.past += 1
            self._county_resolve(tx, b.booking_no, None, now, "预约日期已过")
            return
        if cat is None:
            self._county_issue(tx, b, IssueKind.NO_CATEGORY, now, done)
            return
        slot = tx.conn.execute(
            select(SLOT)
            .where(SLOT.c.category_id == cat.id, SLOT.c.day == b.day,
                   SLOT.c.start == hhmm(b.start))
            .with_for_update()
        ).first()  # fmt: skip
        if slot is None or slot.end != hhmm(b.end):
            self._county_issue(tx, b, IssueKind.NO_SLOT, now, done)
            return
        if b.id_hash:
            twice = tx.conn.execute(
                select(BOOKING.c.booking_no).where(
                    BOOKING.c.id_hash == b.id_hash, BOOKING.c.day == b.day,
                    BOOKING.c.category_id == cat.id,
                    BOOKING.c.status != BookingStatus.CANCELLED.value,
                )
            ).scalar()  # fmt: skip
            if twice is not None:
                self._county_issue(tx, b, IssueKind.ID_TWICE, now, done, str(twice))
                return
        tx.conn.execute(
            insert(BOOKING).values(
                id=uuid7(), booking_no=b.booking_no, slot_id=slot.id, category_id=cat.id,
                day=b.day, start=slot.start, end=slot.end, name=b.name.strip()[:32],
                id_masked=b.id_masked[:18], id_last4=b.id_last4[:4], id_hash=b.id_hash[:64],
                phone_masked=b.phone_masked[:20], phone_last4=b.phone_last4[:4],
                source=BookingSource.COUNTY.value, status=BookingStatus.BOOKED.value,
                created_at=now, created_by="县中心", ticket_id=None, ticket="",
                checked_in_at=None, checked_in_by="", failed_proofs=0,
            )
        )  # fmt: skip
        tx.conn.execute(update(SLOT).where(SLOT.c.id == slot.id).values(booked=SLOT.c.booked + 1))
        done.added += 1
        if self._county_resolve(tx, b.booking_no, None, now, "已排入"):
            done.resolved += 1
        if slot.booked >= slot.capacity:
            self._county_issue(tx, b, IssueKind.OVER_CAPACITY, now, done,
                               f"可约{slot.capacity}人，现{slot.booked + 1}人")  # fmt: skip

    def _county_issue(
        self, tx: Tx, b: Any, kind: Any, now: datetime, done: Any, extra: str = ""
    ) -> None:
        """Record an issue once (a held booking tried again adds nothing new)."""
        from db.booking_county import issue_message
        from db.booking_models import QueueBookingIssueRow as Issue

        message = issue_message(kind, b, extra)
        found = tx.conn.execute(
            select(Issue.id, Issue.resolved_at)
            .where(Issue.booking_no == b.booking_no, Issue.kind == kind.value)
        ).first()  # fmt: skip
        if found is None:
            tx.conn.execute(insert(Issue).values(
                id=uuid7(), booking_no=b.booking_no, kind=kind.value, message=message,
                doc=b.to_row(), at=now, resolved_at=None, resolution=""))  # fmt: skip
        elif found.resolved_at is not None:
            tx.conn.execute(update(Issue).where(Issue.id == found.id).values(
                message=message, doc=b.to_row(), at=now, resolved_at=None,
                resolution=""))  # fmt: skip
        else:
            tx.conn.execute(update(Issue).where(Issue.id == found.id)
                            .values(message=message, doc=b.to_row()))  # fmt: skip
            return
        done.issues.append((b.booking_no, kind, message))

    def _county_resolve(self, tx: Tx, number: str, kind: Any, now: datetime, how: str) -> bool:
        """Close the held issues of a booking (``kind`` None: every held kind)."""
        from db.booking_county import HELD
        from db.booking_models import QueueBookingIssueRow as Issue

        kinds = [k.value for k in HELD] if kind is None else [kind.value]
        result = tx.conn.execute(
            update(Issue)
            .where(Issue.booking_no == number, Issue.kind.in_(kinds),
                   Issue.resolved_at.is_(None))
            .values(resolved_at=now, resolution=how)
        )  # fmt: skip
        return bool(result.rowcount)

    def _county_retry_held(
        self, tx: Tx, cfg: HallConfig, seen: set[str], now: datetime, done: Any
    ) -> None:
        """Held bookings are tried again (the manager may have set the slot since)."""
        from db.booking_county import HELD, CountyBooking
        from db.booking_models import QueueBookingIssueRow as Issue

        rows = tx.conn.execute(
            select(Issue.booking_no, Issue.doc)
            .where(Issue.kind.in_([k.value for k in HELD]), Issue.resolved_at.is_(None))
            .order_by(Issue.at)
        ).all()
        for number, doc in rows:
            if number in seen:
                continue
            seen.add(number)
            self._county_one(tx, cfg, CountyBooking.from_row(doc), now, done)

    def county_issues(self, *, open_only: bool = True, limit: int = 500) -> list[Any]:
        """County bookings the hall could not take as they came (db.booking_county.
        BookingIssue), newest first."""
        from db.booking_county import BookingIssue, CountyBooking, IssueKind
        from db.booking_models import QueueBookingIssueRow as Issue

        query = select(Issue).order_by(Issue.at.desc()).limit(limit)
        if open_only:
            query = query.where(Issue.resolved_at.is_(None))
        with self.queue.read_tx() as conn:
            rows = conn.execute(query).all()
        return [
            BookingIssue(r.booking_no, IssueKind(r.kind), r.message, r.at, r.resolved_at,
                         r.resolution, CountyBooking.from_row(r.doc) if r.doc else None)
            for r in rows
        ]  # fmt: skip


__all__ = [
    "BookingAction",
    "BookingDay",
    "BookingError",
    "BookingInfo",
    "BookingRuleError",
    "BookingStore",
    "ImportRefused",
    "ImportResult",
    "SlotInfo",
]
