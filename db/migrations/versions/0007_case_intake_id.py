"""cases.intake_id: the counter's id of the intake a case came from, unique, so one
intake gives at most one case

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("intake_id", sa.Uuid(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_cases_intake_id"), ["intake_id"])


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_cases_intake_id"), type_="unique")
        batch_op.drop_column("intake_id")
