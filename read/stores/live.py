"""Live updates in Redis: one stream per user (and one for operators) that projectors append to
after they write a read model, and that the read API follows to push server-sent events.

A stream rather than pub/sub alone: every entry has an id, so a client that reconnects with
`Last-Event-ID` is sent what it missed (the last STREAM_LENGTH entries of each stream are kept).
Appending also publishes the audiences on one wake-up channel; the message carries no data, so a
lost one only delays entries until the follower's next heartbeat check (ADR 0020).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from redis.asyncio import Redis
from redis.typing import KeyT, StreamIdT

from read.stores.documents import as_str

LIVE_PREFIX = "edu:live"
WAKE_CHANNEL = f"{LIVE_PREFIX}:wake"
# The audience of projection status and rebuild progress: every admin's stream follows it.
OPS_AUDIENCE = "ops"
# Entries kept per stream (approximately: trimming is cheap only in whole nodes).
STREAM_LENGTH = 200
# A stream nobody appended to for a day is dropped; a client that was away that long reloads.
STREAM_TTL_SECONDS = 24 * 3600
READ_BATCH = 100
_ENTRY_ID = re.compile(r"^\d{1,20}-\d{1,20}$")


def stream_key(audience: str) -> str:
    return f"{LIVE_PREFIX}:{audience}"


@dataclass(frozen=True)
class LiveEvent:
    """Something one audience (a user id, or OPS_AUDIENCE) should refetch or redraw."""

    audience: str
    kind: str
    data: dict[str, Any]


async def publish(redis: Redis, events: Sequence[LiveEvent]) -> None:
    """Appends each event to its audience's stream and wakes the read APIs following them."""
    if not events:
        return
    async with redis.pipeline(transaction=False) as pipe:
        for event in events:
            key = stream_key(event.audience)
            pipe.xadd(key, {"kind": event.kind, "data": orjson.dumps(event.data)},
                      maxlen=STREAM_LENGTH, approximate=True)
            pipe.expire(key, STREAM_TTL_SECONDS)
        pipe.publish(WAKE_CHANNEL, orjson.dumps(sorted({e.audience for e in events})))
        await pipe.execute()


def grouped(kind: str, written: Iterable[tuple[str | None, str]]) -> list[LiveEvent]:
    """One event per audience for a batch of (audience, document id) just written: a "mark all
    read" touching hundreds of one user's notifications is one event, not hundreds."""
    ids: dict[str, list[str]] = {}
    for audience, doc_id in written:
        if audience is not None:
            ids.setdefault(audience, []).append(doc_id)
    return [LiveEvent(audience, kind, {"ids": doc_ids}) for audience, doc_ids in ids.items()]


class BadCursor(ValueError):
    """A Last-Event-ID this API did not hand out."""


@dataclass(frozen=True)
class Delivery:
    """One stream entry as a server-sent event: its id is the cursor after it."""

    cursor: str
    kind: str
    data: bytes


class Cursor:
    """Where a connection is in each of its streams; as text, the positions joined by commas in
    the order of the audiences (the user's own stream first), which is the SSE event id."""

    def __init__(self, audiences: Sequence[str], positions: Sequence[str]) -> None:
        self.audiences = list(audiences)
        self.positions = list(positions)

    @staticmethod
    def parse(text: str, audiences: Sequence[str]) -> list[str | None]:
        """The positions in `text`, None where it names none (an admin's first ops position)."""
        parts = text.split(",")
        if not text or len(parts) > len(audiences) or not all(_ENTRY_ID.match(p) for p in parts):
            raise BadCursor(text)
        return [*parts, *[None] * (len(audiences) - len(parts))]

    def __str__(self) -> str:
        return ",".join(self.positions)


class LiveStreams:
    """Reads the streams of one connection's audiences (Redis only)."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def start(self, audiences: Sequence[str], last_event_id: str | None) -> Cursor:
        """From the client's Last-Event-ID (replaying what it missed), else from now."""
        given = (Cursor.parse(last_event_id, audiences) if last_event_id is not None
                 else [None] * len(audiences))
        positions = []
        for audience, position in zip(audiences, given, strict=True):
            positions.append(position or await self._newest(audience))
        return Cursor(audiences, positions)

    async def _newest(self, audience: str) -> str:
        newest = await self.redis.xrevrange(stream_key(audience), count=1)
        return as_str(newest[0][0]) if newest else "0-0"

    async def after(self, cursor: Cursor) -> list[Delivery]:
        """Entries after the cursor (at most READ_BATCH per stream), advancing it; no waiting."""
        keys: dict[KeyT, StreamIdT] = {
            stream_key(a): p for a, p in zip(cursor.audiences, cursor.positions, strict=True)}
        answer = await self.redis.xread(keys, count=READ_BATCH)
        deliveries = []
        for raw_key, entries in answer:
            index = cursor.audiences.index(as_str(raw_key).removeprefix(f"{LIVE_PREFIX}:"))
            for entry_id, fields in entries:
                cursor.positions[index] = as_str(entry_id)
                deliveries.append(Delivery(str(cursor), as_str(fields[b"kind"]),
                                           bytes(fields[b"data"])))
        return deliveries
