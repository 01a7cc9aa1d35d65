"""A server-sent events client for the end-to-end tests: a real HTTP stream from the read API,
parsed as the browser's client parses it (id, event, data fields; comment lines)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

EVENT_TIMEOUT = 10.0


@dataclass(frozen=True)
class Received:
    id: str | None
    kind: str
    data: dict[str, Any]
    at: float  # time.perf_counter() when its last line arrived


class EventStream:
    """Events of one open stream, in order; comment lines (heartbeats) are counted apart."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()
        self.comments = 0

    async def next(self, timeout: float = EVENT_TIMEOUT) -> Received:
        """The next event; fails the test when none comes within `timeout` seconds."""
        try:
            async with asyncio.timeout(timeout):
                return await self._read_event()
        except TimeoutError:
            raise AssertionError(f"no event within {timeout} s") from None

    async def next_of(self, kind: str, timeout: float = EVENT_TIMEOUT) -> Received:
        """The next event of `kind`, skipping others (a dashboard event beside a notification)."""
        while (event := await self.next(timeout)).kind != kind:
            pass
        return event

    async def _read_event(self) -> Received:
        fields: dict[str, str] = {}
        async for line in self._lines:
            if line == "":
                if "event" in fields or "data" in fields:
                    return Received(fields.get("id"), fields.get("event", "message"),
                                    json.loads(fields.get("data", "{}")), time.perf_counter())
                continue
            if line.startswith(":"):
                self.comments += 1
                continue
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
        raise AssertionError("the stream ended")

    async def heartbeat(self, timeout: float = EVENT_TIMEOUT) -> None:
        """Waits for the next comment line (the server's keep-alive); nothing else may come."""
        try:
            async with asyncio.timeout(timeout):
                async for line in self._lines:
                    if line.startswith(":"):
                        self.comments += 1
                        return
                    assert line == "", f"an event instead of a heartbeat: {line}"
        except TimeoutError:
            raise AssertionError(f"no heartbeat within {timeout} s") from None
        raise AssertionError("the stream ended")

    async def ended(self, timeout: float = EVENT_TIMEOUT) -> bool:
        """Whether the server ends the stream within `timeout` seconds (anything sent until then
        is read and dropped)."""
        try:
            async with asyncio.timeout(timeout):
                async for _ in self._lines:
                    pass
        except TimeoutError:
            return False
        return True


@asynccontextmanager
async def events_of(read: httpx.AsyncClient, token: str | None, *,
                    last_event_id: str | None = None) -> AsyncIterator[EventStream]:
    """Opens GET /api/me/events; asserts it is an event stream and yields it."""
    headers = {"Accept": "text/event-stream"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    async with read.stream("GET", "/api/me/events", headers=headers,
                           timeout=httpx.Timeout(10, read=None)) as response:
        assert response.status_code == 200, (await response.aread()).decode()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield EventStream(response)
