"""catalog: lessons by course cover the outline's columns (index-only scans for the projectors)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OUTLINE_COLUMNS = ['module_id', 'position', 'id', 'title', 'duration_minutes', 'preview']


def upgrade() -> None:
    op.drop_index('ix_lessons_course', table_name='lessons', schema='catalog')
    op.create_index('ix_lessons_course', 'lessons', ['course_id'], unique=False, schema='catalog',
                    postgresql_include=OUTLINE_COLUMNS)


def downgrade() -> None:
    op.drop_index('ix_lessons_course', table_name='lessons', schema='catalog')
    op.create_index('ix_lessons_course', 'lessons', ['course_id'], unique=False, schema='catalog')
