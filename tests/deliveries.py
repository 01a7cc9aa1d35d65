"""Deliveries as the relay may make them, for the convergence properties: every item at least
once, shuffled, some twice, some at the same time as the next ones."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from hypothesis import strategies as st

T = TypeVar("T")

# Per position: a shuffling key, whether to deliver twice, whether to run with the next ones.
schedules = st.lists(st.tuples(st.integers(0, 10_000), st.booleans(), st.booleans()),
                     min_size=30, max_size=30)


async def deliver(items: Sequence[T], action: Callable[[T], Awaitable[Any]],
                  schedule: list[tuple[int, bool, bool]]) -> None:
    order = sorted(range(len(items)), key=lambda i: (schedule[i % len(schedule)][0] * 31 + i) % 997)
    pending: list[Awaitable[Any]] = []
    for position, index in enumerate(order):
        _, duplicate, concurrent = schedule[position % len(schedule)]
        pending.append(action(items[index]))
        if duplicate:
            pending.append(action(items[index]))
        if not concurrent:
            await asyncio.gather(*pending)
            pending = []
    await asyncio.gather(*pending)
