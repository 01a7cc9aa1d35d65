"""Real-server tests for apps.local_services: embedded Postgres/Redis, env and local detection."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import asyncpg
import pytest
import redis.asyncio as aioredis
from arq.connections import RedisSettings, create_pool

from apps.local_services import (
    LocalService,
    ensure_database,
    port_answers,
    resolve_postgres,
    resolve_redis,
    start_embedded_postgres,
    start_embedded_redis,
)

# Embedded servers start in about a second; fail fast instead of waiting for the global timeout.
embedded = pytest.mark.timeout(60)


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def _port(url: str) -> int:
    port = urlparse(url).port
    assert port is not None
    return port


async def _fetchval(url: str, query: str) -> object:
    conn = await asyncpg.connect(_plain(url), timeout=5)
    try:
        return await conn.fetchval(query)
    finally:
        await conn.close()


async def _start_pg(data_dir: Path, database: str = "edu_test") -> LocalService:
    return await asyncio.to_thread(start_embedded_postgres, data_dir, database=database)


@pytest.fixture(scope="module")
def embedded_pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalService]:
    service = start_embedded_postgres(tmp_path_factory.mktemp("pg"), database="edu_test")
    yield service
    service.stop()


@embedded
async def test_embedded_postgres_answers_select_one(embedded_pg: LocalService) -> None:
    assert embedded_pg.source == "embedded"
    assert embedded_pg.url.startswith("postgresql+asyncpg://postgres@127.0.0.1:")
    assert urlparse(embedded_pg.url).path == "/edu_test"
    assert await _fetchval(embedded_pg.url, "select 1") == 1


@embedded
async def test_ensure_database_creates_missing_database_once(embedded_pg: LocalService) -> None:
    other = embedded_pg.url.rsplit("/", 1)[0] + "/Mixed-Case db"

    await ensure_database(other)
    await ensure_database(other)

    assert await _fetchval(other, "select current_database()") == "Mixed-Case db"


@embedded
async def test_embedded_postgres_stops_and_restarts_with_its_data(tmp_path: Path) -> None:
    first = await _start_pg(tmp_path)
    conn = await asyncpg.connect(_plain(first.url), timeout=5)
    await conn.execute("create table kept (v int); insert into kept values (42)")
    await conn.close()

    await asyncio.to_thread(first.stop)
    assert not port_answers("127.0.0.1", _port(first.url))
    await asyncio.to_thread(first.stop)  # idempotent

    second = await _start_pg(tmp_path)
    try:
        assert await _fetchval(second.url, "select v from kept") == 42
    finally:
        await asyncio.to_thread(second.stop)


@embedded
async def test_embedded_postgres_already_running_is_reused_not_owned(tmp_path: Path) -> None:
    owner = await _start_pg(tmp_path)
    try:
        guest = await _start_pg(tmp_path, database="edu_other")
        assert _port(guest.url) == _port(owner.url)

        await asyncio.to_thread(guest.stop)

        assert await _fetchval(guest.url, "select 1") == 1
    finally:
        await asyncio.to_thread(owner.stop)
    assert not port_answers("127.0.0.1", _port(owner.url))


@embedded
async def test_embedded_redis_works_with_redis_py_and_arq_and_persists(tmp_path: Path) -> None:
    service = await asyncio.to_thread(start_embedded_redis, tmp_path, db=2)
    assert service.source == "embedded"
    assert service.url == f"redis://127.0.0.1:{_port(service.url)}/2"
    client = aioredis.Redis.from_url(service.url)
    await client.set("greeting", "hello")
    assert await client.get("greeting") == b"hello"
    await client.aclose()
    arq_pool = await create_pool(RedisSettings.from_dsn(service.url))
    assert await arq_pool.get("greeting") == b"hello"
    await arq_pool.aclose()

    await asyncio.to_thread(service.stop)
    assert not port_answers("127.0.0.1", _port(service.url))

    again = await asyncio.to_thread(start_embedded_redis, tmp_path, db=2)
    client = aioredis.Redis.from_url(again.url)
    try:
        assert await client.get("greeting") == b"hello"
    finally:
        await client.aclose()
        await asyncio.to_thread(again.stop)


def test_env_urls_are_returned_untouched(tmp_path: Path) -> None:
    pg_url = "postgresql://someone:secret@db.invalid:1/elsewhere?sslmode=require"
    redis_url = "rediss://:pw@cache.invalid:1/9"

    pg = resolve_postgres(tmp_path, env_url=pg_url, database="ignored")
    cache = resolve_redis(tmp_path, env_url=redis_url, db=3)
    pg.stop()
    cache.stop()

    assert (pg.url, pg.source) == (pg_url, "env")
    assert (cache.url, cache.source) == (redis_url, "env")
    assert list(tmp_path.iterdir()) == []


def test_local_postgres_is_detected(tmp_path: Path) -> None:
    if not port_answers("127.0.0.1", 5432):
        pytest.skip("no Postgres on 127.0.0.1:5432")
    # The `postgres` database always exists, so the shared server is left unchanged.
    service = resolve_postgres(tmp_path, env_url=None, database="postgres")

    assert service == LocalService("postgresql+asyncpg://postgres@127.0.0.1:5432/postgres", "local")
    assert list(tmp_path.iterdir()) == []


def test_local_redis_is_detected(tmp_path: Path) -> None:
    if not port_answers("127.0.0.1", 6379):
        pytest.skip("no Redis on 127.0.0.1:6379")
    service = resolve_redis(tmp_path, env_url=None, db=3)

    assert service == LocalService("redis://127.0.0.1:6379/3", "local")
    assert list(tmp_path.iterdir()) == []


def test_port_answers_only_for_listening_sockets() -> None:
    with socket.socket() as listening, socket.socket() as bound_only:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        bound_only.bind(("127.0.0.1", 0))

        assert port_answers("127.0.0.1", listening.getsockname()[1])
        assert not port_answers("127.0.0.1", bound_only.getsockname()[1], timeout=0.2)
