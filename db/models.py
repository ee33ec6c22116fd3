"""Local store tables (SQLAlchemy 2). The same models serve the central PostgreSQL.

Catalogue rows are immutable per version: a new version of an item is new rows, and
a case points at the exact version it was accepted under.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy import (
    false as sa_false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from app.core.audit_chain import jsonb_text
from app.core.ids import uuid7

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# ---------------------------------------------------------------- catalogue


class ItemVersionRow(Base):
    """One published version of an item's standard (办事指南)."""

    __tablename__ = "item_version"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_item_version_code_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    department: Mapped[str] = mapped_column(String(200))
    service_type: Mapped[str] = mapped_column(String(8))
    statutory_days: Mapped[int] = mapped_column(Integer)
    promised_days: Mapped[int] = mapped_column(Integer)
    statutory_unit: Mapped[str] = mapped_column(
        String(8), default="工作日", server_default="工作日"
    )
    promised_unit: Mapped[str] = mapped_column(String(8), default="工作日", server_default="工作日")
    fee: Mapped[bool] = mapped_column(Boolean, default=False)
    fee_standard: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    conditions: Mapped[str] = mapped_column(Text, default="")
    procedure: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(64), default="")
    review_body: Mapped[str] = mapped_column(Text, default="", server_default="")  # 复议机关
    court: Mapped[str] = mapped_column(Text, default="", server_default="")  # 管辖法院
    delivery: Mapped[str] = mapped_column(Text, default="", server_default="")  # 结果送达方式
    content_hash: Mapped[str] = mapped_column(String(64))
    is_current: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    imported_at: Mapped[datetime] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(String(200), default="")
    # readings of the name for search, computed once at import (space separated)
    pinyin_full: Mapped[str] = mapped_column(Text, default="")
    pinyin_initials: Mapped[str] = mapped_column(Text, default="")

    questions: Mapped[list[QuestionRow]] = relationship(
        back_populates="item_version",
        cascade="all, delete-orphan",
        order_by="QuestionRow.ord",
        lazy="selectin",
    )
    materials: Mapped[list[MaterialRow]] = relationship(
        back_populates="item_version",
        cascade="all, delete-orphan",
        order_by="MaterialRow.seq",
        lazy="selectin",
    )


class QuestionRow(Base):
    __tablename__ = "situation_question"
    __table_args__ = (
        UniqueConstraint("item_version_id", "code", name="uq_situation_question_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_version_id: Mapped[int] = mapped_column(
        ForeignKey("item_version.id", ondelete="CASCADE"), index=True
    )
    ord: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(200))
    options: Mapped[list[str]] = mapped_column(JSON)

    item_version: Mapped[ItemVersionRow] = relationship(back_populates="questions")


class MaterialRow(Base):
    __tablename__ = "material"
    __table_args__ = (UniqueConstraint("item_version_id", "seq", name="uq_material_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_version_id: Mapped[int] = mapped_column(
        ForeignKey("item_version.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(200), index=True)
    medium: Mapped[str] = mapped_column(String(8))
    copies: Mapped[int] = mapped_column(Integer)
    necessity: Mapped[str] = mapped_column(String(8))
    # [{"question": code, "options": [..]}], all must hold; [] = always
    conditions: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    standard: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(200), default="")
    blank_form: Mapped[str] = mapped_column(String(200), default="")
    sample: Mapped[str] = mapped_column(String(200), default="")
    # 材料编码: the standard's shared material code ("" where it gives none)
    code: Mapped[str] = mapped_column(String(64), default="", server_default="")

    item_version: Mapped[ItemVersionRow] = relationship(back_populates="materials")


class BundleVersionRow(Base):
    """One published version of a bundle (一件事): its items, stages, shared questions
    and their mapping, kept as the document the county publishes (db/sync/catalog_docs).
    Like item versions, a published version never changes; a new one becomes current."""

    __tablename__ = "bundle_version"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_bundle_version_code_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    is_current: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    imported_at: Mapped[datetime] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(String(200), default="")
    # the name's pinyin, computed at import like an item's: the quick start's search
    # has bundles from the first paint (db/quick_read.py)
    pinyin_full: Mapped[str] = mapped_column(Text, default="", server_default="")
    pinyin_initials: Mapped[str] = mapped_column(Text, default="", server_default="")


# ---------------------------------------------------------------- cases


class CaseRow(Base):
    """A case (办件): one item applied for at one counter visit."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_accepted_at", "accepted_at"),
        Index("ix_cases_applicant_id_no", "applicant_id_no"),
        Index("ix_cases_applicant_name", "applicant_name"),
        # 电子监察 (db/supervision_query.py): running cases by due date and by statutory
        # date, carrying what the hall list filters and counts by (window, owner, item,
        # the statutory date) so its counts never read the table; and one clerk's
        # cases by status and due date
        Index(
            "ix_cases_status_due_date",
            "status",
            "due_date",
            "window_no",
            "owner",
            "item_code",
            "statutory_date",
            "clock_stopped_on",
        ),
        Index(
            "ix_cases_status_statutory_date",
            "status",
            "statutory_date",
            "window_no",
            "owner",
            "item_code",
            "clock_stopped_on",
        ),
        Index("ix_cases_owner_status_due_date", "owner", "status", "due_date"),
        Index("ix_cases_application_id", "application_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    case_no: Mapped[str] = mapped_column(String(32), unique=True)
    item_version_id: Mapped[int] = mapped_column(ForeignKey("item_version.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(64))
    item_name: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(String(8))  # 受理/容缺受理/补正/不予受理
    status: Mapped[str] = mapped_column(String(16))  # 已受理/待补正/不予受理/已办结 …
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    promised_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    supply_by: Mapped[date | None] = mapped_column(Date, nullable=True)  # 容缺补交日期
    # the promised date moved on by the 特别程序 clock stops (app/core/lifecycle.py)
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    clock_stopped_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # stop under way
    owner: Mapped[str] = mapped_column(String(64), default="", server_default="")  # 首问负责
    # 法定办结日期: the item's statutory limit from the acceptance day (电子监察 flags a
    # case past it apart from the promised date); local only, like limit_days
    statutory_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    # how promised_date was counted: the limit, and the calendar years it went through
    limit_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    limit_unit: Mapped[str] = mapped_column(String(8), default="工作日", server_default="工作日")
    promised_estimated: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sa_false()
    )  # counted on a year whose official arrangement was not yet known
    calendar_basis: Mapped[str] = mapped_column(Text, default="", server_default="")
    accepted_at: Mapped[datetime] = mapped_column(DateTime)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    clerk: Mapped[str] = mapped_column(String(64))
    clerk_name: Mapped[str] = mapped_column(String(64))
    on_behalf_of: Mapped[str] = mapped_column(String(64), default="")  # AB角: the post's clerk
    window_no: Mapped[str] = mapped_column(String(16))
    workstation: Mapped[str] = mapped_column(String(8))
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_id_no: Mapped[str] = mapped_column(String(32), default="")
    previous_case_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("cases.id"), nullable=True
    )
    application_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)  # 联办 visit
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    # The counter's own id of the intake this case came from: one intake, at most one
    # case, whatever keys, retries or processes try to save it again. Local only.
    intake_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True, unique=True)
    # When the applicant's personal data left this store (issue 23, db/privacy_repo):
    # the county keeps the record; here the number, item, dates and status remain.
    # Local only, and no column of the audit chain's case forms.
    purged_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    item_version: Mapped[ItemVersionRow] = relationship()
    applicant: Mapped[ApplicantRow] = relationship(
        back_populates="case", cascade="all, delete-orphan", uselist=False
    )
    answers: Mapped[list[CaseAnswerRow]] = relationship(
        cascade="all, delete-orphan", order_by="CaseAnswerRow.ord"
    )
    materials: Mapped[list[CaseMaterialRow]] = relationship(
        cascade="all, delete-orphan", order_by="CaseMaterialRow.seq"
    )
    notice_lines: Mapped[list[NoticeLineRow]] = relationship(
        cascade="all, delete-orphan", order_by="NoticeLineRow.seq"
    )
    audit: Mapped[list[AuditRow]] = relationship(
        cascade="all, delete-orphan", order_by="AuditRow.at"
    )


class ApplicationRow(Base):
    """A visit (联办 / 一件事一次办): one applicant, one window, a bundle of items, each
    its own case (cases.application_id). Written in the transaction of its cases.
    Local only: the county knows the application by its cases' application_id, and
    each case's intake audit entry carries the bundle."""

    __tablename__ = "application"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    # the counter's id of the visit's intake: one visit, at most one application
    intake_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    bundle_code: Mapped[str] = mapped_column(String(64))
    bundle_name: Mapped[str] = mapped_column(String(200))
    bundle_version: Mapped[str] = mapped_column(String(32))
    accepted_at: Mapped[datetime] = mapped_column(DateTime)
    clerk: Mapped[str] = mapped_column(String(64))
    window_no: Mapped[str] = mapped_column(String(16))
    workstation: Mapped[str] = mapped_column(String(8))
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_id_no: Mapped[str] = mapped_column(String(32), default="")


class ApplicantRow(Base):
    __tablename__ = "applicant"

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(8))  # 个人 / 单位
    name: Mapped[str] = mapped_column(String(200))
    id_type: Mapped[str] = mapped_column(String(32), default="")
    id_no: Mapped[str] = mapped_column(String(32), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    legal_rep: Mapped[str] = mapped_column(String(64), default="")
    agent_name: Mapped[str] = mapped_column(String(64), default="")
    agent_id_type: Mapped[str] = mapped_column(String(32), default="")
    agent_id_no: Mapped[str] = mapped_column(String(32), default="")
    agent_phone: Mapped[str] = mapped_column(String(32), default="")

    case: Mapped[CaseRow] = relationship(back_populates="applicant")


class CaseAnswerRow(Base):
    __tablename__ = "case_answer"

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    question_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    ord: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(String(200))
    answer: Mapped[str] = mapped_column(String(200))


class CaseMaterialRow(Base):
    """The clerk's outcome for one applicable material of the case."""

    __tablename__ = "case_material"

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    medium: Mapped[str] = mapped_column(String(8))
    necessity: Mapped[str] = mapped_column(String(8))
    required_copies: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(8))  # 收到 / 缺 / 有误 / 未核验
    copies: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(Text, default="")


class NoticeLineRow(Base):
    """A line of the one-time notice (一次性告知书) given with this case."""

    __tablename__ = "notice_line"

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    material: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text)
    requirement: Mapped[str] = mapped_column(Text)
    deferrable: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditDetail(TypeDecorator[Any]):
    """An audit entry's detail: JSON, kept by SQLite in the chain's canonical text
    (app/core/audit_chain.jsonb_text), so verifying hashes the stored text as it is."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Any:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value: Any) -> str | None:
            return None if value is None else jsonb_text(value)

        return process


class AuditRow(Base):
    """Append-only timeline of a case: who did what, when, and why."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_case_seq", "case_id", "seq"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    # None: a step of a 好差评 follow-up or complaint (db/feedback_models.py), whose id
    # the detail names ("follow_up_id")
    case_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True, nullable=True
    )
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, object]] = mapped_column(AuditDetail, default=dict)
    # The hash chain (app/core/audit_chain, db/audit): this store's entries carry seq
    # 1, 2, 3 …; an entry made at the county (pulled down) has none and is covered by
    # the receipt entry that brought it.
    seq: Mapped[int | None] = mapped_column(Integer, nullable=True, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    row_hash: Mapped[str | None] = mapped_column(String(80), nullable=True)
    entry_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # HMAC-SM3 under the workstation's key (app/core/audit_chain.entry_mac); NULL
    # before the store was keyed
    entry_mac: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AuditChainRow(Base):
    """The head of this store's audit chain: its last seq and that entry's hash (so a
    deleted last entry is caught too). One row; taken and moved in the writer's
    transaction, which serialises every writer of the chain."""

    __tablename__ = "audit_chain"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    seq: Mapped[int] = mapped_column(Integer)
    entry_hash: Mapped[str] = mapped_column(String(64))
    algorithm: Mapped[str] = mapped_column(String(16), default="sm3")
    keyed_from: Mapped[int | None] = mapped_column(Integer, nullable=True)  # first keyed seq
    mac: Mapped[str | None] = mapped_column(String(64), nullable=True)  # audit_chain.head_mac


class AuditChainGapRow(Base):
    """Where this store's chain resumes after a restored backup: the entries after
    ``after_seq`` up to ``upto_seq`` stayed in the replaced file (named in ``note``)."""

    __tablename__ = "audit_chain_gap"

    after_seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    upto_seq: Mapped[int] = mapped_column(Integer)
    upto_hash: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")


class CaseSequenceRow(Base):
    """Last case-number sequence used per workstation and day."""

    __tablename__ = "case_sequence"

    workstation: Mapped[str] = mapped_column(String(8), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class SettingRow(Base):
    """Workstation settings that belong with the data (centre code, workstation code)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# ---------------------------------------------------------------- counter


class ClerkRow(Base):
    """A clerk account of this workstation (later pulled from the centre)."""

    __tablename__ = "clerk"

    login: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(256))
    window_no: Mapped[str] = mapped_column(String(16), default="")  # own post (A角)
    backup_for: Mapped[str] = mapped_column(String(64), default="")  # B角 of this login
    role: Mapped[str] = mapped_column(String(16), default="clerk")  # clerk/chief/manager
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class SignInRow(Base):
    """Who sat at which window when, and whose post they were covering (AB角)."""

    __tablename__ = "sign_in"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    login: Mapped[str] = mapped_column(String(64), index=True)
    window_no: Mapped[str] = mapped_column(String(16))
    on_behalf_of: Mapped[str] = mapped_column(String(64), default="")
    signed_in_at: Mapped[datetime] = mapped_column(DateTime)
    signed_out_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class CaseAckRow(Base):
    """What the county acknowledged of a case: the highest row_version of the case row
    a push carried that the county took (not refused), and when (db/sync/client). The
    purge of personal data (db/privacy_repo) waits for it: the county keeps the record."""

    __tablename__ = "case_county_ack"
    __table_args__ = (Index("ix_case_county_ack_acked_at", "acked_at"),)

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    row_version: Mapped[int] = mapped_column(Integer)
    acked_at: Mapped[datetime] = mapped_column(DateTime)


class DraftRow(Base):
    """A half-finished intake, saved as the clerk types, offered back after a crash.
    Deleted in the same transaction that saves the case."""

    __tablename__ = "intake_draft"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)  # workstation/login
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    state: Mapped[dict[str, object]] = mapped_column(JSON)


class PrintLogRow(Base):
    """Every print: what, when, who, copies, printer, and whether it worked."""

    __tablename__ = "print_log"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    case_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), nullable=True, index=True
    )
    ref: Mapped[str] = mapped_column(String(32))  # case number or ticket number
    what: Mapped[str] = mapped_column(String(32))  # document kind (受理通知书 …)
    at: Mapped[datetime] = mapped_column(DateTime)
    who: Mapped[str] = mapped_column(String(64))
    copies: Mapped[int] = mapped_column(Integer, default=1)
    printer: Mapped[str] = mapped_column(String(128), default="")
    success: Mapped[bool] = mapped_column(Boolean)
    message: Mapped[str] = mapped_column(Text, default="")
    job_id: Mapped[str] = mapped_column(String(64), default="")
    file: Mapped[str] = mapped_column(Text, default="")  # the PDF kept for reprint/preview


# ---------------------------------------------------------------- sync (issue 7)


class SyncOutboxRow(Base):
    """One change to push to the county, written in the same transaction as the change.

    ``payload`` maps a central table name to the rows to upsert there. ``seq`` is this
    workstation's change order (never a clock); ``batch_seq`` is set when the row joins
    a batch and never changes afterwards, so a batch resent after a cut connection is
    byte for byte the same batch."""

    __tablename__ = "sync_outbox"
    __table_args__ = (
        Index("ix_sync_outbox_pending", "sent_at", "seq"),
        Index("ix_sync_outbox_batch_seq", "batch_seq"),
        {"sqlite_autoincrement": True},
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)  # shown to people, never ordered by
    # central table -> its rows, each a JSON object (db/sync/outbox.enqueue writes them)
    payload: Mapped[dict[str, list[dict[str, Any]]]] = mapped_column(JSON)
    batch_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class SyncStateRow(Base):
    """Sync bookkeeping of this workstation: install id, batch counter, pull cursor,
    last success and error."""

    __tablename__ = "sync_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SyncConflictRow(Base):
    """A conflict met while syncing and how the written rule settled it (docs/sync.md)."""

    __tablename__ = "sync_conflict"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    side: Mapped[str] = mapped_column(String(8))  # push / pull
    tbl: Mapped[str] = mapped_column(String(32))
    row_key: Mapped[str] = mapped_column(String(100))
    rule: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)  # Chinese, for the hall manager
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class SyncQuarantineRow(Base):
    """A row the county refused. It is kept here, visible, and never blocks the rest."""

    __tablename__ = "sync_quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    batch_seq: Mapped[int] = mapped_column(Integer)
    tbl: Mapped[str] = mapped_column(String(32))
    row_key: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class CalendarYearRow(Base):
    """A year of the working-day calendar pulled from the county (newer than the one
    shipped with the program when present)."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer)
    doc: Mapped[dict[str, object]] = mapped_column(JSON)
    # where it came from: 县中心, or 导入 FILE (a standalone workstation's import)
    origin: Mapped[str] = mapped_column(String(200), default="县中心", server_default="县中心")
