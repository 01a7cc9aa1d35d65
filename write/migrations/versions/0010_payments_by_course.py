"""billing: payments found by course (the teacher dashboard's revenue)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_payments_course_id', 'payments', ['course_id'], unique=False,
                    schema='billing')


def downgrade() -> None:
    op.drop_index('ix_payments_course_id', table_name='payments', schema='billing')
