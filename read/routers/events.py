"""Live updates for the signed-in person, as server-sent events (Redis only)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import StreamingResponse

from common.errors import Invalid
from common.metrics import LIVE_EVENTS
from read.deps import Claims, Reader, resources_of
from read.live import LiveHub
from read.stores.live import OPS_AUDIENCE, READ_BATCH, BadCursor, Cursor, Delivery, LiveStreams

router = APIRouter(prefix="/api/me", tags=["live"])
# How soon a client reconnects after the stream ends (the SSE `retry` field).
RETRY_MS = 1000
# no-transform: a proxy (Next.js, nginx) that compresses would hold events back in its buffer.
STREAM_HEADERS = {"Cache-Control": "no-store, no-transform", "X-Accel-Buffering": "no"}


def frame(delivery: Delivery) -> bytes:
    return b"id: %s\nevent: %s\ndata: %s\n\n" % (
        delivery.cursor.encode(), delivery.kind.encode(), delivery.data)


async def stream_events(hub: LiveHub, streams: LiveStreams, cursor: Cursor, *,
                        expires_at: float, heartbeat: float) -> AsyncIterator[bytes]:
    """`ready` with the starting id, then each entry as it comes, a comment line as heartbeat;
    ends when the access token expires (the client comes back with a fresh one and its
    Last-Event-ID) or the server stops."""
    with hub.follow(cursor.audiences) as wake:
        yield b"retry: %d\nid: %s\nevent: ready\ndata: {}\n\n" % (RETRY_MS, str(cursor).encode())
        while not hub.closing:
            wake.clear()  # before reading: a wake-up during the read is not lost
            deliveries = await streams.after(cursor)
            for delivery in deliveries:
                LIVE_EVENTS.labels(delivery.kind).inc()
                yield frame(delivery)
            if len(deliveries) >= READ_BATCH:
                continue
            left = expires_at - time.time()
            if left <= 0:
                return
            try:
                # The heartbeat also re-reads the streams, in case a wake-up was lost.
                async with asyncio.timeout(min(heartbeat, left)):
                    await wake.wait()
            except TimeoutError:
                yield b": keep-alive\n\n"


@router.get("/events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}},
                             "description": "a stream of server-sent events"}})
async def events(
    request: Request,
    user: Reader,
    claims: Claims,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=200)] = None,
) -> StreamingResponse:
    """Server-sent events for the caller: `notifications` and `dashboard` (refetch them), and for
    admins `projection` (status and rebuild progress). Send `Last-Event-ID` to replay what was
    missed; the stream ends when the access token expires."""
    resources = resources_of(request)
    audiences = [str(user.id)] + ([OPS_AUDIENCE] if user.role == "admin" else [])
    resources.live.admit()
    try:
        cursor = await resources.live_streams.start(audiences, last_event_id)
    except BadCursor:
        raise Invalid("Last-Event-ID is not an event id this stream sent",
                      fields={"Last-Event-ID": "an id from an earlier event of this stream"},
                      code="invalid_last_event_id") from None
    body = stream_events(resources.live, resources.live_streams, cursor,
                         expires_at=claims.expires_at,
                         heartbeat=resources.settings.live_heartbeat_seconds)
    return StreamingResponse(body, media_type="text/event-stream", headers=STREAM_HEADERS)
