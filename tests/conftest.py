"""Test settings: a dedicated Postgres database and Redis db, never the ones `edu up` uses."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from apps.local_services import ensure_database
from common.settings import Settings
from common.tokens import generate_private_pem
from write.migrate import upgrade

TEST_DATABASE_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/edu_test"
)
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
WRITE_TABLES = ("identity.users", "outbox.events")


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        environment="test",
        database_url=TEST_DATABASE_URL,
        redis_url=TEST_REDIS_URL,
        data_dir=tmp_path_factory.mktemp("edu-data"),
        jwt_private_key=generate_private_pem(),
        arq_queue_name="edu:test:queue",
        relay_poll_seconds=0.2,
        projection_job_timeout_seconds=3,
        worker_probe_port=0,
        relay_probe_port=0,
    )


@pytest.fixture(scope="session")
async def migrated(settings: Settings) -> None:
    await ensure_database(settings.database_url)
    engine = create_async_engine(settings.database_url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS identity CASCADE"))
        await conn.execute(text("DROP SCHEMA IF EXISTS outbox CASCADE"))
        await conn.execute(text("DROP TABLE IF EXISTS public.alembic_version"))
    await engine.dispose()
    await asyncio.to_thread(upgrade, settings.database_url)


@pytest.fixture
async def engine(settings: Settings, migrated: None) -> AsyncIterator[AsyncEngine]:
    """A clean write model for each test."""
    engine = create_async_engine(settings.database_url, pool_size=5)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {', '.join(WRITE_TABLES)} CASCADE"))
    yield engine
    await engine.dispose()


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    """A clean Redis database for each test."""
    client = Redis.from_url(settings.redis_url)
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture
def anyio_backend() -> Iterator[str]:
    yield "asyncio"
