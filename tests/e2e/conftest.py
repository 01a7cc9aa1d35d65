"""The platform end-to-end tests talk to: both APIs over HTTP, with the relay and the worker."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from common.settings import Settings
from tests.harness import Platform, running_platform


@pytest.fixture
async def platform(settings: Settings, engine: AsyncEngine, redis: Redis
                   ) -> AsyncIterator[Platform]:
    """Starts from the empty write model and Redis the `engine` and `redis` fixtures leave; a
    module that must not run the relay and worker defines its own."""
    async with running_platform(settings) as running:
        yield running
