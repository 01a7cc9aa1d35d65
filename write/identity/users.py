"""Loading users inside a command's transaction."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from write.identity.models import User
from write.outbox import UnitOfWork


async def user_by_email(uow: UnitOfWork, email: str, *, lock: bool = False) -> User | None:
    query = select(User).where(func.lower(User.email) == email.strip().lower())
    if lock:
        query = query.with_for_update()
    return (await uow.session.scalars(query)).first()


async def user_by_id(uow: UnitOfWork, user_id: uuid.UUID, *, lock: bool = False) -> User | None:
    query = select(User).where(User.id == user_id)
    if lock:
        query = query.with_for_update()
    return (await uow.session.scalars(query)).first()
