"""The embedded Postgres search index, in its own database (never beside the write tables).

Two tables: `search.courses` (live) and, during a rebuild, `search.courses_next`. Finishing a
rebuild drops the live table and renames "next" in one transaction, so a reader sees either the
whole old generation or the whole new one; queries waiting on the switch resolve the name again
once it commits and read the new table.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import Executable, Result, TextClause, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from common.settings import Settings
from read.search.documents import CourseSearchDoc, SearchQuery, SearchResult, newest_per_id
from read.search.pg_query import search_result, search_statement, upsert_statement
from read.search.pg_schema import (
    DDL_LOCK,
    INDEX_SUFFIXES,
    LIVE,
    NEXT,
    SCHEMA,
    create_schema,
    create_table,
    ensure_database,
)
from read.search.port import NoRebuildInProgress, SearchUnavailable, Target

T = TypeVar("T")
UPSERT_CHUNK = 500
UPSERT_PARALLELISM = 2
UNDEFINED_TABLE = "42P01"
# Statement timeout, server shutting down, index dropped and not ensured yet: all "try later".
UNANSWERABLE = {"57014", "57P01", "57P03", UNDEFINED_TABLE, "3F000", "3D000"}
# Bounds on every statement: a search or a batch merge finishes far sooner; DDL must not queue
# forever behind a long reader (and make every later reader queue behind it).
STATEMENT_TIMEOUT_MS = 15_000
LOCK_TIMEOUT_MS = 5_000
# A reader gets an answer or a 503 within this bound, whatever the index does: the server-side
# statement timeout cannot help when the network to the index is what is slow or silent
# (ADR 0019).
ANSWER_TIMEOUT_SECONDS = 3.0
# Client-side bounds on every call (writes and rebuilds included): connecting, waiting for a
# pooled connection, and any one statement (a little above the server's own timeout).
CONNECT_TIMEOUT_SECONDS = 5
POOL_TIMEOUT_SECONDS = 5
COMMAND_TIMEOUT_SECONDS = STATEMENT_TIMEOUT_MS / 1000 + 5


class PostgresSearchIndex:
    """The SearchIndex port over a dedicated Postgres database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @property
    def engine(self) -> AsyncEngine:
        """The search database's engine (its pool is reported in the metrics)."""
        return self._engine

    @classmethod
    async def connect(cls, settings: Settings) -> PostgresSearchIndex:
        url = settings.search_database
        engine = create_async_engine(
            url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            # No pre-ping on the hot search path: a connection the index dropped fails one
            # search (503), and SQLAlchemy then replaces the whole pool.
            pool_timeout=POOL_TIMEOUT_SECONDS,
            connect_args={"timeout": CONNECT_TIMEOUT_SECONDS,
                          "command_timeout": COMMAND_TIMEOUT_SECONDS, "server_settings": {
                "application_name": "edu-search",
                "statement_timeout": str(STATEMENT_TIMEOUT_MS),
                "lock_timeout": str(LOCK_TIMEOUT_MS),
                "jit": "off",  # as on the write engine (write/db.py)
            }},
        )
        return cls(engine)

    async def ensure(self) -> None:
        # Creating the database here, not in `connect`, lets a process start while it is down.
        await ensure_database(self._engine.url.render_as_string(hide_password=False))
        async with self._engine.begin() as conn:
            await create_schema(conn)

    async def upsert(self, docs: Sequence[CourseSearchDoc], *, target: Target = "live") -> None:
        statement = upsert_statement(LIVE if target == "live" else NEXT)
        ordered = newest_per_id(docs)
        chunks = iter([ordered[start:start + UPSERT_CHUNK]
                       for start in range(0, len(ordered), UPSERT_CHUNK)])

        async def merge_chunks() -> None:
            for chunk in chunks:
                await self._merge(statement, chunk, target)

        # Stemming dominates a merge and runs on one core per connection, so big batches (a
        # rebuild) spread over a few connections; chunks hold distinct ids and never contend.
        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(min(UPSERT_PARALLELISM, len(ordered) // UPSERT_CHUNK + 1)):
                    group.create_task(merge_chunks())
        except ExceptionGroup as failures:
            raise failures.exceptions[0] from None

    async def _merge(self, statement: TextClause, docs: Sequence[CourseSearchDoc],
                     target: Target) -> None:
        payload = [doc.model_dump_json() for doc in docs]
        try:
            async with self._engine.begin() as conn:
                await conn.execute(statement, {"docs": payload})
        except ProgrammingError as exc:
            if target == "next" and _sqlstate(exc) == UNDEFINED_TABLE:
                raise NoRebuildInProgress("no search index rebuild is in progress") from exc
            raise

    async def search(self, query: SearchQuery) -> SearchResult:
        statement, params = search_statement(query, LIVE)
        rows = await self._read(statement, params, lambda result: result.all())
        return search_result(query, rows)

    async def get(self, course_id: UUID) -> CourseSearchDoc | None:
        doc = await self._read(text(f"SELECT doc::text FROM {LIVE} WHERE id = :id"),
                               {"id": course_id}, lambda result: result.scalar())
        return CourseSearchDoc.model_validate_json(doc) if doc is not None else None

    async def count(self) -> int:
        total = await self._read(text(f"SELECT count(*) FROM {LIVE} WHERE listed"), {},
                                 lambda result: result.scalar())
        return int(total or 0)

    async def _read(self, statement: Executable, params: dict[str, Any],
                    take: Callable[[Result[Any]], T]) -> T:
        """A read of the index, answered within ANSWER_TIMEOUT_SECONDS or refused (503)."""

        async def run() -> T:
            async with _answering(), self._engine.connect() as conn:
                return take(await conn.execute(statement, params))

        return await _within_answer_time(run())

    async def start_rebuild(self) -> None:
        async with self._engine.begin() as conn:
            await create_schema(conn)
            await conn.exec_driver_sql(f"DROP TABLE IF EXISTS {NEXT}")
            await create_table(conn, NEXT)

    async def rebuilding(self) -> bool:
        return bool(await self._read(text("SELECT to_regclass(:table) IS NOT NULL"),
                                     {"table": NEXT}, lambda result: result.scalar()))

    async def finish_rebuild(self) -> None:
        live, following = LIVE.removeprefix(f"{SCHEMA}."), NEXT.removeprefix(f"{SCHEMA}.")
        async with self._engine.begin() as conn:
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DDL_LOCK})
            if not await conn.scalar(text("SELECT to_regclass(:table) IS NOT NULL"),
                                     {"table": NEXT}):
                raise NoRebuildInProgress("no search index rebuild is in progress")
            await conn.exec_driver_sql(f"DROP TABLE IF EXISTS {LIVE}")
            await conn.exec_driver_sql(f"ALTER TABLE {NEXT} RENAME TO {live}")
            await conn.exec_driver_sql(
                f"ALTER TABLE {LIVE} RENAME CONSTRAINT {following}_pkey TO {live}_pkey")
            for suffix in INDEX_SUFFIXES:
                await conn.exec_driver_sql(
                    f"ALTER INDEX {SCHEMA}.{following}_{suffix} RENAME TO {live}_{suffix}")

    async def abandon_rebuild(self) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DDL_LOCK})
            await conn.exec_driver_sql(f"DROP TABLE IF EXISTS {NEXT}")

    async def drop(self) -> None:
        await ensure_database(self._engine.url.render_as_string(hide_password=False))
        async with self._engine.begin() as conn:
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DDL_LOCK})
            await conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")

    async def close(self) -> None:
        await self._engine.dispose()


async def _within_answer_time(work: Coroutine[Any, Any, T]) -> T:
    """The read's answer, or SearchUnavailable once ANSWER_TIMEOUT_SECONDS have passed.

    A late read is left to finish in the background rather than cancelled: cancelling it would
    make the connection's clean-up (a rollback, shielded by SQLAlchemy) wait on the same slow
    network, and the reader with it. It ends within the command timeout and frees its connection.
    `asyncio.timeout`, not `wait_for`: on Python 3.11 `wait_for` drops a cancellation that arrives
    as the read finishes, and a worker job's own deadline is such a cancellation.
    """
    task = asyncio.ensure_future(work)
    task.add_done_callback(_collect)
    try:
        async with asyncio.timeout(ANSWER_TIMEOUT_SECONDS):
            return await asyncio.shield(task)
    except TimeoutError:
        raise SearchUnavailable() from None


def _collect(task: asyncio.Future[Any]) -> None:
    """Retrieves a read's outcome, so the failure of one nobody waits for any more is not
    reported as unhandled (whoever still awaits it gets it all the same)."""
    if not task.cancelled():
        task.exception()


@asynccontextmanager
async def _answering() -> AsyncIterator[None]:
    """Reads that cannot be answered now become SearchUnavailable, which the API shows as 503."""
    try:
        yield
    except (OSError, TimeoutError, OperationalError, InterfaceError, PoolTimeout) as exc:
        raise SearchUnavailable() from exc
    except DBAPIError as exc:
        if _sqlstate(exc) in UNANSWERABLE:
            raise SearchUnavailable() from exc
        raise


def _sqlstate(exc: DBAPIError) -> str | None:
    state: str | None = getattr(exc.orig, "sqlstate", None)
    return state
