"""好差评 one per service and its closed loop, complaints (issue 17 items 1 and 2):
queue_evaluation keyed by its own id, one per call (一次一评) with the ticket's cases;
the follow_up table; audit entries without a case (a follow-up's steps)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "follow_up",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("no", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=4), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("limit_days", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("target_name", sa.String(length=64), nullable=False),
        sa.Column("assignee", sa.String(length=64), nullable=False),
        sa.Column("assignee_name", sa.String(length=64), nullable=False),
        sa.Column("route", sa.String(length=32), nullable=False),
        sa.Column("window_no", sa.String(length=16), nullable=False),
        sa.Column("case_nos", sa.JSON(), nullable=False),
        sa.Column("evaluation_id", sa.Uuid(), nullable=True),
        sa.Column("ticket_id", sa.Uuid(), nullable=True),
        sa.Column("ticket", sa.String(length=8), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("applicant_name", sa.String(length=200), nullable=False),
        sa.Column("contact", sa.String(length=40), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("verified_on", sa.Date(), nullable=True),
        sa.Column("verified_by", sa.String(length=64), nullable=False),
        sa.Column("founded", sa.Boolean(), nullable=True),
        sa.Column("rectified_on", sa.Date(), nullable=True),
        sa.Column("rectified_by", sa.String(length=64), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=False),
        sa.Column("appealed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("resume_status", sa.String(length=8), nullable=False),
        sa.Column("appeal_reason", sa.Text(), nullable=False),
        sa.Column("appeal_granted", sa.Boolean(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("workstation", sa.String(length=8), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up")),
        sa.UniqueConstraint("no", name=op.f("uq_follow_up_no")),
        sa.UniqueConstraint("evaluation_id", name=op.f("uq_follow_up_evaluation_id")),
    )
    op.create_index("ix_follow_up_status_due_on", "follow_up", ["status", "due_on"])

    # a follow-up's steps are audit entries with no case
    with op.batch_alter_table("audit_entry") as batch:
        batch.alter_column("case_id", existing_type=sa.Uuid(), nullable=True)

    # 一次一评: an evaluation per service (call), with its own id and the ticket's cases
    with op.batch_alter_table("queue_evaluation") as batch:
        batch.add_column(sa.Column("id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("case_nos", sa.JSON(), nullable=True))
    conn = op.get_bind()
    ev = sa.table(
        "queue_evaluation",
        sa.column("ticket_id", sa.Uuid()), sa.column("id", sa.Uuid()),
        sa.column("case_nos", sa.JSON()),
    )  # fmt: skip
    tk = sa.table("queue_ticket", sa.column("id", sa.Uuid()), sa.column("case_nos", sa.JSON()))
    found = conn.execute(
        sa.select(ev.c.ticket_id, tk.c.case_nos).select_from(ev.join(tk, tk.c.id == ev.c.ticket_id))
    ).all()
    for ticket_id, cases in found:
        if isinstance(cases, str):
            cases = json.loads(cases)
        conn.execute(
            sa.update(ev)
            .where(ev.c.ticket_id == ticket_id)
            .values(id=uuid.uuid4(), case_nos=list(cases or []))
        )
    with op.batch_alter_table("queue_evaluation", recreate="always") as batch:
        batch.drop_constraint("pk_queue_evaluation", type_="primary")
        batch.alter_column("id", existing_type=sa.Uuid(), nullable=False)
        batch.alter_column("case_nos", existing_type=sa.JSON(), nullable=False)
        batch.create_primary_key("pk_queue_evaluation", ["id"])
        batch.create_unique_constraint("uq_queue_evaluation_call_id", ["call_id"])
        batch.create_index("ix_queue_evaluation_ticket_id", ["ticket_id"])


def downgrade() -> None:
    """Back to one evaluation per ticket (the latest one kept) and to audit entries
    that all have a case: the follow-ups and their steps are dropped (so ``audit
    verify`` then reports their seqs missing from the chain: a downgrade is lossy)."""
    conn = op.get_bind()
    conn.execute(
        sa.text(
            "DELETE FROM queue_evaluation WHERE EXISTS (SELECT 1 FROM queue_evaluation later "
            "WHERE later.ticket_id = queue_evaluation.ticket_id "
            "AND (later.at, later.id) > (queue_evaluation.at, queue_evaluation.id))"
        )
    )
    with op.batch_alter_table("queue_evaluation", recreate="always") as batch:
        batch.drop_index("ix_queue_evaluation_ticket_id")
        batch.drop_constraint("uq_queue_evaluation_call_id", type_="unique")
        batch.drop_constraint("pk_queue_evaluation", type_="primary")
        batch.drop_column("case_nos")
        batch.drop_column("id")
        batch.create_primary_key("pk_queue_evaluation", ["ticket_id"])
    conn.execute(sa.text("DELETE FROM audit_entry WHERE case_id IS NULL"))
    with op.batch_alter_table("audit_entry") as batch:
        batch.alter_column("case_id", existing_type=sa.Uuid(), nullable=False)
    op.drop_index("ix_follow_up_status_due_on", table_name="follow_up")
    op.drop_table("follow_up")
