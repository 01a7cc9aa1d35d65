"""Explicit loader queries for the users projection: the only way it reads the write model."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from write.identity.models import User

_USER_COLUMNS = (
    User.id, User.email, User.name, User.role, User.teacher_verified, User.email_verified,
    User.blocked, User.created_at, User.updated_at, User.version,
)


async def load_users(engine: AsyncEngine, user_ids: Sequence[uuid.UUID]
                     ) -> list[dict[str, object]]:
    """The current state of the given users (never a password hash)."""
    if not user_ids:
        return []
    async with engine.connect() as conn:
        rows = await conn.execute(select(*_USER_COLUMNS).where(User.id.in_(list(user_ids))))
    return [dict(row._mapping) for row in rows]


async def load_user(engine: AsyncEngine, user_id: uuid.UUID) -> dict[str, object] | None:
    rows = await load_users(engine, [user_id])
    return rows[0] if rows else None
