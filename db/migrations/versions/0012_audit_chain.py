"""audit_entry hash chain (issue 16 item 3): seq, prev_hash, row_hash, entry_hash; the
chain's head; the entries already in the store chained here (their genesis)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07

The entries already kept are chained in the order they were written (time, then id),
each with the hash of its case row as it stands at the upgrade: there is no earlier
state of the row to hash. From here on an upgraded store verifies like a new one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.core.audit_chain import (
    CASE_FORMS,
    GENESIS,
    START,
    EntryFields,
    case_row_hash,
    jsonb_text,
    link_entries,
)

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# The columns as this revision knows them (the hashed case form is form 1).
GENESIS_FORM = 1


def upgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("row_hash", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("entry_hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_audit_entry_seq"), ["seq"])
        batch_op.create_index("ix_audit_entry_case_seq", ["case_id", "seq"], unique=False)
    op.create_table(
        "audit_chain",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain")),
    )
    op.create_table(
        "audit_chain_gap",
        sa.Column("after_seq", sa.Integer(), nullable=False),
        sa.Column("upto_seq", sa.Integer(), nullable=False),
        sa.Column("upto_hash", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("after_seq", name=op.f("pk_audit_chain_gap")),
    )
    _genesis(op.get_bind())


def _genesis(conn: sa.Connection) -> None:
    types: dict[str, sa.types.TypeEngine[object]] = {
        "id": sa.Uuid(), "previous_case_id": sa.Uuid(), "promised_date": sa.Date(),
        "supply_by": sa.Date(), "limit_days": sa.Integer(), "promised_estimated": sa.Boolean(),
        "accepted_at": sa.DateTime(), "completed_at": sa.DateTime(),
    }  # fmt: skip
    cases = sa.table(
        "cases", *(sa.column(c, types.get(c, sa.String())) for c in CASE_FORMS[GENESIS_FORM])
    )
    audit = sa.table(
        "audit_entry", sa.column("id", sa.Uuid()), sa.column("case_id", sa.Uuid()),
        sa.column("at", sa.DateTime()), sa.column("actor", sa.String()),
        sa.column("action", sa.String()), sa.column("detail", sa.JSON()),
        sa.column("seq", sa.Integer()), sa.column("prev_hash", sa.String()),
        sa.column("row_hash", sa.String()), sa.column("entry_hash", sa.String()),
    )  # fmt: skip
    columns = [cases.c[c] for c in CASE_FORMS[GENESIS_FORM]]
    row_hashes = {
        r["id"]: case_row_hash(r, GENESIS_FORM)
        for r in conn.execute(sa.select(*columns)).mappings()
    }
    entries = conn.execute(
        sa.select(audit.c.id, audit.c.case_id, audit.c.at, audit.c.actor, audit.c.action,
                  audit.c.detail).order_by(audit.c.at, audit.c.id)
    ).mappings().all()  # fmt: skip
    chained, tail = link_entries(
        START, [(EntryFields.of(e), row_hashes[e["case_id"]]) for e in entries]
    )
    if chained:
        values = dict(
            seq=sa.bindparam("b_seq"), prev_hash=sa.bindparam("b_prev"),
            row_hash=sa.bindparam("b_row"), entry_hash=sa.bindparam("b_hash"),
        )  # fmt: skip
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:  # the detail in the chain's canonical text, as db/models.AuditDetail keeps it
            values["detail"] = sa.bindparam("b_detail", type_=sa.Text())
        conn.execute(
            audit.update().where(audit.c.id == sa.bindparam("b_id")).values(values),
            [
                {"b_id": e["id"], "b_seq": c.seq, "b_prev": c.prev_hash, "b_row": c.row_hash,
                 "b_hash": c.entry_hash,
                 **({"b_detail": jsonb_text(e["detail"] or {})} if sqlite else {})}
                for e, c in zip(entries, chained, strict=True)
            ],
        )  # fmt: skip
    conn.execute(
        sa.text(
            "INSERT INTO audit_chain (id, seq, entry_hash, algorithm) VALUES (1, :s, :h, 'sm3')"
        ),
        {"s": tail.seq, "h": tail.entry_hash if chained else GENESIS},
    )


def downgrade() -> None:
    op.drop_table("audit_chain_gap")
    op.drop_table("audit_chain")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_case_seq")
        batch_op.drop_constraint(batch_op.f("uq_audit_entry_seq"), type_="unique")
        batch_op.drop_column("entry_hash")
        batch_op.drop_column("row_hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
