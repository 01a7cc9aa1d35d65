"""Projections whose documents are the rows of one table: each row loaded by id becomes one
document with its index entries, in one document space named like the projection."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from projectors.base import Stores, Targets
from projectors.compare import compare_documents
from projectors.scan import ScansTable
from read.stores.documents import DocumentItem, DocumentSpace, IndexEntry, encode


class RowDoc(Protocol):
    @property
    def id(self) -> uuid.UUID: ...

    @property
    def version(self) -> int: ...

    def model_dump(self, *, mode: str) -> dict[str, Any]: ...


D = TypeVar("D", bound=RowDoc)


class RowDocuments(ScansTable, Generic[D]):
    """Subclasses name the projection and the table's id column, load documents by id and say
    which sets each document belongs to; writing and drift checks are the same for all."""

    name: str
    uses_search = False

    @property
    def spaces(self) -> tuple[str, ...]:
        return (self.name,)

    async def load(self, engine: AsyncEngine, ids: Sequence[uuid.UUID]) -> Sequence[D]:
        raise NotImplementedError

    def entries(self, doc: D) -> list[IndexEntry]:
        raise NotImplementedError

    async def write(self, stores: Stores, ids: Sequence[uuid.UUID], targets: Targets) -> None:
        items: list[DocumentItem] = [
            (str(doc.id), doc.version, encode(doc.model_dump(mode="json")), self.entries(doc))
            for doc in await self.load(stores.engine, ids)]
        space = DocumentSpace(stores.redis, self.name)
        for generation in targets.generations.get(self.name, ()):
            await space.upsert_many(generation, items, announce=targets.announce)

    async def drift(self, stores: Stores, ids: Sequence[uuid.UUID]) -> dict[str, str]:
        expected = {str(doc.id): doc.model_dump(mode="json")
                    for doc in await self.load(stores.engine, ids)}
        return await compare_documents(DocumentSpace(stores.redis, self.name), expected)
