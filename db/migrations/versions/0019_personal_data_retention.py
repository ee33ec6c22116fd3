"""personal data kept no longer than needed (issue 23): what the county acknowledged
of each case, and when a case's personal data was purged

The acknowledgements already known (outbox rows marked sent and not yet removed) are
carried over; a case acknowledged before that and not changed since gets its
acknowledgement at its next push, so it is purged later, never earlier.

Revision ID: 0019
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0017"  # rechained at the merge: after the bundles
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_county_ack",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("acked_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_county_ack_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_county_ack")),
    )
    op.create_index("ix_case_county_ack_acked_at", "case_county_ack", ["acked_at"])
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("purged_at", sa.DateTime(), nullable=True))
    bind = op.get_bind()
    acks: dict[str, tuple[int, object]] = {}
    rows = bind.execute(
        sa.text("SELECT payload, sent_at FROM sync_outbox WHERE sent_at IS NOT NULL ORDER BY seq")
    )
    for payload, sent_at in rows:
        body = json.loads(payload) if isinstance(payload, str) else payload
        for case in (body or {}).get("cases") or []:
            try:
                key, version = str(uuid.UUID(case["id"]).hex), int(case["row_version"])
            except (KeyError, TypeError, ValueError):
                continue
            at = datetime.fromisoformat(sent_at) if isinstance(sent_at, str) else sent_at
            if key not in acks or acks[key][0] <= version:
                acks[key] = (version, at)
    known = {
        (r[0] if isinstance(r[0], str) else r[0].hex)
        for r in bind.execute(sa.text("SELECT id FROM cases"))
    }
    table = sa.table(
        "case_county_ack",
        sa.column("case_id", sa.Uuid()),
        sa.column("row_version", sa.Integer()),
        sa.column("acked_at", sa.DateTime()),
    )
    values = [
        {"case_id": uuid.UUID(k), "row_version": v, "acked_at": at}
        for k, (v, at) in acks.items()
        if k.replace("-", "") in known
    ]
    if values:
        op.bulk_insert(table, values)


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("purged_at")
    op.drop_index("ix_case_county_ack_acked_at", table_name="case_county_ack")
    op.drop_table("case_county_ack")
