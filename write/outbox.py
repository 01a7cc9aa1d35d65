"""The transactional outbox and the unit of work that writes state and events in one transaction."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

from fastapi import Response
from sqlalchemy import BigInteger, DateTime, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from write.db import Base
from write.events import Event

CONSISTENCY_HEADER = "X-Consistency-Token"
NOTIFY_CHANNEL = "edu_outbox"


class OutboxEvent(Base):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_undispatched", "id", postgresql_where=text("dispatched_at IS NULL")),
        Index("ix_events_dispatched_at", "dispatched_at",
              postgresql_where=text("dispatched_at IS NOT NULL")),
        {"schema": "outbox"},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    event_id: Mapped[uuid.UUID] = mapped_column(UUID, unique=True, default=uuid.uuid4)
    type: Mapped[str] = mapped_column(String(120))
    schema_version: Mapped[int] = mapped_column(Integer)
    aggregate_type: Mapped[str] = mapped_column(String(60))
    aggregate_id: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, object]] = mapped_column(JSONB)
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def encode_consistency_token(event_ids: list[uuid.UUID]) -> str:
    """`v1.` and each event's UUID in unpadded URL-safe base64 (22 characters), dot-separated.

    Event UUIDs, not outbox seqs: seqs can be issued again after a restore from backup.
    """
    return "v1." + ".".join(
        base64.urlsafe_b64encode(event_id.bytes).decode().rstrip("=") for event_id in event_ids)


class UnitOfWork:
    """Owns one command's transaction: handlers add state and events; the endpoint commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._pending: list[OutboxEvent] = []
        self.recorded: list[Event] = []  # every event recorded, committed or not
        self.recorded_ids: list[uuid.UUID] = []  # their event ids, in the same order
        self._before_commit: dict[object, Callable[[], Awaitable[None]]] = {}

    def before_commit(self, key: object, step: Callable[[], Awaitable[None]]) -> None:
        """Runs `step` once at commit, before anything is flushed (may record events).

        Registered per key: a command that touches one thing several times runs it once, on
        the final state.
        """
        self._before_commit.setdefault(key, step)

    def record(self, event: Event) -> None:
        """Adds the event to the outbox in the same transaction as the state change."""
        row = OutboxEvent(
            event_id=uuid.uuid4(),
            type=event.event_type,
            schema_version=event.schema_version,
            aggregate_type=event.aggregate_type,
            aggregate_id=event.aggregate_id(),
            payload=event.model_dump(mode="json"),
        )
        self.session.add(row)
        self._pending.append(row)
        self.recorded.append(event)
        self.recorded_ids.append(row.event_id)

    async def commit(self) -> str | None:
        """Commits state and events together; returns the consistency token for the events."""
        for step in list(self._before_commit.values()):
            await step()
        self._before_commit.clear()
        await self.session.flush()
        event_ids = [row.event_id for row in self._pending]
        await self.session.commit()
        self._pending.clear()
        return encode_consistency_token(event_ids) if event_ids else None

    async def commit_into(self, response: Response) -> None:
        """Commits and puts the consistency token on the command's response."""
        token = await self.commit()
        if token:
            response.headers[CONSISTENCY_HEADER] = token
