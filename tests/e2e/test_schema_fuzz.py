"""schemathesis against both OpenAPI schemas, sent to the real running APIs (tests/harness.py)
over HTTP: for every operation, generated requests (valid and invalid) never get a 5xx, and every
documented answer matches its schema and media type. Bounded: a few examples per operation.

Both APIs run in a thread of their own (schemathesis' tests are synchronous); requests go as an
admin: most operations need a token, and the admin may call all of them."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from apps.cli_admin import create_admin_account
from apps.read_app import create_read_app
from apps.write_app import create_write_app
from common.settings import Settings
from tests.harness import serve

ADMIN, PASSWORD = "fuzz-admin@example.com", "correct-horse-1"
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@dataclass(frozen=True)
class Served:
    write: str
    read: str
    auth: dict[str, str]


@pytest.fixture(scope="module")
def served(settings: Settings, migrated: None) -> Iterator[Served]:
    """Both APIs on their own event loop (no relay or worker: nothing here reads projections);
    rate limits off, as this module sends a burst of commands from one account by design."""
    ready = threading.Event()
    found: dict[str, Any] = {}

    async def main() -> None:
        stop = asyncio.Event()
        found["stop"] = (asyncio.get_running_loop(), stop)
        quiet = settings.model_copy(update={"rate_limits_enabled": False})
        await create_admin_account(quiet, email=ADMIN, name="Fuzz", password=PASSWORD)
        async with serve(create_write_app(quiet)) as write, serve(create_read_app(quiet)) as read:
            async with httpx.AsyncClient(base_url=write) as client:
                login = await client.post("/api/auth/login",
                                          json={"email": ADMIN, "password": PASSWORD})
            token = login.json()["access_token"]
            found["served"] = Served(write, read, {"Authorization": f"Bearer {token}"})
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    if not ready.wait(timeout=60):
        raise RuntimeError("the platform did not start")
    yield found["served"]
    loop, stop = found["stop"]
    loop.call_soon_threadsafe(stop.set)
    thread.join(timeout=30)


# An endless event stream has no response to validate; tests/e2e/test_live_events.py checks its
# authentication, its refusal of a bad Last-Event-ID and its bounds.
STREAMS = {"/api/me/events"}


def operations(app: FastAPI) -> list[Any]:
    """The app's operations as schemathesis sees its OpenAPI document (the one it serves)."""
    schema = schemathesis.openapi.from_dict(app.openapi())
    return [operation for result in schema.get_all_operations()
            if (operation := result.ok()).path not in STREAMS]


# Built from the apps' schemas at collection (creating an app opens no connection).
WRITE_OPERATIONS = operations(create_write_app(Settings(environment="test")))
READ_OPERATIONS = operations(create_read_app(Settings(environment="test")))
bounded = hypothesis_settings(max_examples=8, deadline=None, database=None,
                              suppress_health_check=list(HealthCheck))


def conforms(operation: Any, base_url: str, auth: dict[str, str]) -> None:
    answered: list[int] = []

    @bounded
    @given(case=operation.as_strategy())
    def generated(case: Any) -> None:
        response = case.call_and_validate(base_url=base_url, headers=auth, checks=CHECKS)
        answered.append(response.status_code)

    generated()
    assert answered, f"no request reached {operation.label}"


@pytest.mark.parametrize("operation", WRITE_OPERATIONS, ids=lambda op: op.label)
def test_write_api_conforms(operation: Any, served: Served) -> None:
    conforms(operation, served.write, served.auth)


@pytest.mark.parametrize("operation", READ_OPERATIONS, ids=lambda op: op.label)
def test_read_api_conforms(operation: Any, served: Served) -> None:
    conforms(operation, served.read, served.auth)
