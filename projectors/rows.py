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
from read.stores.live import grouped, publish


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
    # The kind of live event a document written on the live path announces to its audience
    # (None: the projection announces nothing).
    live_kind: str | None = None

    @property
    def spaces(self) -> tuple[str, ...]:
        return (self.name,)

    async def load(self, engine: AsyncEngine, ids: Sequence[uuid.UUID]) -> Sequence[D]:
        raise NotImplementedError

    def entries(self, doc: D) -> list[IndexEntry]:
        raise NotImplementedError

    def audience(self, doc: D) -> uuid.UUID | None:
        """The user whose live stream hears of this document's change, if any."""
        return None

    async def write(self, stores: Stores, ids: Sequence[uuid.UUID], targets: Targets) -> None:
        docs = await self.load(stores.engine, ids)
        items: list[DocumentItem] = [
            (str(doc.id), doc.version, encode(doc.model_dump(mode="json")), self.entries(doc))
            for doc in docs]
        space = DocumentSpace(stores.redis, self.name)
        written: set[str] = set()
        for generation in targets.generations.get(self.name, ()):
            written |= await space.upsert_many(generation, items, announce=targets.announce)
        if targets.announce and self.live_kind is not None:
            # After the write, so whoever refetches on the event reads the new state; only what
            # changed (a duplicate delivery, refused as stale, announces nothing).
            await publish(stores.redis, grouped(self.live_kind, [
                (str(who) if (who := self.audience(doc)) else None, str(doc.id))
                for doc in docs if str(doc.id) in written]))

    async def drift(self, stores: Stores, ids: Sequence[uuid.UUID]) -> dict[str, str]:
        expected = {str(doc.id): doc.model_dump(mode="json")
                    for doc in await self.load(stores.engine, ids)}
        return await compare_documents(DocumentSpace(stores.redis, self.name), expected)
