"""The search port: what projectors, rebuilds and the read API need from a catalog search index."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol
from uuid import UUID

from common.errors import Conflict, Unavailable
from common.metrics import SEARCH_LATENCY, timed_methods
from common.settings import Settings
from read.search.documents import CourseSearchDoc, SearchQuery, SearchResult

Target = Literal["live", "next"]


class NoRebuildInProgress(Conflict):
    """A write or switch aimed at the "next" index while no rebuild is running."""

    code = "no_rebuild_in_progress"


class SearchUnavailable(Unavailable):
    """The search backend cannot answer now (down, timed out, or dropped and not rebuilt yet)."""

    def __init__(self, message: str = "search is unavailable right now") -> None:
        super().__init__(message, code="search_unavailable")


class SearchIndex(Protocol):
    """A catalog search index with a live generation and, during a rebuild, a "next" one.

    Writes are whole documents. The Postgres adapter keeps a stored document unless the incoming
    one has a higher version, so duplicate, late or concurrent deliveries converge. Meilisearch has
    no conditional write: with it, callers must serialize writes per course id (one projection job
    per aggregate at a time) and write the document they just loaded, never a cached older one.
    """

    async def ensure(self) -> None:
        """Create the live index with its settings if it does not exist yet."""

    async def upsert(self, docs: Sequence[CourseSearchDoc], *, target: Target = "live") -> None:
        """Store documents (tombstones included); visible to `search` when this returns.

        `target="next"` raises NoRebuildInProgress when no rebuild is running; a projector that
        writes to both generations treats that as "the rebuild already finished".
        """

    async def search(self, query: SearchQuery) -> SearchResult:
        """Search the live index: listed documents only. Raises SearchUnavailable (503)."""

    async def get(self, course_id: UUID) -> CourseSearchDoc | None:
        """The stored live document, tombstone or not (for `verify`)."""

    async def count(self) -> int:
        """How many listed documents the live index holds."""

    async def start_rebuild(self) -> None:
        """Create an empty "next" index with the live settings, replacing any stale one."""

    async def rebuilding(self) -> bool:
        """Whether a "next" index exists."""

    async def finish_rebuild(self) -> None:
        """Atomically make "next" the live index and drop the old one."""

    async def abandon_rebuild(self) -> None:
        """Drop the "next" index, if any: the rebuild failed, and live writes must stop going there."""

    async def drop(self) -> None:
        """Remove the live and next indexes and everything they hold."""

    async def close(self) -> None:
        """Release connections."""


async def create_search_index(settings: Settings) -> SearchIndex:
    """The adapter `settings.search_backend` names, connected but not yet `ensure`d, with its
    calls timed in edu_search_duration_seconds{adapter, operation}."""
    # Imported here so a process never loads the client of the backend it does not use.
    index: SearchIndex
    if settings.search_backend == "meilisearch":
        from read.search.meili import MeiliSearchIndex

        index, adapter = MeiliSearchIndex.from_settings(settings), "meilisearch"
    else:
        from read.search.postgres import PostgresSearchIndex

        index, adapter = await PostgresSearchIndex.connect(settings), "postgres"
    return timed_methods(index, lambda operation: SEARCH_LATENCY.labels(adapter, operation),
                         skip=_UNTIMED)


# Closing is not a search call, and `connect` is a class method (called before there is an index).
_UNTIMED = frozenset({"close", "connect"})
