"""catalog: reviews, the catalog's copy of enrollments, course stats

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('course_students',
    sa.Column('course_id', sa.UUID(), nullable=False),
    sa.Column('student_id', sa.UUID(), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('course_id', 'student_id', name=op.f('pk_course_students')),
    schema='catalog'
    )
    op.create_table('reviews',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('course_id', sa.UUID(), nullable=False),
    sa.Column('author_id', sa.UUID(), nullable=False),
    sa.Column('rating', sa.SmallInteger(), nullable=False),
    sa.Column('comment_html', sa.Text(), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_reviews_rating')),
    sa.ForeignKeyConstraint(['course_id'], ['catalog.courses.id'], name=op.f('fk_reviews_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviews')),
    sa.UniqueConstraint('course_id', 'author_id', name=op.f('uq_reviews_course_id')),
    schema='catalog'
    )
    op.create_table('course_stats',
    sa.Column('course_id', sa.UUID(), nullable=False),
    sa.Column('students_count', sa.Integer(), nullable=False),
    sa.Column('rating_count', sa.Integer(), nullable=False),
    sa.Column('rating_sum', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('students_count >= 0 AND rating_count >= 0', name=op.f('ck_course_stats_counts')),
    sa.ForeignKeyConstraint(['course_id'], ['catalog.courses.id'], name=op.f('fk_course_stats_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('course_id', name=op.f('pk_course_stats')),
    schema='catalog'
    )


def downgrade() -> None:
    op.drop_table('course_stats', schema='catalog')
    op.drop_table('reviews', schema='catalog')
    op.drop_table('course_students', schema='catalog')
