"""Composition root of the write API (commands): Postgres engine, token issuer, routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy import text

from apps import ops
from apps.resources import create_queue
from common.http import install_plumbing
from common.metrics import sample_pool, sampling_in_worker_processes
from common.ratelimit import RateLimits
from common.settings import Settings
from common.tokens import AccessTokenVerifier, load_keys
from write.billing.provider import create_provider
from write.billing.router import router as billing_router
from write.catalog.review_router import router as review_router
from write.catalog.router import router as catalog_router
from write.db import create_engine, create_sessionmaker
from write.deps import WriteResources
from write.identity.router import router as identity_router
from write.identity.sessions import TokenIssuer
from write.learning.router import router as learning_router
from write.notifications.router import router as notifications_router
from write.outbox import CONSISTENCY_HEADER

SERVICE = "write"


def create_write_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    limits = RateLimits(settings) if settings.rate_limits_enabled else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        keys = load_keys(settings, need_private=True)
        verifier = AccessTokenVerifier(settings, keys)
        app.state.resources = WriteResources(
            settings=settings, engine=engine, sessions=create_sessionmaker(engine),
            issuer=TokenIssuer(settings, keys), verifier=verifier,
        )
        if limits is not None:
            limits.start(lambda token: verifier.verify(token).user_id)
        app.state.queue = await create_queue(settings)
        app.state.payment_provider = create_provider(settings)
        async with sampling_in_worker_processes(lambda: sample_pool(SERVICE, engine.pool)):
            yield
        await app.state.queue.aclose()
        if limits is not None:
            await limits.aclose()
        await engine.dispose()

    app = FastAPI(title="EduPlatform write API", version="0.1.0", lifespan=lifespan,
                  description="Commands. A command that changes state answers with X-Consistency-Token.")

    async def postgres() -> None:
        async with app.state.resources.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    install_plumbing(app, service=SERVICE, max_body_bytes=settings.max_body_bytes,
                     readiness={"postgres": postgres},
                     before_scrape=lambda: sample_pool(SERVICE, app.state.resources.engine.pool),
                     global_rate=settings.rate_global_write if settings.rate_limits_enabled else None,
                     rate_limits=limits)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_credentials=True, allow_methods=["*"], allow_headers=["*"],
                           expose_headers=[CONSISTENCY_HEADER])
    app.include_router(identity_router)
    app.include_router(catalog_router)
    app.include_router(learning_router)
    app.include_router(notifications_router)
    app.include_router(review_router)
    app.include_router(billing_router)
    app.include_router(ops.command_router)
    return app
