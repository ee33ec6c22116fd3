"""The hall queue's tables (排队叫号), shared by the kiosks, counters, hall display and
manager of one hall: a local SQLite file in the embedded default, the hall's
PostgreSQL in production.

``queue_hall`` is one row that orders everything: the hall's issue sequence (a
ticket's place) and its event number. Every write takes the next event number as
its last statement, so event numbers are gap-free and in commit order: a screen that
polls "events after N" never misses one committed late.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.core.ids import uuid7
from db.models import Base

HALL_ROW = 1
WAITING_SQL = "status = '等候'"  # TicketStatus.WAITING, as the partial indexes say it


class QueueHallRow(Base):
    """The hall's queue clock and rules: one row (id 1)."""

    __tablename__ = "queue_hall"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)  # issue sequence (places)
    last_event: Mapped[int] = mapped_column(BigInteger, default=0)  # event number
    config_version: Mapped[int] = mapped_column(Integer, default=0)  # bumped by set-up changes
    policy: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # QueuePolicy


class QueueCategoryRow(Base):
    """A service category (业务类别): prefix, number range, cap, hours, reset."""

    __tablename__ = "queue_category"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(32))
    prefix: Mapped[str] = mapped_column(String(2), unique=True)
    number_start: Mapped[int] = mapped_column(Integer)
    number_end: Mapped[int] = mapped_column(Integer)
    daily_cap: Mapped[int | None] = mapped_column(Integer, nullable=True)
    issue_hours: Mapped[list[list[str]]] = mapped_column(JSON, default=list)  # [["08:30","11:30"]]
    reset_time: Mapped[str] = mapped_column(String(5), default="00:00")
    carry_over: Mapped[bool] = mapped_column(Boolean, default=False)
    item_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    ord: Mapped[int] = mapped_column(Integer, default=0)


class QueueDayCounterRow(Base):
    """Numbers used by a category on one business day; its row lock makes numbers
    unique across processes."""

    __tablename__ = "queue_day_counter"

    category_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("queue_category.id"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_no: Mapped[int] = mapped_column(Integer)  # numbers taken (1 = number_start)
    issued: Mapped[int] = mapped_column(Integer)  # walk-in tickets, against the daily cap


class QueueCounterRow(Base):
    """A counter (window): its pause state, current ticket and call pattern."""

    __tablename__ = "queue_counter"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    window_no: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(32), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    pause_reason: Mapped[str] = mapped_column(Text, default="")
    current_ticket_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # CounterState


class QueueCounterCategoryRow(Base):
    __tablename__ = "queue_counter_category"

    counter_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("queue_counter.id", ondelete="CASCADE"), primary_key=True
    )
    category_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("queue_category.id"), primary_key=True
    )
    weight: Mapped[int] = mapped_column(Integer)


class QueueTicketRow(Base):
    """A ticket (号). ``seq`` is its place in the hall's queue; it changes only when
    the ticket goes to the end (transfer or reactivation by rule)."""

    __tablename__ = "queue_ticket"
    __table_args__ = (
        UniqueConstraint("issued_category_id", "day", "number", name="uq_queue_ticket_number"),
        # Waiting tickets only, so these stay as small as the queue whatever the
        # history, and a call or a finish adds no entry to them. The only indexes
        # a lane's condition can use (a day index here once made PostgreSQL sort a
        # whole day's tickets for every call).
        Index(
            "ix_queue_ticket_lane", "category_id", "priority", "day", "seq",
            postgresql_where=text(WAITING_SQL), sqlite_where=text(WAITING_SQL),
        ),
        Index(
            "ix_queue_ticket_direct", "target_counter_id", "seq",
            postgresql_where=text(f"{WAITING_SQL} AND target_counter_id IS NOT NULL"),
            sqlite_where=text(f"{WAITING_SQL} AND target_counter_id IS NOT NULL"),
        ),
    )  # fmt: skip

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    # unique by construction: places are taken from queue_hall under its row lock
    seq: Mapped[int] = mapped_column(BigInteger)
    day: Mapped[date] = mapped_column(Date)  # business day of issue
    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("queue_category.id"))  # waits in
    # the category whose number it carries (a transfer changes category_id, not this)
    issued_category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("queue_category.id"))
    number: Mapped[int] = mapped_column(Integer)
    display: Mapped[str] = mapped_column(String(8))  # A015
    kind: Mapped[str] = mapped_column(String(8))  # TicketKind
    priority: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(64), default="")  # green reason / booking no
    status: Mapped[str] = mapped_column(String(8))  # TicketStatus
    issued_at: Mapped[datetime] = mapped_column(DateTime)
    issued_by: Mapped[str] = mapped_column(String(64))
    enqueued_at: Mapped[datetime] = mapped_column(DateTime)  # joined the queue (again)
    target_counter_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("queue_counter.id"), nullable=True
    )  # transferred to this counter
    counter_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("queue_counter.id"), nullable=True
    )  # the counter of the latest call
    # the call in progress (written to queue_call when it ends)
    current_call_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    called_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    clerk: Mapped[str] = mapped_column(String(64), default="")
    call_rule: Mapped[str] = mapped_column(String(32), default="")
    recalls: Mapped[int] = mapped_column(Integer, default=0)
    case_nos: Mapped[list[str]] = mapped_column(JSON, default=list)  # cases made at the counter
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # the call in progress was last live (called or recalled) at this moment
    live_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # seconds of the call in progress its window was down (a stale call recalled)
    downtime_s: Mapped[float] = mapped_column(Float, default=0.0, server_default=text("0"))


class QueueCallRow(Base):
    """One call of a ticket to a window that has ended (办结/过号/转移), written when
    it ends: what the wait and service figures are made of."""

    __tablename__ = "queue_call"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("queue_ticket.id"), index=True)
    counter_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("queue_counter.id"))
    window_no: Mapped[str] = mapped_column(String(8))
    clerk: Mapped[str] = mapped_column(String(64))
    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("queue_category.id"))
    priority: Mapped[bool] = mapped_column(Boolean)
    day: Mapped[date] = mapped_column(Date, index=True)  # business day of the call
    enqueued_at: Mapped[datetime] = mapped_column(DateTime)
    called_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime] = mapped_column(DateTime)
    outcome: Mapped[str] = mapped_column(String(8))  # CallOutcome
    recalls: Mapped[int] = mapped_column(Integer, default=0)
    rule: Mapped[str] = mapped_column(String(32))  # why this ticket (Rule)
    # seconds of the call its window was down: not service (ended − called − this)
    downtime_s: Mapped[float] = mapped_column(Float, default=0.0, server_default=text("0"))


class QueueWindowPresenceRow(Base):
    """A window's program, as its heartbeats show it: not logged (one row a window,
    updated in place); a new run of the program that finds a call of an earlier
    run still open logs 呼叫中断."""

    __tablename__ = "queue_window_presence"

    window_no: Mapped[str] = mapped_column(String(8), primary_key=True)
    program: Mapped[str] = mapped_column(String(64))  # made by each start of the program
    since: Mapped[datetime] = mapped_column(DateTime)  # this run's first heartbeat
    seen_at: Mapped[datetime] = mapped_column(DateTime)  # its latest
    lapsed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # run before


class QueueEvaluationRow(Base):
    """The applicant's 好差评 of one service (一次一评): one per call of a ticket that
    ended (``call_id`` unique), linked to the ticket and to the cases made for it
    (the ticket's ``case_nos`` when the evaluation came). A ticket transferred from
    one window to another was served twice and may be rated twice."""

    __tablename__ = "queue_evaluation"
    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 5", name="level"),
        UniqueConstraint("call_id", name="uq_queue_evaluation_call_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("queue_ticket.id"), index=True)
    call_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("queue_call.id"), nullable=True)
    case_nos: Mapped[list[str]] = mapped_column(JSON, default=list)
    window_no: Mapped[str] = mapped_column(String(8))
    clerk: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date, index=True)
    level: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(8))
    dimensions: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime)


class QueueEventRow(Base):
    """Append-only log of every queue operation: who, when, what, why."""

    __tablename__ = "queue_event"

    # on SQLite an INTEGER PRIMARY KEY is the row id itself: one b-tree less per event
    no: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    window_no: Mapped[str] = mapped_column(String(8), default="")
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True, index=True)
    ticket: Mapped[str] = mapped_column(String(8), default="")  # display number
    reason: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
