"""catalogue and cases

Revision ID: 0001
Revises: 
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_sequence',
    sa.Column('workstation', sa.String(length=8), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('workstation', 'day', name=op.f('pk_case_sequence'))
    )
    op.create_table('item_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('department', sa.String(length=200), nullable=False),
    sa.Column('service_type', sa.String(length=8), nullable=False),
    sa.Column('statutory_days', sa.Integer(), nullable=False),
    sa.Column('promised_days', sa.Integer(), nullable=False),
    sa.Column('fee', sa.Boolean(), nullable=False),
    sa.Column('fee_standard', sa.Text(), nullable=False),
    sa.Column('legal_basis', sa.Text(), nullable=False),
    sa.Column('conditions', sa.Text(), nullable=False),
    sa.Column('procedure', sa.Text(), nullable=False),
    sa.Column('place', sa.Text(), nullable=False),
    sa.Column('phone', sa.String(length=64), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('pinyin_full', sa.Text(), nullable=False),
    sa.Column('pinyin_initials', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_version')),
    sa.UniqueConstraint('code', 'version', name='uq_item_version_code_version')
    )
    with op.batch_alter_table('item_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_version_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_item_version_is_current'), ['is_current'], unique=False)

    op.create_table('setting',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_setting'))
    )
    op.create_table('cases',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_no', sa.String(length=32), nullable=False),
    sa.Column('item_version_id', sa.Integer(), nullable=False),
    sa.Column('item_code', sa.String(length=64), nullable=False),
    sa.Column('item_name', sa.String(length=200), nullable=False),
    sa.Column('decision', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('legal_basis', sa.Text(), nullable=False),
    sa.Column('promised_date', sa.Date(), nullable=True),
    sa.Column('supply_by', sa.Date(), nullable=True),
    sa.Column('accepted_at', sa.DateTime(), nullable=False),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.Column('clerk', sa.String(length=64), nullable=False),
    sa.Column('clerk_name', sa.String(length=64), nullable=False),
    sa.Column('on_behalf_of', sa.String(length=64), nullable=False),
    sa.Column('window_no', sa.String(length=16), nullable=False),
    sa.Column('workstation', sa.String(length=8), nullable=False),
    sa.Column('applicant_name', sa.String(length=200), nullable=False),
    sa.Column('applicant_id_no', sa.String(length=32), nullable=False),
    sa.Column('previous_case_id', sa.Uuid(), nullable=True),
    sa.Column('application_id', sa.Uuid(), nullable=True),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_version_id'], ['item_version.id'], name=op.f('fk_cases_item_version_id_item_version')),
    sa.ForeignKeyConstraint(['previous_case_id'], ['cases.id'], name=op.f('fk_cases_previous_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('case_no', name=op.f('uq_cases_case_no'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_accepted_at', ['accepted_at'], unique=False)
        batch_op.create_index('ix_cases_applicant_id_no', ['applicant_id_no'], unique=False)
        batch_op.create_index('ix_cases_applicant_name', ['applicant_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_item_version_id'), ['item_version_id'], unique=False)

    op.create_table('material',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_version_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('medium', sa.String(length=8), nullable=False),
    sa.Column('copies', sa.Integer(), nullable=False),
    sa.Column('necessity', sa.String(length=8), nullable=False),
    sa.Column('conditions', sa.JSON(), nullable=False),
    sa.Column('standard', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('blank_form', sa.String(length=200), nullable=False),
    sa.Column('sample', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['item_version_id'], ['item_version.id'], name=op.f('fk_material_item_version_id_item_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_material')),
    sa.UniqueConstraint('item_version_id', 'seq', name='uq_material_seq')
    )
    with op.batch_alter_table('material', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_material_item_version_id'), ['item_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_material_key'), ['key'], unique=False)

    op.create_table('situation_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_version_id', sa.Integer(), nullable=False),
    sa.Column('ord', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('text', sa.String(length=200), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['item_version_id'], ['item_version.id'], name=op.f('fk_situation_question_item_version_id_item_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_situation_question')),
    sa.UniqueConstraint('item_version_id', 'code', name='uq_situation_question_code')
    )
    with op.batch_alter_table('situation_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_situation_question_item_version_id'), ['item_version_id'], unique=False)

    op.create_table('applicant',
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('id_type', sa.String(length=32), nullable=False),
    sa.Column('id_no', sa.String(length=32), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('legal_rep', sa.String(length=64), nullable=False),
    sa.Column('agent_name', sa.String(length=64), nullable=False),
    sa.Column('agent_id_type', sa.String(length=32), nullable=False),
    sa.Column('agent_id_no', sa.String(length=32), nullable=False),
    sa.Column('agent_phone', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_applicant_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_applicant'))
    )
    op.create_table('audit_entry',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_audit_entry_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_case_id'), ['case_id'], unique=False)

    op.create_table('case_answer',
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('question_code', sa.String(length=32), nullable=False),
    sa.Column('ord', sa.Integer(), nullable=False),
    sa.Column('question', sa.String(length=200), nullable=False),
    sa.Column('answer', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_answer_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'question_code', name=op.f('pk_case_answer'))
    )
    op.create_table('case_material',
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('medium', sa.String(length=8), nullable=False),
    sa.Column('necessity', sa.String(length=8), nullable=False),
    sa.Column('required_copies', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('copies', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_material_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'seq', name=op.f('pk_case_material'))
    )
    op.create_table('notice_line',
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('material', sa.String(length=200), nullable=False),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('requirement', sa.Text(), nullable=False),
    sa.Column('deferrable', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_notice_line_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'seq', name=op.f('pk_notice_line'))
    )


def downgrade() -> None:
    op.drop_table('notice_line')
    op.drop_table('case_material')
    op.drop_table('case_answer')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_case_id'))

    op.drop_table('audit_entry')
    op.drop_table('applicant')
    with op.batch_alter_table('situation_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_situation_question_item_version_id'))

    op.drop_table('situation_question')
    with op.batch_alter_table('material', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_material_key'))
        batch_op.drop_index(batch_op.f('ix_material_item_version_id'))

    op.drop_table('material')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_item_version_id'))
        batch_op.drop_index('ix_cases_applicant_name')
        batch_op.drop_index('ix_cases_applicant_id_no')
        batch_op.drop_index('ix_cases_accepted_at')

    op.drop_table('cases')
    op.drop_table('setting')
    with op.batch_alter_table('item_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_version_is_current'))
        batch_op.drop_index(batch_op.f('ix_item_version_code'))

    op.drop_table('item_version')
    op.drop_table('case_sequence')
