"""The course page's hot path: a kept, published page answered before routing (ADR 0017).

Routing over every read route, FastAPI's dependency solving and its exception wrappers cost the
course page more CPU than reading it once the page is in memory. This ASGI middleware answers
`GET /api/courses/{id}` itself when nothing about the request needs more than the kept bytes: no
`Authorization` (a sent token must still be checked), no `X-Consistency-Token` (the reader
expects their own change), and a published page in the read API's memory. Everything else goes
on to the route, which gives the same answer the slow way. It sits inside the metrics
middleware, which labels it with the route's template and adds the security headers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from uuid import UUID

from starlette.types import ASGIApp, Receive, Scope, Send

COURSE_PAGE_ROUTE = "/api/courses/{course_id}"
_PATH = re.compile(r"/api/courses/([0-9A-Fa-f-]{32,36})")
_NEEDS_THE_ROUTE = frozenset({b"authorization", b"x-consistency-token"})


@dataclass(frozen=True)
class _Template:
    """What the metrics middleware reads of a matched route: its template."""

    path: str


_ROUTE = _Template(COURSE_PAGE_ROUTE)


class KeptCoursePages:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = self._kept_body(scope) if scope["type"] == "http" else None
        if body is None:
            await self.app(scope, receive, send)
            return
        scope["route"] = _ROUTE
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def _kept_body(scope: Scope) -> bytes | None:
        if scope["method"] != "GET":
            return None
        match = _PATH.fullmatch(scope["path"])
        if match is None or any(name in _NEEDS_THE_ROUTE for name, _ in scope["headers"]):
            return None
        try:
            course_id = UUID(match.group(1))
        except ValueError:
            return None
        resources = getattr(scope["app"].state, "resources", None)
        return resources.pages.published(course_id) if resources is not None else None
