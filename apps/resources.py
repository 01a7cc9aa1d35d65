"""Clients every composition root creates at start-up (never at import)."""

from __future__ import annotations

from arq.connections import ArqRedis, RedisSettings, create_pool
from redis.asyncio import Redis

from common.settings import Settings


def create_redis(settings: Settings) -> Redis:
    redis: Redis = Redis.from_url(
        settings.redis_url, max_connections=settings.redis_max_connections,
        socket_timeout=5, socket_connect_timeout=5, health_check_interval=30,
    )
    return redis


def arq_settings(settings: Settings) -> RedisSettings:
    redis_settings = RedisSettings.from_dsn(settings.redis_url)
    redis_settings.conn_timeout = 5
    redis_settings.conn_retries = 3
    return redis_settings


async def create_queue(settings: Settings) -> ArqRedis:
    return await create_pool(arq_settings(settings), default_queue_name=settings.arq_queue_name)
