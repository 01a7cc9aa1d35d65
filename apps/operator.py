"""Rebuild and verify for the CLI: the stores a projection needs, and a progress bar."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from apps.resources import create_redis
from common.runtime import tune_garbage_collection
from common.settings import Settings
from projectors.base import Stores
from projectors.rebuild import RebuildResult, rebuild, verify
from read.search.port import create_search_index
from workers.routing import PROJECTIONS
from write.db import create_engine


@asynccontextmanager
async def operator_stores(settings: Settings) -> AsyncIterator[Stores]:
    engine = create_engine(settings, pool_size=4)
    redis = create_redis(settings)
    search = await create_search_index(settings)
    await search.ensure()
    try:
        yield Stores(engine, redis, search)
    finally:
        await search.close()
        await redis.aclose()
        await engine.dispose()


def chosen(name: str) -> list[str]:
    if name == "all":
        return list(PROJECTIONS)
    if name not in PROJECTIONS:
        raise KeyError(f"no projection {name!r}; known: {', '.join(sorted(PROJECTIONS))}, all")
    return [name]


async def rebuild_with_progress(settings: Settings, name: str, *, batch_size: int = 500,
                                grace_seconds: float = 5.0) -> list[RebuildResult]:
    """Rebuilds one projection or all, showing documents done, rate and time left."""
    results = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TaskProgressColumn(), TextColumn("{task.fields[rate]:>8} docs/s"),
               TimeElapsedColumn(), TimeRemainingColumn())
    async with operator_stores(settings) as stores:
        tune_garbage_collection()
        with Progress(*columns) as progress:
            for projection_name in chosen(name):
                task = progress.add_task(projection_name, total=None, rate="-")

                def report(done: int, total: int, task: TaskID = task) -> None:
                    speed = progress.tasks[task].speed
                    progress.update(task, completed=done, total=total,
                                    rate=f"{speed:,.0f}" if speed else "-")

                results.append(await rebuild(PROJECTIONS[projection_name], stores,
                                             batch_size=batch_size, progress=report,
                                             grace_seconds=grace_seconds))
    return results


async def verify_projections(settings: Settings, name: str, *, sample: int | None
                             ) -> dict[str, dict[str, str]]:
    async with operator_stores(settings) as stores:
        tune_garbage_collection()
        return {n: await verify(PROJECTIONS[n], stores, sample=sample) for n in chosen(name)}
