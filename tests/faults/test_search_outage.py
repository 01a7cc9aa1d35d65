"""The search backend unavailable or slow (a fault proxy in front of its database): search
answers 503 with Retry-After, fast, while catalog lists and course pages keep serving."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from apps.read_app import create_read_app
from common.settings import Settings
from tests.checks import eventually, expect_error
from tests.faults.proxy import FaultProxy
from tests.harness import Platform, running_platform, serve
from tests.shop import Shop, open_shop

pytestmark = pytest.mark.slow  # deselect with -m "not slow"; CI runs them

SEARCH = {"q": "course"}


@pytest.fixture
async def platform(settings: Settings, engine: AsyncEngine, redis: Redis
                   ) -> AsyncIterator[Platform]:
    async with running_platform(settings) as running:
        yield running


@pytest.fixture
async def proxy(settings: Settings) -> AsyncIterator[FaultProxy]:
    search = make_url(settings.search_database)
    running = FaultProxy(search.host or "127.0.0.1", search.port or 5432)
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
async def behind_proxy(settings: Settings, proxy: FaultProxy) -> AsyncIterator[httpx.AsyncClient]:
    """A read API whose search database is reached through the proxy."""
    url = make_url(settings.search_database).set(port=proxy.port)
    degraded = settings.model_copy(update={
        "search_database_url": url.render_as_string(hide_password=False)})
    async with serve(create_read_app(degraded)) as base, \
            httpx.AsyncClient(base_url=base, timeout=10) as client:
        yield client


async def assert_degraded(client: httpx.AsyncClient, shop: Shop) -> None:
    """Search refused with a clear 503; everything Redis answers still served."""
    refused = await client.get("/api/courses", params=SEARCH)
    error = expect_error(refused, status=503, code="search_unavailable")
    assert "search" in error["message"]
    assert int(refused.headers["Retry-After"]) > 0
    print(f"search refused in {refused.elapsed.total_seconds():.3f} s")
    assert (await client.get(f"/api/courses/{shop.free}")).status_code == 200
    assert (await client.get(f"/api/courses/{shop.paid}")).json()["title"] == "Paid course"
    newest = await client.get("/api/catalog/lists/newest")
    assert newest.status_code == 200
    assert newest.json()["total"] == 2
    assert (await client.get("/api/categories")).status_code == 200
    not_ready = await client.get("/readyz")
    assert not_ready.status_code == 503
    assert set(not_ready.json()["error"]["fields"]) == {"search"}


async def searchable(client: httpx.AsyncClient) -> bool | None:
    return True if (await client.get("/api/courses", params=SEARCH)).status_code == 200 else None


@pytest.mark.timeout(90)
async def test_search_down_or_slow_answers_503_while_lists_and_pages_serve(
    platform: Platform, proxy: FaultProxy, behind_proxy: httpx.AsyncClient
) -> None:
    shop = await open_shop(platform)
    found = await behind_proxy.get("/api/courses", params=SEARCH)
    assert found.json()["total"] == 2

    proxy.cut()
    await assert_degraded(behind_proxy, shop)
    proxy.heal()
    await eventually(lambda: searchable(behind_proxy), "search never came back", seconds=15)

    # Slower than the read API's answer timeout: refused, not awaited (the client's own
    # 10 s timeout would turn a hang into a failure here).
    proxy.slow(4.0)
    await assert_degraded(behind_proxy, shop)
    proxy.heal()
    await eventually(lambda: searchable(behind_proxy), "search never came back", seconds=15)
