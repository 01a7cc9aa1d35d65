"""One search contract, every adapter: Postgres always, Meilisearch when MEILI_URL is set."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from common.settings import Settings
from read.search.port import SearchIndex, create_search_index

# Every other test drops and re-creates the index in the shared test search database, and
# several test runs may share this machine, so the contract owns a database/index per process.
OWN_SUFFIX = f"contract_{os.getpid()}"


@pytest.fixture(scope="session")
async def postgres_settings(settings: Settings) -> AsyncIterator[Settings]:
    """Test settings whose search database belongs to this test process alone."""
    url = make_url(settings.search_database)
    own = f"{url.database}_{OWN_SUFFIX}"
    yield settings.model_copy(update={
        "search_backend": "postgres",
        "search_database_url": url.set(database=own).render_as_string(hide_password=False),
    })
    admin = create_async_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT",
                                poolclass=NullPool)
    async with admin.connect() as conn:
        await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)')
    await admin.dispose()


def meili_settings(settings: Settings) -> Settings:
    key = os.environ.get("MEILI_API_KEY") or os.environ.get("MEILI_MASTER_KEY")
    return settings.model_copy(update={
        "search_backend": "meilisearch",
        "meili_url": os.environ["MEILI_URL"],
        "meili_api_key": SecretStr(key) if key else None,
        "meili_index": f"edu_test_courses_{OWN_SUFFIX}",
    })


@pytest.fixture(params=["postgres", "meilisearch"])
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    if name == "meilisearch" and not os.environ.get("MEILI_URL"):
        pytest.skip("MEILI_URL is not set: no Meilisearch server to run the search contract against")
    return name


@pytest.fixture
async def search_index(backend: str, settings: Settings,
                       postgres_settings: Settings) -> AsyncIterator[SearchIndex]:
    """A fresh, empty live index for each test."""
    index = await create_search_index(
        meili_settings(settings) if backend == "meilisearch" else postgres_settings)
    await index.drop()
    await index.ensure()
    yield index
    await index.drop()
    await index.close()
