"""Rate limits (docs/adr/0015-rate-limits.md).

Two layers:
- `GlobalRateLimit`: one token bucket per API process, in memory, in front of everything but the
  probes; a flood is answered 429 before it costs a Redis or Postgres round trip.
- `RateLimitMiddleware` (write API): buckets in Redis shared by every process, per client IP and
  per email on the auth endpoints, per account on every other command. One Lua script checks all
  the buckets a request touches and spends from them only if every one admits it.

Both answer 429 with `Retry-After` and the usual JSON error, and count the refusal in
`edu_rate_limited_total{service, route, limit}`.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from prometheus_client import Counter
from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError
from starlette.types import ASGIApp, Receive, Scope, Send

from common.asgi import answer_error, replaying
from common.errors import AppError, TooManyRequests, Unavailable
from common.rates import Rate
from common.settings import Settings

log = logging.getLogger("edu.ratelimit")

RATE_LIMITED = Counter(
    "edu_rate_limited_total",
    "Requests refused by a rate limit, by service, route template and limit.",
    ["service", "route", "limit"],
)
KEY_PREFIX = "edu:rl"
# Probes and scrapes are never limited: an operator must see a platform that is shedding load.
UNLIMITED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
AUTH_PREFIX = "/api/auth/"
COMMAND_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# GCRA (a token bucket kept as one timestamp per key): each request moves the bucket's
# "theoretical arrival time" one interval on; a request is admitted while that time stays within
# one period of now. ARGV holds, per key, the interval and the period in microseconds. Nothing is
# spent unless every bucket admits the request. Answers {index of the refusing key or 0, wait µs}.
GCRA = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local refused, wait = 0, 0
local next_tats = {}
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i - 1])
  local period = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  local next_tat = tat + interval
  local over = next_tat - now - period
  if over > wait then refused, wait = i, over end
  next_tats[i] = next_tat
end
if refused > 0 then return {refused, math.ceil(wait)} end
for i, key in ipairs(KEYS) do
  redis.call('SET', key, string.format('%.0f', next_tats[i]),
             'PX', math.ceil((next_tats[i] - now) / 1000) + 1)
end
return {0, 0}
"""

Subject = Literal["ip", "email", "account"]


@dataclass(frozen=True)
class Limit:
    """A named bucket per subject; `fail_open` says what happens while Redis cannot answer."""

    name: str
    rate: Rate
    subject: Subject
    fail_open: bool


class RateLimited(TooManyRequests):
    def __init__(self, limit: str, retry_after: float) -> None:
        self.limit = limit
        seconds = max(1, math.ceil(retry_after))
        super().__init__(f"too many requests ({limit}); retry in {seconds} s",
                         headers={"Retry-After": str(seconds)})


def client_ip(scope: Scope, trusted: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network]
              ) -> str:
    """The direct peer, unless it is a trusted proxy: then the right-most X-Forwarded-For
    address that is not itself a trusted proxy (the left part is whatever the client claimed)."""
    peer = (scope.get("client") or ("unknown", 0))[0]
    if not trusted or not _is_trusted(peer, trusted):
        return str(peer)
    forwarded = b",".join(value for name, value in scope.get("headers", [])
                          if name == b"x-forwarded-for")
    for hop in reversed(forwarded.decode("latin-1").split(",")):
        hop = hop.strip()
        if not hop:
            continue
        if not _is_trusted(hop, trusted):
            return hop if _parses(hop) else str(peer)
    return str(peer)


def _parses(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def _is_trusted(address: str, trusted: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network]
                ) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


class RouteLabels:
    """The route template a refused request was headed for, from the app's OpenAPI paths (the
    limits run before routing; templates are compiled once, on the first refusal)."""

    def __init__(self) -> None:
        self._templates: list[tuple[re.Pattern[str], str]] | None = None

    def __call__(self, scope: Scope) -> str:
        if self._templates is None:
            self._templates = self._compile(scope)
        path = scope.get("path", "")
        return next((template for pattern, template in self._templates
                     if pattern.fullmatch(path)), "unmatched")

    @staticmethod
    def _compile(scope: Scope) -> list[tuple[re.Pattern[str], str]]:
        openapi = getattr(scope.get("app"), "openapi", None)
        paths = list(openapi().get("paths", {})) if callable(openapi) else []
        paths.sort(key=lambda template: template.count("{"))  # literal segments win
        return [(re.compile(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))), template)
                for template in paths]


class GlobalRateLimit:
    """One in-memory token bucket for the whole process (probes excepted)."""

    def __init__(self, app: ASGIApp, *, service: str, rate: Rate) -> None:
        self.app = app
        self.service = service
        self.rate = rate
        self._route_label = RouteLabels()
        self._tokens = float(rate.count)
        self._updated = time.monotonic()

    def _take(self) -> float:
        """0 when a token was taken, else the seconds until one is free."""
        now = time.monotonic()
        self._tokens = min(self.rate.count,
                           self._tokens + (now - self._updated) / self.rate.interval)
        self._updated = now
        if self._tokens >= 1:
            self._tokens -= 1
            return 0.0
        return (1 - self._tokens) * self.rate.interval

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        wait = self._take()
        if wait == 0:
            await self.app(scope, receive, send)
            return
        RATE_LIMITED.labels(self.service, self._route_label(scope), "global").inc()
        await answer_error(RateLimited("global", wait), scope, receive, send)


class RateLimits:
    """The write API's Redis-backed limits: which buckets each request spends from.

    Built with the app; `start` connects it once the composition root has its token verifier.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.trusted = list(settings.trusted_proxies)
        login = [Limit("login_per_ip", settings.rate_login_per_ip, "ip", fail_open=False),
                 Limit("login_per_email", settings.rate_login_per_email, "email", fail_open=False)]
        email_requests = [
            Limit("email_requests_per_ip", settings.rate_email_requests_per_ip, "ip",
                  fail_open=False),
            Limit("email_requests_per_email", settings.rate_email_requests_per_email, "email",
                  fail_open=False),
        ]
        tokens = [Limit("auth_tokens_per_ip", settings.rate_auth_tokens_per_ip, "ip",
                        fail_open=True)]
        self.auth: dict[str, list[Limit]] = {
            "/api/auth/login": login,
            "/api/auth/register": [Limit("register_per_ip", settings.rate_register_per_ip, "ip",
                                         fail_open=False)],
            "/api/auth/forgot-password": email_requests,
            "/api/auth/resend-verification": email_requests,
            "/api/auth/refresh": tokens, "/api/auth/logout": tokens,
            "/api/auth/verify-email": tokens, "/api/auth/reset-password": tokens,
        }
        self.commands = [Limit("commands_per_account", settings.rate_commands_per_account,
                               "account", fail_open=True)]
        self.redis: Redis | None = None
        self._gcra: AsyncScript | None = None
        self.account_of: Callable[[str], str] | None = None

    def start(self, account_of: Callable[[str], str]) -> None:
        """`account_of(bearer token)` is the account id, or raises for a token that is not valid.

        The client has short timeouts and no retries: a slow Redis must not hold requests up.
        """
        self.account_of = account_of
        url = self.settings.rate_limit_redis_url or self.settings.redis_url
        self.redis = Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5,
                                    retry=None, max_connections=self.settings.redis_max_connections)
        self._gcra = self.redis.register_script(GCRA)

    async def aclose(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()

    def limits_for(self, method: str, path: str) -> list[Limit]:
        if method != "POST" or not path.startswith(AUTH_PREFIX):
            return self.commands if method in COMMAND_METHODS and path.startswith("/api/") else []
        return self.auth.get(path, [])

    def subject(self, limit: Limit, scope: Scope, body: bytes) -> str | None:
        """Who the bucket belongs to; None when the request names nobody (it is refused later,
        by validation or authentication, and costs no bucket)."""
        if limit.subject == "ip":
            return client_ip(scope, self.trusted)
        if limit.subject == "email":
            email = _email_in(body)
            # Keys carry a digest, never the address itself.
            return hashlib.sha256(email.encode()).hexdigest()[:32] if email else None
        token = _bearer(scope)
        if token is None or self.account_of is None:
            return None
        try:
            return self.account_of(token)
        except AppError:
            return None

    async def spend(self, buckets: Sequence[tuple[Limit, str]]) -> tuple[Limit, float] | None:
        """Spends one request from every bucket, or from none; returns the refusing limit and
        the seconds to wait."""
        keys = [f"{KEY_PREFIX}:{limit.name}:{subject}" for limit, subject in buckets]
        args: list[int] = []
        for limit, _ in buckets:
            args += [round(limit.rate.interval * 1e6), round(limit.rate.seconds * 1e6)]
        assert self._gcra is not None, "RateLimits.start was not called"
        refused, wait_us = await self._gcra(keys=keys, args=args)
        if int(refused) == 0:
            return None
        return buckets[int(refused) - 1][0], int(wait_us) / 1e6


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() or None if scheme.lower() == "bearer" else None
    return None


def _email_in(body: bytes) -> str | None:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None
    email = document.get("email") if isinstance(document, dict) else None
    return email.strip().lower() if isinstance(email, str) and email.strip() else None


class RateLimitMiddleware:
    """Spends from the Redis buckets of a request before the app sees it (inside the body
    guard, so the body it reads for an email is already bounded and UTF-8)."""

    def __init__(self, app: ASGIApp, *, service: str, limits: RateLimits) -> None:
        self.app = app
        self.service = service
        self.limits = limits
        self._route_label = RouteLabels()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limits = self.limits.limits_for(scope.get("method", ""), scope.get("path", "")) \
            if scope["type"] == "http" else []
        if not limits:
            await self.app(scope, receive, send)
            return
        body = b""
        if any(limit.subject == "email" for limit in limits):
            body, receive = await _buffered(receive)
        buckets = [(limit, subject) for limit in limits
                   if (subject := self.limits.subject(limit, scope, body)) is not None]
        refusal = await self._refusal(buckets)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        if isinstance(refusal, RateLimited):
            RATE_LIMITED.labels(self.service, self._route_label(scope), refusal.limit).inc()
        await answer_error(refusal, scope, receive, send)

    async def _refusal(self, buckets: Sequence[tuple[Limit, str]]) -> AppError | None:
        if not buckets:
            return None
        try:
            refused = await self.limits.spend(buckets)
        except (RedisError, OSError) as exc:
            closed = [limit.name for limit, _ in buckets if not limit.fail_open]
            log.warning("rate limits unavailable (%s): %s", exc,
                        "refusing" if closed else "admitting")
            if closed:
                return Unavailable(f"rate limiting unavailable ({closed[0]}); try again shortly",
                                   code="rate_limit_unavailable")
            return None
        if refused is None:
            return None
        limit, wait = refused
        return RateLimited(limit.name, wait)


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    """Reads the whole (already bounded) body and hands back a receive that replays it."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    return body, replaying(body, receive)
