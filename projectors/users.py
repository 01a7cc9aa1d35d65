"""The users projection: user documents and admin-list indexes in Redis."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from projectors.base import Stores, Targets
from projectors.compare import compare_documents
from projectors.loaders import load_users
from projectors.scan import ScansTable
from read.stores.documents import DocumentSpace, encode
from read.stores.users import PROJECTION, UserDoc, index_entries
from write.events import Event, UserEvent
from write.identity.models import User


def build_doc(row: Mapping[str, object]) -> UserDoc:
    return UserDoc.model_validate(dict(row))


async def write_doc(space: DocumentSpace, generation: int, doc: UserDoc) -> bool:
    return await space.upsert(generation, str(doc.id), doc.version,
                              encode(doc.model_dump(mode="json")), index_entries(doc))


class UsersProjection(ScansTable):
    """Re-reads users and stores their newest version (state-based: see ADR 0003)."""

    name = PROJECTION
    spaces: tuple[str, ...] = (PROJECTION,)
    uses_search = False
    id_column = User.__table__.c.id

    def handles(self, event: Event) -> bool:
        return isinstance(event, UserEvent)

    def ids_of(self, event: Event) -> list[uuid.UUID]:
        assert isinstance(event, UserEvent)
        return [event.user_id]

    async def write(self, stores: Stores, ids: Sequence[uuid.UUID], targets: Targets) -> None:
        docs = [build_doc(row) for row in await load_users(stores.engine, ids)]
        space = DocumentSpace(stores.redis, PROJECTION)
        items = [(str(d.id), d.version, encode(d.model_dump(mode="json")), index_entries(d))
                 for d in docs]
        for generation in targets.generations.get(PROJECTION, ()):
            await space.upsert_many(generation, items)

    async def drift(self, stores: Stores, ids: Sequence[uuid.UUID]) -> dict[str, str]:
        expected = {str(row["id"]): build_doc(row).model_dump(mode="json")
                    for row in await load_users(stores.engine, ids)}
        return await compare_documents(DocumentSpace(stores.redis, PROJECTION), expected)


NAME = PROJECTION
users = UsersProjection()
