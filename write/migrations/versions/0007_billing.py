"""billing: course terms, payments; learning: paid access, revoked enrollments

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS billing")
    op.create_table('course_terms',
    sa.Column('course_id', sa.UUID(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('teacher_id', sa.UUID(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('price', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('course_id', name=op.f('pk_course_terms')),
    schema='billing'
    )
    op.create_table('payments',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('student_id', sa.UUID(), nullable=False),
    sa.Column('course_id', sa.UUID(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=255), nullable=False),
    sa.Column('request_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('payment_method', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('refunded_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'succeeded', 'declined', 'refunded')", name=op.f('ck_payments_status')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payments_amount_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('student_id', 'idempotency_key', name=op.f('uq_payments_student_id')),
    schema='billing'
    )
    op.create_index('ux_payments_student_course_open', 'payments', ['student_id', 'course_id'],
                    unique=True, schema='billing',
                    postgresql_where=sa.text("status IN ('pending', 'succeeded')"))
    op.create_index('ix_payments_pending', 'payments', ['created_at'], unique=False,
                    schema='billing', postgresql_where=sa.text("status = 'pending'"))
    op.create_table('paid_access',
    sa.Column('payment_id', sa.UUID(), nullable=False),
    sa.Column('student_id', sa.UUID(), nullable=False),
    sa.Column('course_id', sa.UUID(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('active', 'revoked')", name=op.f('ck_paid_access_status')),
    sa.PrimaryKeyConstraint('payment_id', name=op.f('pk_paid_access')),
    schema='learning'
    )
    op.create_index('ix_paid_access_student_id', 'paid_access', ['student_id', 'course_id'],
                    unique=False, schema='learning')
    op.drop_constraint(op.f('ck_enrollments_status'), 'enrollments', schema='learning', type_='check')
    op.create_check_constraint(op.f('ck_enrollments_status'), 'enrollments',
                               "status IN ('enrolled', 'in_progress', 'completed', 'revoked')",
                               schema='learning')


def downgrade() -> None:
    op.execute("DELETE FROM learning.enrollments WHERE status = 'revoked'")
    op.drop_constraint(op.f('ck_enrollments_status'), 'enrollments', schema='learning', type_='check')
    op.create_check_constraint(op.f('ck_enrollments_status'), 'enrollments',
                               "status IN ('enrolled', 'in_progress', 'completed')",
                               schema='learning')
    op.drop_index('ix_paid_access_student_id', table_name='paid_access', schema='learning')
    op.drop_table('paid_access', schema='learning')
    op.drop_index('ix_payments_pending', table_name='payments', schema='billing')
    op.drop_index('ux_payments_student_course_open', table_name='payments', schema='billing')
    op.drop_table('payments', schema='billing')
    op.drop_table('course_terms', schema='billing')
    op.execute("DROP SCHEMA IF EXISTS billing")
