"""Composition root of the read API (queries): Redis and token verification only.

It holds no connection to the write database, so no query can read the write model; its only
Postgres connection (with the embedded search backend) goes to the separate search database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeVar

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy.exc import SQLAlchemyError

from apps import ops
from apps.resources import create_redis
from common.http import CONSISTENCY_STATE_HEADER, install_plumbing
from common.metrics import (
    REDIS_LATENCY,
    sample_pool,
    sampling_in_worker_processes,
    timed_methods,
)
from common.settings import Settings
from common.tokens import AccessTokenVerifier, load_keys
from read.deps import ReadResources
from read.hot_path import KeptCoursePages
from read.live import LiveHub, closed_on_exit_signals
from read.routers.billing import router as billing_router
from read.routers.catalog import router as catalog_router
from read.routers.events import router as events_router
from read.routers.learning import router as learning_router
from read.routers.notifications import router as notifications_router
from read.routers.reviews import router as reviews_router
from read.routers.users import router as users_router
from read.search.cache import SearchAnswers
from read.search.port import SearchIndex, create_search_index
from read.search.postgres import PostgresSearchIndex
from read.stores.billing import BillingReadStore
from read.stores.catalog import CatalogReadStore
from read.stores.learning import LearningReadStore
from read.stores.live import LiveStreams
from read.stores.notifications import NotificationsReadStore
from read.stores.page_cache import CoursePageCache
from read.stores.reviews import ReviewsReadStore
from read.stores.teacher import TeacherReadStore
from read.stores.users import UsersReadStore

log = logging.getLogger("edu.read")
SERVICE = "read"
Store = TypeVar("Store")


def timed_store(store: Store, name: str) -> Store:
    """Times each query of a read store (its Redis round trips) as operation `<name>.<query>`."""
    return timed_methods(store, lambda query: REDIS_LATENCY.labels(SERVICE, f"{name}.{query}"))


def sample_search_pool(search: SearchIndex) -> None:
    """The embedded Postgres search index's pool is the read API's only database pool."""
    if isinstance(search, PostgresSearchIndex):
        sample_pool(SERVICE, search.engine.pool)


def create_read_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redis = create_redis(settings)
        keys = load_keys(settings, need_private=False)
        search = await create_search_index(settings)
        try:
            await search.ensure()
        except (OSError, SQLAlchemyError, TimeoutError) as exc:
            # Lists and course pages do not need search; /readyz reports it and search answers 503.
            log.warning("search index unavailable at start-up: %s", exc)
        catalog = timed_store(CatalogReadStore(redis), "catalog")
        pages = CoursePageCache(redis, catalog, seconds=settings.page_cache_seconds,
                                entries=settings.page_cache_entries)
        live = LiveHub(redis, max_streams=settings.live_max_streams)
        app.state.resources = ReadResources(
            settings=settings, redis=redis, verifier=AccessTokenVerifier(settings, keys),
            users=timed_store(UsersReadStore(redis), "users"),
            catalog=catalog, pages=pages, search=search,
            search_answers=SearchAnswers(redis, search, seconds=settings.search_cache_seconds),
            learning=timed_store(LearningReadStore(redis), "learning"),
            notifications=timed_store(NotificationsReadStore(redis), "notifications"),
            reviews=timed_store(ReviewsReadStore(redis), "reviews"),
            billing=timed_store(BillingReadStore(redis), "billing"),
            teacher=timed_store(TeacherReadStore(redis), "teacher"),
            live=live, live_streams=LiveStreams(redis),
        )
        listening = [asyncio.create_task(pages.listen()), asyncio.create_task(live.listen())]
        with closed_on_exit_signals(live):
            async with sampling_in_worker_processes(lambda: sample_search_pool(search)):
                yield
        live.close()
        for task in listening:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await search.close()
        await redis.aclose()

    app = FastAPI(title="EduPlatform read API", version="0.1.0", lifespan=lifespan,
                  description="Queries, answered from the Redis read models only.")

    async def redis_ready() -> None:
        await app.state.resources.redis.ping()

    async def search_ready() -> None:
        await app.state.resources.search.count()

    # Added first, so it runs last of the middlewares: after metrics and the global limit.
    app.add_middleware(KeptCoursePages)
    install_plumbing(app, service=SERVICE, max_body_bytes=settings.max_body_bytes,
                     readiness={"redis": redis_ready, "search": search_ready},
                     before_scrape=lambda: sample_search_pool(app.state.resources.search),
                     global_rate=settings.rate_global_read if settings.rate_limits_enabled else None)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_credentials=True, allow_methods=["GET"],
                           allow_headers=["Authorization", "X-Consistency-Token", "Last-Event-ID"],
                           expose_headers=[CONSISTENCY_STATE_HEADER])
    app.include_router(users_router)
    app.include_router(catalog_router)
    app.include_router(learning_router)
    app.include_router(notifications_router)
    app.include_router(events_router)
    app.include_router(reviews_router)
    app.include_router(billing_router)
    app.include_router(ops.query_router)
    return app
