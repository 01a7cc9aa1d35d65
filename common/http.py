"""HTTP plumbing both APIs share: JSON errors, request-body guard, RED metrics, health, readiness."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.exc import DBAPIError
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.asgi import answer_error, replaying
from common.errors import AppError, BadRequest, PayloadTooLarge, UnsupportedMediaType
from common.metrics import HTTP_IN_FLIGHT, HTTP_LATENCY, HTTP_REQUESTS, exposition
from common.outages import database_unreachable, install_outage_handlers, on_database_unreachable
from common.ratelimit import GlobalRateLimit, RateLimitMiddleware, RateLimits
from common.rates import Rate

log = logging.getLogger("edu.http")

ReadinessCheck = Callable[[], Awaitable[None]]
# Set by the read side's consistency wait; copied onto every answer, error answers included.
CONSISTENCY_STATE_HEADER = "X-Consistency"

_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "invalid_input", 429: "rate_limited",
}
INVALID_JSON_MESSAGE = "request body is not valid JSON"
MAX_JSON_DEPTH = 32
# Strings (skipped whole, escapes included) or a bracket: what the depth scan walks through.
_JSON_STRUCTURE = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')
# A JSON escape of an unpaired UTF-16 surrogate parses into a str that UTF-8 cannot encode, so no
# store could take it; after an even run of backslashes, "\u" is plain text, not an escape.
_UNPAIRED_SURROGATE = re.compile(
    rb"(?<!\\)(?:\\\\)*"
    rb"(?:\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2})"
)
# SQLSTATEs of text Postgres will not store (NUL, characters outside the encoding).
_UNSTORABLE_TEXT = frozenset({"22021", "22P05"})

# Any other method token a client sends counts as "other": labels must stay a bounded set.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_ROUTE = "unmatched"


def error_response(status: int, code: str, message: str, *, fields: Mapping[str, str] | None = None,
                   headers: Mapping[str, str] | None = None) -> JSONResponse:
    """The one JSON error shape: {"error": {"code", "message", "fields"?}}."""
    error: dict[str, object] = {"code": code, "message": message}
    if fields:
        error["fields"] = dict(fields)
    return JSONResponse({"error": error}, status_code=status, headers=dict(headers or {}))


def _field_name(loc: tuple[object, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


async def _on_app_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    return error_response(exc.status, exc.code, exc.message, fields=exc.fields, headers=exc.headers)


async def _on_validation_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return error_response(400, "invalid_json", INVALID_JSON_MESSAGE)
    fields: dict[str, str] = {}
    for e in errors:
        fields.setdefault(_field_name(tuple(e.get("loc", ()))), str(e.get("msg", "invalid value")))
    return error_response(422, "invalid_input", "request validation failed", fields=fields)


async def _on_http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "error")
    return error_response(exc.status_code, code, str(exc.detail), headers=exc.headers)


async def _on_database_error(request: Request, exc: Exception) -> Response:
    """Text a field's validation let through but Postgres will not store (a NUL, say) is the
    client's input, not a server fault: 422, and the transaction was rolled back."""
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
    if sqlstate in _UNSTORABLE_TEXT:
        return error_response(422, "invalid_text", "request holds text the database cannot store "
                              "(a NUL character, say)")
    if database_unreachable(exc):
        return await on_database_unreachable(request, exc)
    return await _on_unexpected(request, exc)


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "internal server error")


class RequestBodyGuard:
    """Admits a request body only if it is JSON (UTF-8) within a byte limit, before any handler runs.

    The body is read here, up to the limit, and replayed to the app: a limit enforced inside the
    app's `receive` would surface as a body-parsing error (400) instead of 413 when the client
    sends no Content-Length (chunked transfer).
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(self._too_large(), scope, receive, send)
            return
        try:
            body = await self._read_body(receive)
        except PayloadTooLarge as exc:
            await self._refuse(exc, scope, receive, send)
            return
        if body is None:  # the client went away; nobody to answer
            return
        refusal = _refusal_of_body(body, headers.get(b"content-type"))
        if refusal is not None:
            await self._refuse(refusal, scope, receive, send)
            return
        await self.app(scope, replaying(body, receive), send)

    async def _read_body(self, receive: Receive) -> bytes | None:
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return None
            chunk: bytes = message.get("body", b"")
            received += len(chunk)
            if received > self.max_bytes:
                raise self._too_large()
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _too_large(self) -> PayloadTooLarge:
        return PayloadTooLarge(f"request body exceeds {self.max_bytes} bytes")

    @staticmethod
    async def _refuse(error: AppError, scope: Scope, receive: Receive, send: Send) -> None:
        await answer_error(error, scope, receive, send)


def _refusal_of_body(body: bytes, content_type: bytes | None) -> AppError | None:
    """Why a (size-checked) body is refused, if it is: not declared as JSON, or not UTF-8."""
    if not body:
        return None
    if not _is_json_media_type(content_type):
        return UnsupportedMediaType("request body must be JSON (Content-Type: application/json)")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return BadRequest(INVALID_JSON_MESSAGE, code="invalid_json")
    if _nested_deeper_than(body, MAX_JSON_DEPTH):
        return BadRequest(f"request body nests deeper than {MAX_JSON_DEPTH} levels",
                          code="json_too_deep")
    if b"\\u" in body and _UNPAIRED_SURROGATE.search(body):
        return BadRequest("request body escapes an unpaired UTF-16 surrogate, which no text can "
                          "hold", code="invalid_text")
    return None


def _nested_deeper_than(body: bytes, limit: int) -> bool:
    """Whether arrays/objects nest more than `limit` deep (brackets inside strings don't count).

    No command is deeper than a few levels; without this a deep document would exhaust the JSON
    parser's recursion. A body with few brackets in all is answered without scanning it.
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for token in _JSON_STRUCTURE.finditer(body):
        bracket = token.group()
        if bracket in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif bracket in (b"]", b"}"):
            depth -= 1
    return False


def _is_json_media_type(content_type: bytes | None) -> bool:
    media_type = (content_type or b"").split(b";", 1)[0].strip().lower()
    return media_type == b"application/json" or (
        media_type.startswith(b"application/") and media_type.endswith(b"+json")
    )


# Every answer is JSON (or the metrics text) meant for code, never a page to render or frame.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
}


def add_security_headers(headers: MutableHeaders) -> None:
    """Hardening headers on every answer; the interactive /docs page (HTML that loads scripts)
    keeps its own CSP-less behaviour."""
    is_page = headers.get("content-type", "").startswith("text/html")
    for name, value in SECURITY_HEADERS.items():
        if not (is_page and name == "Content-Security-Policy"):
            headers.setdefault(name, value)


class RedMetricsMiddleware:
    """Rate, errors and duration per route template, and requests in flight; a plain ASGI
    middleware (no extra task).

    The route label is the matched route's template (`/api/courses/{course_id}`), never the raw
    path; requests no route matched (404s of unknown paths, refused bodies) share one label.
    """

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service
        self._in_flight = HTTP_IN_FLIGHT.labels(service)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        self._in_flight.inc()

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                add_security_headers(headers)
                consistency = scope.get("state", {}).get("consistency")
                if consistency is not None:
                    headers[CONSISTENCY_STATE_HEADER] = consistency
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            self._in_flight.dec()
            route = getattr(scope.get("route"), "path", UNMATCHED_ROUTE)
            method = scope["method"] if scope["method"] in _METHODS else "other"
            HTTP_REQUESTS.labels(self.service, method, route, str(status)).inc()
            HTTP_LATENCY.labels(self.service, method, route).observe(time.perf_counter() - started)


def install_plumbing(
    app: FastAPI,
    *,
    service: str,
    max_body_bytes: int,
    readiness: Mapping[str, ReadinessCheck],
    before_scrape: Callable[[], None] | None = None,
    global_rate: Rate | None = None,
    rate_limits: RateLimits | None = None,
) -> None:
    """Adds error handlers, the request-body guard, rate limits, RED metrics, security headers
    and /healthz, /readyz, /metrics.

    `before_scrape` samples what is read at scrape time rather than on every request (pools).
    """
    app.add_exception_handler(AppError, _on_app_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(DBAPIError, _on_database_error)
    install_outage_handlers(app)
    app.add_exception_handler(Exception, _on_unexpected)

    # The last added runs first: metrics -> global limit -> body guard -> Redis limits -> app.
    # Metrics see every refusal; the global limit sheds a flood before a body is even read.
    if rate_limits is not None:
        app.add_middleware(RateLimitMiddleware, service=service, limits=rate_limits)
    app.add_middleware(RequestBodyGuard, max_bytes=max_body_bytes)
    if global_rate is not None:
        app.add_middleware(GlobalRateLimit, service=service, rate=global_rate)
    app.add_middleware(RedMetricsMiddleware, service=service)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> Response:
        failing = await check_readiness(readiness)
        if failing:
            return error_response(
                503, "not_ready", "dependencies unreachable: " + ", ".join(sorted(failing)),
                fields=failing, headers={"Retry-After": "2"},
            )
        return JSONResponse({"status": "ready", "checks": sorted(readiness)})

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        if before_scrape is not None:
            before_scrape()
        return PlainTextResponse(exposition(), media_type=CONTENT_TYPE_LATEST)


async def check_readiness(checks: Mapping[str, ReadinessCheck]) -> dict[str, str]:
    """Runs every check; returns {dependency: error} for the failing ones."""
    failing: dict[str, str] = {}
    for name, check in checks.items():
        try:
            await asyncio.wait_for(check(), timeout=2.0)
        except Exception as exc:  # any failure means "not ready", named by dependency
            failing[name] = f"{type(exc).__name__}: {exc}"[:200]
    return failing
