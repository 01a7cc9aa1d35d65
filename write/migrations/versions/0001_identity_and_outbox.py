"""identity and outbox

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


NOTIFY_FUNCTION = """
CREATE FUNCTION outbox.notify_new_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Delivered only when the inserting transaction commits; the relay treats it as a wake-up.
    PERFORM pg_notify('edu_outbox', '');
    RETURN NULL;
END $$;
"""


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS identity")
    op.execute("CREATE SCHEMA IF NOT EXISTS outbox")
    op.create_table('users',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('teacher_verified', sa.Boolean(), nullable=False),
    sa.Column('email_verified', sa.Boolean(), nullable=False),
    sa.Column('blocked', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("role IN ('student', 'teacher', 'admin')", name=op.f('ck_users_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    schema='identity'
    )
    op.create_index('uq_users_email_lower', 'users', [sa.literal_column("lower(email)")], unique=True, schema='identity')
    op.create_table('events',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.UUID(), nullable=False),
    sa.Column('type', sa.String(length=120), nullable=False),
    sa.Column('schema_version', sa.Integer(), nullable=False),
    sa.Column('aggregate_type', sa.String(length=60), nullable=False),
    sa.Column('aggregate_id', sa.Text(), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), server_default=sa.text('clock_timestamp()'), nullable=False),
    sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events')),
    sa.UniqueConstraint('event_id', name=op.f('uq_events_event_id')),
    schema='outbox'
    )
    op.create_index('ix_events_dispatched_at', 'events', ['dispatched_at'], unique=False, schema='outbox', postgresql_where=sa.text('dispatched_at IS NOT NULL'))
    op.create_index('ix_events_undispatched', 'events', ['id'], unique=False, schema='outbox', postgresql_where=sa.text('dispatched_at IS NULL'))
    op.create_table('email_tokens',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('token_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("purpose IN ('verify_email', 'reset_password')", name=op.f('ck_email_tokens_purpose')),
    sa.ForeignKeyConstraint(['user_id'], ['identity.users.id'], name=op.f('fk_email_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_email_tokens_token_hash')),
    schema='identity'
    )
    op.create_index('ix_email_tokens_user_purpose_created', 'email_tokens', ['user_id', 'purpose', 'created_at'], unique=False, schema='identity')
    op.create_table('refresh_families',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['identity.users.id'], name=op.f('fk_refresh_families_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refresh_families')),
    schema='identity'
    )
    op.create_index(op.f('ix_identity_refresh_families_user_id'), 'refresh_families', ['user_id'], unique=False, schema='identity')
    op.create_table('refresh_tokens',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('family_id', sa.UUID(), nullable=False),
    sa.Column('token_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rotated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['family_id'], ['identity.refresh_families.id'], name=op.f('fk_refresh_tokens_family_id_refresh_families'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refresh_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_refresh_tokens_token_hash')),
    schema='identity'
    )
    op.create_index(op.f('ix_identity_refresh_tokens_family_id'), 'refresh_tokens', ['family_id'], unique=False, schema='identity')
    op.execute(NOTIFY_FUNCTION)
    op.execute(
        "CREATE TRIGGER events_notify AFTER INSERT ON outbox.events "
        "FOR EACH STATEMENT EXECUTE FUNCTION outbox.notify_new_events()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS events_notify ON outbox.events")
    op.execute("DROP FUNCTION IF EXISTS outbox.notify_new_events()")
    op.drop_index(op.f('ix_identity_refresh_tokens_family_id'), table_name='refresh_tokens', schema='identity')
    op.drop_table('refresh_tokens', schema='identity')
    op.drop_index(op.f('ix_identity_refresh_families_user_id'), table_name='refresh_families', schema='identity')
    op.drop_table('refresh_families', schema='identity')
    op.drop_index('ix_email_tokens_user_purpose_created', table_name='email_tokens', schema='identity')
    op.drop_table('email_tokens', schema='identity')
    op.drop_index('ix_events_undispatched', table_name='events', schema='outbox', postgresql_where=sa.text('dispatched_at IS NULL'))
    op.drop_index('ix_events_dispatched_at', table_name='events', schema='outbox', postgresql_where=sa.text('dispatched_at IS NOT NULL'))
    op.drop_table('events', schema='outbox')
    op.drop_index('uq_users_email_lower', table_name='users', schema='identity')
    op.drop_table('users', schema='identity')
    op.execute("DROP SCHEMA IF EXISTS outbox")
    op.execute("DROP SCHEMA IF EXISTS identity")
