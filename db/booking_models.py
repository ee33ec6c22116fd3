"""Appointments' tables (预约), beside the hall queue's in the same store: a check-in
takes its booking and issues the ticket in one transaction.

``queue_slot`` is one category's period on one day with a capacity; ``booked`` is
kept under the slot's row lock, so two clerks booking the last place cannot both
get it. ``queue_booking`` is one booking; its number is unique in the hall.
Applicants' ID numbers and phones are kept masked, with the last four characters
the kiosk's check-in compares and a hash of the whole ID number the counter can
look a booking up by.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.core.ids import uuid7
from db.models import Base


class QueueSlotRow(Base):
    __tablename__ = "queue_slot"
    __table_args__ = (UniqueConstraint("category_id", "day", "start", name="uq_queue_slot"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("queue_category.id"))
    day: Mapped[date] = mapped_column(Date, index=True)
    start: Mapped[str] = mapped_column(String(5))  # "09:00"
    end: Mapped[str] = mapped_column(String(5))
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)  # bookings not cancelled


class QueueBookingRow(Base):
    __tablename__ = "queue_booking"
    __table_args__ = (Index("ix_queue_booking_day", "day", "start"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    booking_no: Mapped[str] = mapped_column(String(32), unique=True)
    slot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("queue_slot.id"), index=True)
    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("queue_category.id"))
    day: Mapped[date] = mapped_column(Date)
    start: Mapped[str] = mapped_column(String(5))
    end: Mapped[str] = mapped_column(String(5))
    name: Mapped[str] = mapped_column(String(32))
    id_masked: Mapped[str] = mapped_column(String(18), default="")
    id_last4: Mapped[str] = mapped_column(String(4), default="")
    id_hash: Mapped[str] = mapped_column(String(64), default="", index=True)
    phone_masked: Mapped[str] = mapped_column(String(20), default="")
    phone_last4: Mapped[str] = mapped_column(String(4), default="")
    source: Mapped[str] = mapped_column(String(8))  # BookingSource
    status: Mapped[str] = mapped_column(String(8))  # BookingStatus
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("queue_ticket.id"), nullable=True
    )
    ticket: Mapped[str] = mapped_column(String(8), default="")  # its display number
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    checked_in_by: Mapped[str] = mapped_column(String(64), default="")
    failed_proofs: Mapped[int] = mapped_column(Integer, default=0)  # wrong last-4s typed


class QueueBookingFeedRow(Base):
    """How far this hall has applied a feed of bookings from outside (``county``: the
    county's bookings for this centre): the county's change-log cursor, moved in the
    same transaction as the bookings it covers, so a hall applies each change once
    whichever of its workstations pulled it (docs/bookings.md)."""

    __tablename__ = "queue_booking_feed"

    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    after_xid: Mapped[int] = mapped_column(BigInteger, default=0)
    after_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    applied_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    applied_by: Mapped[str] = mapped_column(String(64), default="")


class QueueBookingIssueRow(Base):
    """A county booking the hall could not take as it came, for the manager: held
    until it can be placed (no such category or slot here, the ID already booked that
    day), placed beyond the slot's capacity, a number here with other content, or a
    cancellation at the county of a booking already checked in here."""

    __tablename__ = "queue_booking_issue"
    __table_args__ = (UniqueConstraint("booking_no", "kind", name="uq_queue_booking_issue"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    booking_no: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))  # db.booking_county.IssueKind
    message: Mapped[str] = mapped_column(String(300))
    doc: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the county's row
    at: Mapped[datetime] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    resolution: Mapped[str] = mapped_column(String(100), default="")
