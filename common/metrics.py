"""Metrics both APIs share (names follow Prometheus conventions), timing of store and search
calls, and the multiprocess mode of `edu serve --workers N`.

With several worker processes each keeps its values in files under PROMETHEUS_MULTIPROC_DIR and
`/metrics` merges them; gauges say how (`livesum`: the sum over the processes still running).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from pathlib import Path
from typing import Any, Protocol, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from sqlalchemy.pool import Pool, QueuePool

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

HTTP_REQUESTS = Counter(
    "edu_http_requests_total",
    "HTTP requests handled, by service, method, route template and status code.",
    ["service", "method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "edu_http_request_duration_seconds",
    "HTTP request latency by service, method and route template.",
    ["service", "method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
HTTP_IN_FLIGHT = Gauge(
    "edu_http_requests_in_flight", "HTTP requests being handled right now, by service.",
    ["service"], multiprocess_mode="livesum",
)
DB_POOL_CONNECTIONS = Gauge(
    "edu_db_pool_connections",
    "Postgres connections of the service's pool, by state (in_use or idle), sampled at scrape time.",
    ["service", "state"], multiprocess_mode="livesum",
)
DB_POOL_MAX = Gauge(
    "edu_db_pool_max_connections",
    "Most Postgres connections the service's pools may open (pool size plus overflow).",
    ["service"], multiprocess_mode="livesum",
)
REDIS_LATENCY = Histogram(
    "edu_redis_request_duration_seconds",
    "Duration of read-store calls (Redis round trips) by service and store operation.",
    ["service", "operation"],
    buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
)
PAGE_CACHE = Counter(
    "edu_page_cache_requests_total",
    "Course page reads by outcome: hit (from the read API's memory), miss or bypass (from Redis).",
    ["outcome"],
)
LIVE_STREAMS = Gauge(
    "edu_live_streams_open", "Server-sent event streams open right now, by service.",
    ["service"], multiprocess_mode="livesum",
)
LIVE_EVENTS = Counter(
    "edu_live_events_sent_total",
    "Server-sent events written to clients, by kind (notifications, dashboard, projection...).",
    ["kind"],
)
SEARCH_LATENCY = Histogram(
    "edu_search_duration_seconds",
    "Duration of search-index calls by adapter (postgres or meilisearch) and operation.",
    ["adapter", "operation"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0),
)

T = TypeVar("T")


class Observer(Protocol):
    def observe(self, amount: float) -> None: ...


def timed_methods(target: T, observer_of: Callable[[str], Observer], *,
                  skip: frozenset[str] = frozenset()) -> T:
    """Times every public coroutine method of `target` (this instance only) into the observer
    `observer_of(method name)` gives; returns `target`.

    One wrapper per object instead of a line in every method; the observers are looked up once,
    so a call costs two clock reads and one observation (about a microsecond).
    """
    for name, _ in inspect.getmembers(type(target), inspect.iscoroutinefunction):
        if not name.startswith("_") and name not in skip:
            setattr(target, name, _timed(getattr(target, name), observer_of(name)))
    return target


def _timed(method: Callable[..., Awaitable[Any]], observer: Observer
           ) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(method)
    async def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await method(*args, **kwargs)
        finally:
            observer.observe(time.perf_counter() - started)

    return timed


def sample_pool(service: str, pool: Pool) -> None:
    """Writes a connection pool's connections in use and idle, and its ceiling, to the gauges."""
    if not isinstance(pool, QueuePool):  # a NullPool or StaticPool has nothing to report
        return
    DB_POOL_CONNECTIONS.labels(service, "in_use").set(pool.checkedout())
    DB_POOL_CONNECTIONS.labels(service, "idle").set(pool.checkedin())
    DB_POOL_MAX.labels(service).set(pool.size() + max(pool._max_overflow, 0))


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROCESS_DIR_VARIABLE) or None


@asynccontextmanager
async def sampling_in_worker_processes(sample: Callable[[], None], *, every_seconds: float = 1.0
                                       ) -> AsyncIterator[None]:
    """With several worker processes, samples every second while the body runs: a scrape
    reaches one process, which samples itself then, and reads the others' last samples from the
    files. A single process only samples when scraped."""
    if multiprocess_dir() is None:
        yield
        return

    async def sample_forever() -> None:
        while True:
            sample()
            await asyncio.sleep(every_seconds)

    task = asyncio.create_task(sample_forever())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


def exposition() -> bytes:
    """The metrics in the text format: this process's, or with several worker processes the
    merge of all of them."""
    directory = multiprocess_dir()
    if directory is None:
        return generate_latest()
    _forget_dead_processes(Path(directory))
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


def _forget_dead_processes(directory: Path) -> None:
    """Drops the live gauges of worker processes that died (uvicorn starts replacements), so an
    in-flight count or a pool of a dead process stops counting; their counters are kept."""
    pids = {int(path.stem.rsplit("_", 1)[1]) for path in directory.glob("gauge_live*_*.db")
            if path.stem.rsplit("_", 1)[1].isdigit()}
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            mark_process_dead(pid, str(directory))  # type: ignore[no-untyped-call]
        except PermissionError:  # alive, under another user
            pass


@contextmanager
def multiprocess_metrics(*, enabled: bool) -> Iterator[None]:
    """For the worker processes started inside: PROMETHEUS_MULTIPROC_DIR, emptied first (a fresh
    temporary folder, removed afterwards, unless the environment names one). Not `enabled` (one
    process), metrics stay in memory."""
    configured = multiprocess_dir()
    if not enabled:
        yield
        return
    directory = Path(configured or tempfile.mkdtemp(prefix="edu-metrics-"))
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):  # an earlier run's: its counters would carry on
        stale.unlink()
    os.environ[MULTIPROCESS_DIR_VARIABLE] = str(directory)
    try:
        yield
    finally:
        if configured is None:
            os.environ.pop(MULTIPROCESS_DIR_VARIABLE, None)
            shutil.rmtree(directory, ignore_errors=True)
