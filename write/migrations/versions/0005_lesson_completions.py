"""learning: lesson completions, and lesson lookup in the course facts

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('lesson_completions',
    sa.Column('student_id', sa.UUID(), nullable=False),
    sa.Column('lesson_id', sa.UUID(), nullable=False),
    sa.Column('course_id', sa.UUID(), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('student_id', 'lesson_id', name=op.f('pk_lesson_completions')),
    schema='learning'
    )
    op.create_index('ix_course_facts_lesson_ids', 'course_facts', ['lesson_ids'], unique=False,
                    schema='learning', postgresql_using='gin')


def downgrade() -> None:
    op.drop_index('ix_course_facts_lesson_ids', table_name='course_facts', schema='learning',
                  postgresql_using='gin')
    op.drop_table('lesson_completions', schema='learning')
