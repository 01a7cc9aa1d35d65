"""Which failures are outages to wait out (503, longer job backoff) and which are bugs."""

from __future__ import annotations

import asyncpg
import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from common.errors import Conflict
from common.outages import dependency_unreachable
from workers.jobs import retry_delay


class _Driver(Exception):
    """A driver error carrying a SQLSTATE, as asyncpg's do."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def wrapped(kind: type[DBAPIError], sqlstate: str) -> DBAPIError:
    return kind("SELECT 1", {}, _Driver(sqlstate))


@pytest.mark.parametrize("failure", [
    ConnectionRefusedError(111, "refused"),
    TimeoutError(),
    RedisConnectionError("Connection closed by server."),
    PoolTimeout("QueuePool limit reached"),
    wrapped(DBAPIError, "57P01"),  # terminating connection due to administrator command
    wrapped(DBAPIError, "57P03"),  # the database system is starting up
    wrapped(DBAPIError, "08006"),  # connection failure
    OperationalError("SELECT 1", {}, Exception("connection is closed")),
    asyncpg.CannotConnectNowError("the database system is starting up"),
], ids=lambda failure: type(failure).__name__)
def test_outages_are_waited_out(failure: BaseException) -> None:
    assert dependency_unreachable(failure)
    assert retry_delay(failure, 1) == 2
    assert retry_delay(failure, 4) == 16


@pytest.mark.parametrize("failure", [
    wrapped(IntegrityError, "23505"),  # a unique violation is the request's doing
    ValueError("a bug"),
    KeyError("a bug"),
    ResponseError("WRONGTYPE"),
    Conflict("a business rule"),
], ids=lambda failure: type(failure).__name__)
def test_bugs_and_refusals_are_not_outages(failure: BaseException) -> None:
    assert not dependency_unreachable(failure)
    assert retry_delay(failure, 1) == pytest.approx(0.4)
