"""learning: the last lesson a student opened or completed, and when

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('enrollments', sa.Column('last_lesson_id', sa.UUID(), nullable=True),
                  schema='learning')
    op.add_column('enrollments', sa.Column('last_activity_at', sa.DateTime(timezone=True),
                                           server_default=sa.text('now()'), nullable=False),
                  schema='learning')
    # Every enrollment of a course, and its completions, at once (the lesson list changed).
    op.create_index('ix_enrollments_course_id', 'enrollments', ['course_id'], unique=False,
                    schema='learning')
    op.create_index('ix_lesson_completions_course_id', 'lesson_completions', ['course_id'],
                    unique=False, schema='learning')


def downgrade() -> None:
    op.drop_index('ix_enrollments_course_id', table_name='enrollments', schema='learning')
    op.drop_index('ix_lesson_completions_course_id', table_name='lesson_completions',
                  schema='learning')
    op.drop_column('enrollments', 'last_activity_at', schema='learning')
    op.drop_column('enrollments', 'last_lesson_id', schema='learning')
