"""The users projection: user documents and admin-list indexes in Redis."""

from __future__ import annotations

from collections.abc import Mapping

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from projectors.loaders import load_user, stream_users
from read.stores.documents import DocumentSpace
from read.stores.users import PROJECTION, UserDoc, index_entries
from write.events import Event, UserEvent

NAME = PROJECTION


def handles(event: Event) -> bool:
    return isinstance(event, UserEvent)


def build_doc(row: Mapping[str, object]) -> UserDoc:
    return UserDoc.model_validate(dict(row))


async def write_doc(space: DocumentSpace, generation: int, doc: UserDoc) -> bool:
    return await space.upsert(generation, str(doc.id), doc.version,
                              doc.model_dump(mode="json"), index_entries(doc))


async def apply(event: Event, *, engine: AsyncEngine, redis: Redis) -> None:
    """Re-reads the user and stores the newest version in every generation being served or built.

    Re-reading current state (rather than patching from the payload) makes the projection
    convergent: whatever order or number of deliveries, the newest version wins.
    """
    assert isinstance(event, UserEvent)
    row = await load_user(engine, event.user_id)
    if row is None:
        return
    doc = build_doc(row)
    space = DocumentSpace(redis, NAME)
    for generation in await space.write_generations():
        await write_doc(space, generation, doc)


async def drift(engine: AsyncEngine, redis: Redis, *, sample: int | None = None
                ) -> dict[str, str]:
    """Compares documents with a recomputation from the write model: {user id: what differs}."""
    space = DocumentSpace(redis, NAME)
    generation = await space.current_generation()
    differences: dict[str, str] = {}
    checked = 0
    async for batch in stream_users(engine):
        for row in batch:
            expected = build_doc(row).model_dump(mode="json")
            stored = await space.get_versioned(generation, str(row["id"]))
            if stored is None:
                differences[str(row["id"])] = "missing"
            elif stored[1] != expected:
                fields = sorted(k for k in expected if stored[1].get(k) != expected[k])
                differences[str(row["id"])] = "differs in " + ", ".join(fields)
            checked += 1
            if sample is not None and checked >= sample:
                return differences
    return differences
