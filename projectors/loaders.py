"""Explicit loader queries: the only way projectors read the write model."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from write.identity.models import User

_USER_COLUMNS = (
    User.id, User.email, User.name, User.role, User.teacher_verified, User.email_verified,
    User.blocked, User.created_at, User.updated_at, User.version,
)


async def load_user(engine: AsyncEngine, user_id: uuid.UUID) -> dict[str, object] | None:
    """The current state of one user, as the users projection needs it."""
    async with engine.connect() as conn:
        row = (await conn.execute(select(*_USER_COLUMNS).where(User.id == user_id))).first()
    return dict(row._mapping) if row else None


async def stream_users(engine: AsyncEngine, batch_size: int = 1000
                       ) -> AsyncIterator[list[dict[str, object]]]:
    """Every user in id order, in batches (keyset pagination, constant memory)."""
    last: uuid.UUID | None = None
    while True:
        query = select(*_USER_COLUMNS).order_by(User.id).limit(batch_size)
        if last is not None:
            query = query.where(User.id > last)
        async with engine.connect() as conn:
            rows = [dict(r._mapping) for r in await conn.execute(query)]
        if not rows:
            return
        yield rows
        last = uuid.UUID(str(rows[-1]["id"]))
