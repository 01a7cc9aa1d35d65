"""Dependencies down or restarting: answered 503 with Retry-After, never a 500 or a hang.

A request that fails because Postgres or Redis cannot be reached (refused, reset, restarting,
timed out, pool exhausted) was a fine request at a bad moment: the client is told to retry
shortly, and it is logged as a warning, not as an unhandled error (ADR 0019). The worker and the
relay use the same test to tell an outage (wait it out) from a bug.
"""

from __future__ import annotations

import logging

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from common.errors import Unavailable

log = logging.getLogger("edu.http")

# A server going away or not up yet (admin or crash shutdown, starting up); class 08 is a broken
# connection.
_SERVER_GOING_OR_COMING = frozenset({"57P01", "57P02", "57P03"})
# Refused, reset or timed out sockets; Redis and pool errors; an adapter's own "unavailable".
_UNREACHABLE = (ConnectionError, TimeoutError, RedisConnectionError, RedisTimeoutError,
                PoolTimeout, Unavailable)
# What a refused client waits before retrying: a restart of Postgres or Redis takes seconds.
RETRY_AFTER_SECONDS = 2


def _sqlstate(exc: BaseException) -> object:
    """The SQLSTATE of an asyncpg error, raw or wrapped by SQLAlchemy."""
    return getattr(exc, "sqlstate", None) or getattr(getattr(exc, "orig", None), "sqlstate", None)


def database_unreachable(exc: BaseException) -> bool:
    """Whether a database error means "not reachable now" rather than "this request failed"."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    sqlstate = _sqlstate(exc)
    if isinstance(sqlstate, str):
        return sqlstate.startswith("08") or sqlstate in _SERVER_GOING_OR_COMING
    # Connection errors without a SQLSTATE, wrapped by SQLAlchemy or raw (a closed connection).
    return isinstance(exc, OperationalError | InterfaceError
                      | asyncpg.exceptions.ConnectionDoesNotExistError)


def dependency_unreachable(exc: BaseException) -> bool:
    """Whether a failure is a dependency being down or slow (worth waiting out), not a bug."""
    if isinstance(exc, DBAPIError | asyncpg.PostgresError | asyncpg.InterfaceError):
        return database_unreachable(exc)
    return isinstance(exc, _UNREACHABLE)


def _unavailable(request: Request, exc: Exception, code: str, message: str) -> Response:
    log.warning("%s on %s %s: %r", code, request.method, request.url.path, exc)
    error = Unavailable(message, retry_after=RETRY_AFTER_SECONDS, code=code)
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


async def on_database_unreachable(request: Request, exc: Exception) -> Response:
    return _unavailable(request, exc, "database_unavailable",
                        "the database is unreachable right now; try again shortly")


async def _on_driver_error(request: Request, exc: Exception) -> Response:
    """asyncpg errors SQLAlchemy did not wrap (raised while connecting: "starting up")."""
    if database_unreachable(exc):
        return await on_database_unreachable(request, exc)
    raise exc  # an unexpected error: the catch-all answers 500 and logs it


async def _on_redis_unreachable(request: Request, exc: Exception) -> Response:
    return _unavailable(request, exc, "store_unavailable",
                        "the read store is unreachable right now; try again shortly")


async def _on_connection_failure(request: Request, exc: Exception) -> Response:
    return _unavailable(request, exc, "dependency_unavailable",
                        "a service this request needs is unreachable right now; try again shortly")


def install_outage_handlers(app: FastAPI) -> None:
    """503 + Retry-After for every way a dependency shows it is unreachable."""
    app.add_exception_handler(PoolTimeout, on_database_unreachable)
    app.add_exception_handler(asyncpg.PostgresError, _on_driver_error)
    app.add_exception_handler(asyncpg.InterfaceError, _on_driver_error)
    app.add_exception_handler(RedisConnectionError, _on_redis_unreachable)
    app.add_exception_handler(RedisTimeoutError, _on_redis_unreachable)
    # Connecting to Postgres or Redis: refused or reset (ConnectionError), or timed out.
    app.add_exception_handler(ConnectionError, _on_connection_failure)
    app.add_exception_handler(TimeoutError, _on_connection_failure)
