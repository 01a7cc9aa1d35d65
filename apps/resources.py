"""Clients every composition root creates at start-up (never at import)."""

from __future__ import annotations

from arq.connections import ArqRedis, RedisSettings, create_pool
from redis.asyncio import BlockingConnectionPool, Redis

from common.settings import Settings

# How long a request waits for a free pooled connection before it fails (and is answered 503).
POOL_WAIT_SECONDS = 5


def create_redis(settings: Settings) -> Redis:
    """A client over a bounded pool: when every connection is busy, callers wait for one (up to
    POOL_WAIT_SECONDS) instead of failing at once, so a burst of requests queues rather than
    erroring, and the connections Redis sees stay bounded."""
    pool = BlockingConnectionPool.from_url(
        settings.redis_url, max_connections=settings.redis_max_connections,
        timeout=POOL_WAIT_SECONDS, socket_timeout=5, socket_connect_timeout=5,
        health_check_interval=30,
    )
    return Redis.from_pool(pool)


def arq_settings(settings: Settings) -> RedisSettings:
    redis_settings = RedisSettings.from_dsn(settings.redis_url)
    redis_settings.conn_timeout = 5
    redis_settings.conn_retries = 3
    return redis_settings


async def create_queue(settings: Settings) -> ArqRedis:
    return await create_pool(arq_settings(settings), default_queue_name=settings.arq_queue_name)
