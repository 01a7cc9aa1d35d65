"""Keyword-only builders that run real command handlers against the test database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from common.settings import Settings
from write.events import Event
from write.identity.commands import ChangeUserAccess, RegisterUser
from write.identity.handlers.admin import change_user_access, create_admin
from write.identity.handlers.register import register_user
from write.identity.models import User
from write.outbox import UnitOfWork


async def register(engine: AsyncEngine, settings: Settings, *, email: str, role: str = "student",
                   name: str = "Test User") -> uuid.UUID:
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        uow = UnitOfWork(session)
        result = await register_user(uow, RegisterUser(
            email=email, password="correct-horse-1", name=name, role=role), settings)
        await uow.commit()
        return result.id


async def admin(engine: AsyncEngine, *, email: str = "root@example.com") -> uuid.UUID:
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        uow = UnitOfWork(session)
        user = await create_admin(uow, email=email, name="Root", password_hash="unused-hash")
        await uow.commit()
        return user.id


async def change_access(engine: AsyncEngine, *, admin_id: uuid.UUID, user_id: uuid.UUID,
                        role: str | None = None, teacher_verified: bool | None = None,
                        blocked: bool | None = None) -> None:
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        uow = UnitOfWork(session)
        acting = await session.get(User, admin_id)
        assert acting is not None
        await change_user_access(uow, acting, user_id, ChangeUserAccess(
            role=role, teacher_verified=teacher_verified, blocked=blocked))  # type: ignore[arg-type]
        await uow.commit()


async def outbox_seqs(engine: AsyncEngine) -> list[int]:
    async with engine.connect() as conn:
        return list((await conn.scalars(text("SELECT id FROM outbox.events ORDER BY id"))).all())


async def outbox_event_ids(engine: AsyncEngine) -> list[uuid.UUID]:
    async with engine.connect() as conn:
        return list((await conn.scalars(text(
            "SELECT event_id FROM outbox.events ORDER BY id"))).all())


async def envelopes(engine: AsyncEngine) -> list[dict[str, Any]]:
    """Outbox rows as the relay would hand them to the worker."""
    async with engine.connect() as conn:
        rows = (await conn.execute(text(
            "SELECT id AS seq, event_id, type, schema_version, aggregate_type, aggregate_id, "
            "occurred_at, payload FROM outbox.events ORDER BY id"))).mappings().all()
    return [{**row, "event_id": str(row["event_id"]), "occurred_at": row["occurred_at"].isoformat()}
            for row in rows]


def delivery(seq: int, event: Event) -> dict[str, Any]:
    """A relay envelope carrying the event, as a job receives it."""
    return {"seq": seq, "event_id": str(uuid.uuid4()), "type": event.event_type,
            "schema_version": event.schema_version, "aggregate_type": event.aggregate_type,
            "aggregate_id": event.aggregate_id(), "occurred_at": datetime.now(UTC).isoformat(),
            "payload": event.model_dump(mode="json")}
