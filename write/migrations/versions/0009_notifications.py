"""notifications: in-app notifications and who takes which course

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute('CREATE SCHEMA IF NOT EXISTS notifications')
    op.create_table('course_students',
    sa.Column('course_id', sa.UUID(), nullable=False),
    sa.Column('student_id', sa.UUID(), nullable=False),
    sa.PrimaryKeyConstraint('course_id', 'student_id', name=op.f('pk_course_students')),
    schema='notifications'
    )
    op.create_table('notifications',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('course_id', sa.UUID(), nullable=False),
    sa.Column('subject_id', sa.UUID(), nullable=False),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('user_id', 'kind', 'subject_id',
                        name=op.f('uq_notifications_user_id')),
    schema='notifications'
    )
    op.create_index('ix_notifications_user_id_created_at', 'notifications',
                    ['user_id', 'created_at'], unique=False, schema='notifications')
    op.create_index('ix_notifications_subject_id', 'notifications', ['subject_id'], unique=False,
                    schema='notifications')


def downgrade() -> None:
    op.drop_table('notifications', schema='notifications')
    op.drop_table('course_students', schema='notifications')
    op.execute('DROP SCHEMA IF EXISTS notifications')
