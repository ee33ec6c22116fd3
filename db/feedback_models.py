"""好差评 follow-ups and complaints (app/core/feedback.py): one table, kept in the
workstation's local store where the hall's manager works them, each step an entry of
the store's audit chain (db/audit.append_audit, with no case: ``case_id`` NULL and the
follow-up's id in the detail) and pushed up to the county through the outbox."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Index, Integer, String, Text, Uuid
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from app.core.audit_chain import subject_row_hash
from app.core.ids import uuid7
from db.models import Base


class FollowUpRow(Base):
    """A 差评's or a complaint's closed loop: who it is about, whom it is routed to,
    its due day in working days, each step's day and person, the appeal."""

    __tablename__ = "follow_up"
    __table_args__ = (Index("ix_follow_up_status_due_on", "status", "due_on"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    no: Mapped[str] = mapped_column(String(32), unique=True)  # CP-A1-20260105-001
    kind: Mapped[str] = mapped_column(String(4))  # 差评 / 投诉
    channel: Mapped[str] = mapped_column(String(8))  # 评价器 / 窗口 / 电话
    status: Mapped[str] = mapped_column(String(8))
    opened_at: Mapped[datetime] = mapped_column(DateTime)
    opened_on: Mapped[date] = mapped_column(Date)
    opened_by: Mapped[str] = mapped_column(String(64))
    limit_days: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    # whom it is about and whom it is routed to (a complaint: the case's owner or the
    # window's clerk; a 差评: the clerk who served)
    target: Mapped[str] = mapped_column(String(64), default="")
    target_name: Mapped[str] = mapped_column(String(64), default="")
    assignee: Mapped[str] = mapped_column(String(64), default="")
    assignee_name: Mapped[str] = mapped_column(String(64), default="")
    route: Mapped[str] = mapped_column(String(32), default="")
    window_no: Mapped[str] = mapped_column(String(16), default="")
    case_nos: Mapped[list[str]] = mapped_column(JSON, default=list)
    # a 差评: the queue's evaluation (one per service), its ticket and level
    evaluation_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True, unique=True)
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    ticket: Mapped[str] = mapped_column(String(8), default="")
    level: Mapped[int | None] = mapped_column(Integer, nullable=True)
    applicant_name: Mapped[str] = mapped_column(String(200), default="")
    contact: Mapped[str] = mapped_column(String(40), default="")  # 实名: a phone to call back
    content: Mapped[str] = mapped_column(Text, default="")
    verified_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    verified_by: Mapped[str] = mapped_column(String(64), default="")
    founded: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    rectified_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    rectified_by: Mapped[str] = mapped_column(String(64), default="")
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    closed_by: Mapped[str] = mapped_column(String(64), default="")
    appealed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    resume_status: Mapped[str] = mapped_column(String(8), default="")
    appeal_reason: Mapped[str] = mapped_column(Text, default="")
    appeal_granted: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(64), default="")
    workstation: Mapped[str] = mapped_column(String(8))
    row_version: Mapped[int] = mapped_column(Integer, default=1)


# The columns the audit chain's row hash covers (app/core/audit_chain: a follow-up's
# form), and the columns pushed to the county: the same, plus its version.
FOLLOW_UP_COLUMNS = (
    "id", "no", "kind", "channel", "status", "opened_at", "opened_on", "opened_by",
    "limit_days", "due_on", "target", "target_name", "assignee", "assignee_name", "route",
    "window_no", "case_nos", "evaluation_id", "ticket_id", "ticket", "level",
    "applicant_name", "contact", "content", "verified_on", "verified_by", "founded",
    "rectified_on", "rectified_by", "closed_on", "closed_by", "appealed", "resume_status",
    "appeal_reason", "appeal_granted", "decision_reason", "decided_by", "workstation",
)  # fmt: skip

ROW_FORM = "fu1"  # the follow-up row's form in the audit chain (subject_row_hash)


def row_values(row: FollowUpRow) -> dict[str, Any]:
    return {c: getattr(row, c) for c in FOLLOW_UP_COLUMNS}


def row_hash(values: dict[str, Any]) -> str:
    return subject_row_hash(ROW_FORM, [values[c] for c in FOLLOW_UP_COLUMNS])
