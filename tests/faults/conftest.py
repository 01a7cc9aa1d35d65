"""One private platform for the fault suite: its own Postgres, Redis and four processes."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import pytest

from tests.faults.load import Load, free_lessons
from tests.faults.stack import Stack, running_stack
from tests.shop import Shop, open_shop


@pytest.fixture(scope="package")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path_factory.mktemp("faults")) as running:
        yield running


@pytest.fixture(scope="package")
async def shop(stack: Stack) -> Shop:
    """A teacher's published free and paid courses, set up while everything is healthy."""
    return await open_shop(stack.platform)


@pytest.fixture
async def load(stack: Stack, shop: Shop) -> Load:
    """A fresh load on a whole platform (whatever a previous test left dead is restarted)."""
    await stack.heal()
    seed = random.randrange(1 << 30)
    print(f"fault load seed {seed}")
    return Load(stack.platform, shop, await free_lessons(shop), random.Random(seed))
