"""catalog

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS catalog")
    op.create_table('categories',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('slug', name=op.f('uq_categories_slug')),
    schema='catalog'
    )
    op.create_table('courses',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('teacher_id', sa.UUID(), nullable=False),
    sa.Column('category_id', sa.UUID(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description_html', sa.Text(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('price', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('cover_url', sa.String(length=500), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("level IN ('beginner', 'intermediate', 'advanced')", name=op.f('ck_courses_level')),
    sa.CheckConstraint("status IN ('draft', 'published', 'archived')", name=op.f('ck_courses_status')),
    sa.CheckConstraint('(price IS NULL) = (currency IS NULL)', name=op.f('ck_courses_price_currency')),
    sa.CheckConstraint('price IS NULL OR price > 0', name=op.f('ck_courses_price_positive')),
    sa.ForeignKeyConstraint(['category_id'], ['catalog.categories.id'], name=op.f('fk_courses_category_id_categories'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_courses')),
    schema='catalog'
    )
    op.create_index('ix_courses_category', 'courses', ['category_id'], unique=False, schema='catalog')
    op.create_index('ix_courses_teacher', 'courses', ['teacher_id'], unique=False, schema='catalog')
    op.create_table('modules',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('course_id', sa.UUID(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['catalog.courses.id'], name=op.f('fk_modules_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_modules')),
    schema='catalog'
    )
    op.create_index('ix_modules_course_position', 'modules', ['course_id', 'position'], unique=False, schema='catalog')
    op.create_table('lessons',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('module_id', sa.UUID(), nullable=False),
    sa.Column('course_id', sa.UUID(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('content_md', sa.Text(), nullable=False),
    sa.Column('video_url', sa.String(length=500), nullable=True),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('preview', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint('duration_minutes >= 0', name=op.f('ck_lessons_duration')),
    sa.ForeignKeyConstraint(['course_id'], ['catalog.courses.id'], name=op.f('fk_lessons_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['module_id'], ['catalog.modules.id'], name=op.f('fk_lessons_module_id_modules'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lessons')),
    schema='catalog'
    )
    op.create_index('ix_lessons_course', 'lessons', ['course_id'], unique=False, schema='catalog')
    op.create_index('ix_lessons_module_position', 'lessons', ['module_id', 'position'], unique=False, schema='catalog')


def downgrade() -> None:
    op.drop_index('ix_lessons_module_position', table_name='lessons', schema='catalog')
    op.drop_index('ix_lessons_course', table_name='lessons', schema='catalog')
    op.drop_table('lessons', schema='catalog')
    op.drop_index('ix_modules_course_position', table_name='modules', schema='catalog')
    op.drop_table('modules', schema='catalog')
    op.drop_index('ix_courses_teacher', table_name='courses', schema='catalog')
    op.drop_index('ix_courses_category', table_name='courses', schema='catalog')
    op.drop_table('courses', schema='catalog')
    op.drop_table('categories', schema='catalog')
    op.execute("DROP SCHEMA IF EXISTS catalog")
