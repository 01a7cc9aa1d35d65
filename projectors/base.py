"""What every projection offers: live application of events, batch writes for rebuilds, drift."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from read.search.port import SearchIndex
from write.events import Event

SearchTarget = Literal["live", "next"]


@dataclass
class Stores:
    """The write model (read through loaders only) and the read stores a projection fills."""

    engine: AsyncEngine
    redis: Redis
    search: SearchIndex | None = None


@dataclass(frozen=True)
class Targets:
    """Where a batch goes: a generation per Redis document space, and search indexes."""

    generations: Mapping[str, Sequence[int]]
    search: Sequence[SearchTarget] = ()
    # Whether written documents are announced: to the read APIs' kept pages (ADR 0017) and to the
    # people they concern (ADR 0020). The live path announces; a rebuild's scan fills a generation
    # nobody reads yet (its switch announces everything at once) and changes nothing for anyone.
    announce: bool = True


class Projection(Protocol):
    name: str
    uses_search: bool

    @property
    def spaces(self) -> tuple[str, ...]:
        """The Redis document spaces the projection writes."""

    def handles(self, event: Event) -> bool: ...

    def ids_of(self, event: Event) -> list[uuid.UUID]: ...

    async def write(self, stores: Stores, ids: Sequence[uuid.UUID], targets: Targets) -> None: ...

    def stream_ids(self, engine: AsyncEngine, batch_size: int
                   ) -> AsyncIterator[list[uuid.UUID]]: ...

    async def count(self, engine: AsyncEngine) -> int: ...

    async def sample_ids(self, engine: AsyncEngine, count: int) -> list[uuid.UUID]: ...

    async def drift(self, stores: Stores, ids: Sequence[uuid.UUID]) -> dict[str, str]: ...


@runtime_checkable
class FansOut(Protocol):
    """A projection one event can touch an unbounded number of documents of (every enrollment
    of a course): the ids are streamed from the write model in batches, not carried by the event.
    """

    def fans_out(self, event: Event) -> bool: ...

    def affected_ids(self, engine: AsyncEngine, event: Event, batch_size: int
                     ) -> AsyncIterator[list[uuid.UUID]]: ...


@runtime_checkable
class WritesScans(Protocol):
    """A projection whose live path takes a shortcut (patching what is stored) that a rebuild's
    scan, filling an empty generation, can only lose time on: the scan renders in full."""

    async def write_scanned(self, stores: Stores, ids: Sequence[uuid.UUID],
                            targets: Targets) -> None: ...
