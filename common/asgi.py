"""Small ASGI helpers the plain middlewares share."""

from __future__ import annotations

from fastapi.responses import JSONResponse
from starlette.types import Message, Receive, Scope, Send

from common.errors import AppError


async def answer_error(error: AppError, scope: Scope, receive: Receive, send: Send) -> None:
    """Answers with the one JSON error shape, before any route runs."""
    response = JSONResponse(error.body(), status_code=error.status, headers=error.headers)
    await response(scope, receive, send)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the app the buffered body once, then the client's later messages."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
