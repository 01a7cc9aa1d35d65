"""The users projection: user documents and admin-list indexes in Redis."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncEngine

from projectors.loaders import load_users
from projectors.rows import RowDocuments
from read.stores.documents import DocumentSpace, IndexEntry, encode
from read.stores.users import PROJECTION, UserDoc, index_entries
from write.events import Event, UserEvent
from write.identity.models import User


def build_doc(row: Mapping[str, object]) -> UserDoc:
    return UserDoc.model_validate(dict(row))


async def write_doc(space: DocumentSpace, generation: int, doc: UserDoc) -> bool:
    return await space.upsert(generation, str(doc.id), doc.version,
                              encode(doc.model_dump(mode="json")), index_entries(doc))


class UsersProjection(RowDocuments[UserDoc]):
    """Re-reads users and stores their newest version (state-based: see ADR 0003)."""

    name = PROJECTION
    id_column = User.__table__.c.id

    def handles(self, event: Event) -> bool:
        return isinstance(event, UserEvent)

    def ids_of(self, event: Event) -> list[uuid.UUID]:
        assert isinstance(event, UserEvent)
        return [event.user_id]

    async def load(self, engine: AsyncEngine, ids: Sequence[uuid.UUID]) -> list[UserDoc]:
        return [build_doc(row) for row in await load_users(engine, ids)]

    def entries(self, doc: UserDoc) -> list[IndexEntry]:
        return index_entries(doc)


NAME = PROJECTION
users = UsersProjection()
