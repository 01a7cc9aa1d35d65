"""Test settings: a dedicated Postgres database and Redis db, never the ones `edu up` uses."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from apps.local_services import LocalService, ensure_database, resolve_postgres, resolve_redis
from common.rates import Rate
from common.settings import Settings
from common.tokens import generate_private_pem
from read.search.port import create_search_index
from write.migrate import upgrade
from write.models import metadata

# Every write-model table, so each test starts from an empty write model (new contexts included).
WRITE_TABLES = tuple(f"{table.schema}.{table.name}" for table in metadata.sorted_tables)
# Tests own database `edu_test` and Redis db 15; `edu up` uses `edu` and db 0.
TEST_DATABASE = "edu_test"
TEST_REDIS_DB = 15
UNLIMITED_IN_TESTS = (
    "rate_login_per_ip", "rate_login_per_email", "rate_register_per_ip",
    "rate_email_requests_per_ip", "rate_email_requests_per_email", "rate_auth_tokens_per_ip",
)
EMBEDDED_DIR = Path(__file__).resolve().parent.parent / ".edu-test"


@pytest.fixture(scope="session")
def services() -> Iterator[tuple[LocalService, LocalService]]:
    """TEST_DATABASE_URL/TEST_REDIS_URL, else the local servers, else embedded ones."""
    postgres = resolve_postgres(EMBEDDED_DIR, env_url=os.environ.get("TEST_DATABASE_URL"),
                                database=TEST_DATABASE)
    redis = resolve_redis(EMBEDDED_DIR, env_url=os.environ.get("TEST_REDIS_URL"), db=TEST_REDIS_DB)
    yield postgres, redis
    postgres.stop()
    redis.stop()


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory,
             services: tuple[LocalService, LocalService]) -> Settings:
    postgres, redis = services
    return Settings(
        environment="test",
        database_url=postgres.url,
        redis_url=redis.url,
        data_dir=tmp_path_factory.mktemp("edu-data"),
        jwt_private_key=generate_private_pem(),
        arq_queue_name="edu:test:queue",
        relay_poll_seconds=0.2,
        projection_job_timeout_seconds=3,
        worker_probe_port=0,
        relay_probe_port=0,
        # Tests read their own changes right after they settle; tests of the search-answer
        # cache turn it on themselves.
        search_cache_seconds=0,
        # The whole suite signs up and logs in from 127.0.0.1: per-IP and per-email auth limits
        # are out of its way. Per-account command limits and the global limits keep their
        # production defaults (a busy human and the Locust scenarios fit within them);
        # tests/e2e/test_rate_limits.py sets low limits of its own.
        **{name: Rate(1_000_000, 1) for name in UNLIMITED_IN_TESTS},
    )


async def fresh_database(url: str) -> None:
    """Drops and re-creates a test database, so every run starts from the migrations."""
    admin_url = make_url(url).set(database="postgres")
    name = make_url(url).database
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()
    await ensure_database(url)


@pytest.fixture(scope="session")
async def migrated(settings: Settings) -> None:
    await fresh_database(settings.database_url)
    await asyncio.to_thread(upgrade, settings.database_url)


async def empty_write_model(settings: Settings) -> AsyncEngine:
    """An engine on an emptied write model (and an emptied search index); the caller disposes
    of it. Module-scoped worlds start from here too (tests/e2e/test_authorization_matrix.py)."""
    engine = create_async_engine(settings.database_url, pool_size=5)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {', '.join(WRITE_TABLES)} CASCADE"))
    search = await create_search_index(settings)
    try:
        await search.drop()
        await search.ensure()
    finally:
        await search.close()
    return engine


@pytest.fixture
async def engine(settings: Settings, migrated: None) -> AsyncIterator[AsyncEngine]:
    """A clean write model (and an empty search index) for each test."""
    engine = await empty_write_model(settings)
    yield engine
    await engine.dispose()


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    """A clean Redis database for each test."""
    client = Redis.from_url(settings.redis_url)
    await client.flushdb()
    yield client
    await client.aclose()
