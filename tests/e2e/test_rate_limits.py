"""Rate limits over real HTTP: 429 with Retry-After and the JSON error, per IP, per email, per
account and per process; X-Forwarded-For believed only from trusted proxies; what a Redis outage
does to each limit; and nothing written by a refused request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from ipaddress import ip_network
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from common.net import free_port
from common.rates import Rate
from common.settings import Settings
from tests.actors import sign_up
from tests.checks import expect_error, write_state
from tests.harness import Platform, running_platform

LOGIN = "/api/auth/login"
REGISTER = "/api/auth/register"
FORGOT = "/api/auth/forgot-password"
PASSWORD = "correct-horse-1"


@asynccontextmanager
async def limited(settings: Settings, **limits: Any) -> AsyncIterator[Platform]:
    """Both APIs (no relay or worker) with the given limits in place of the test settings'."""
    async with running_platform(settings.model_copy(update=limits), with_processors=False) as p:
        yield p


def registration(email: str) -> dict[str, str]:
    return {"email": email, "password": PASSWORD, "name": "Ada", "role": "student"}


def expect_throttled(response: httpx.Response) -> int:
    """A 429 in the usual error shape; returns its Retry-After (whole seconds, at least 1)."""
    expect_error(response, status=429, code="rate_limited")
    retry_after = int(response.headers["Retry-After"])
    assert retry_after >= 1
    return retry_after


async def refused_count(client: httpx.AsyncClient, *, service: str, route: str,
                        limit: str) -> float:
    """edu_rate_limited_total for one service, route and limit, as /metrics shows it."""
    wanted = {"service": service, "route": route, "limit": limit}
    for family in text_string_to_metric_families((await client.get("/metrics")).text):
        for sample in family.samples:
            if sample.name == "edu_rate_limited_total" and sample.labels == wanted:
                return float(sample.value)
    return 0.0


async def test_logins_from_one_address_are_limited(settings: Settings, engine: AsyncEngine,
                                                   redis: Redis) -> None:
    async with limited(settings, rate_login_per_ip=Rate(3, 60)) as platform:
        before = await refused_count(platform.write, service="write", route=LOGIN,
                                     limit="login_per_ip")
        for n in range(3):  # guesses at three different accounts: each a plain 401
            wrong = await platform.write.post(LOGIN, json={"email": f"u{n}@example.com",
                                                           "password": "guess-1234"})
            expect_error(wrong, status=401, code="invalid_credentials")
        retry_after = expect_throttled(await platform.write.post(
            LOGIN, json={"email": "u4@example.com", "password": "guess-1234"}))
        # 3 per 60 s: the next login is free again in about 20 s, never more than the window.
        assert retry_after <= 60
        assert await refused_count(platform.write, service="write", route=LOGIN,
                                     limit="login_per_ip") == before + 1
        # Probes are never limited, and the read API has no login bucket.
        assert (await platform.write.get("/healthz")).status_code == 200


async def test_guesses_at_one_email_are_limited_whatever_its_case(
        settings: Settings, engine: AsyncEngine, redis: Redis) -> None:
    async with limited(settings, rate_login_per_email=Rate(2, 600)) as platform:
        assert (await platform.write.post(REGISTER, json=registration("ada@example.com"))
                ).status_code == 201
        for email in ("ada@example.com", "ADA@example.com"):
            wrong = await platform.write.post(LOGIN, json={"email": email, "password": "nope-1234"})
            expect_error(wrong, status=401, code="invalid_credentials")
        # Even the right password waits now: the bucket belongs to the address, not to guesses.
        expect_throttled(await platform.write.post(
            LOGIN, json={"email": " Ada@Example.com", "password": PASSWORD}))
        # Another account on the same address is untouched.
        assert (await platform.write.post(REGISTER, json=registration("bob@example.com"))
                ).status_code == 201
        ok = await platform.write.post(LOGIN, json={"email": "bob@example.com",
                                                    "password": PASSWORD})
        assert ok.status_code == 200, ok.text


async def test_a_refused_registration_writes_nothing(settings: Settings, engine: AsyncEngine,
                                                     redis: Redis) -> None:
    async with limited(settings, rate_register_per_ip=Rate(2, 3600)) as platform:
        for n in range(2):
            assert (await platform.write.post(REGISTER, json=registration(f"u{n}@example.com"))
                    ).status_code == 201
        before = await write_state(engine)
        expect_throttled(await platform.write.post(REGISTER, json=registration("u3@example.com")))
        assert await write_state(engine) == before


async def test_email_requests_are_limited_per_address(settings: Settings, engine: AsyncEngine,
                                                      redis: Redis) -> None:
    async with limited(settings, rate_email_requests_per_email=Rate(1, 3600)) as platform:
        first = await platform.write.post(FORGOT, json={"email": "ada@example.com"})
        assert first.status_code == 204, first.text
        before = await write_state(engine)
        expect_throttled(await platform.write.post(FORGOT, json={"email": "ADA@example.com"}))
        assert await write_state(engine) == before
        # resend-verification spends from the same per-address bucket.
        expect_throttled(await platform.write.post("/api/auth/resend-verification",
                                                   json={"email": "ada@example.com"}))
        other = await platform.write.post(FORGOT, json={"email": "bob@example.com"})
        assert other.status_code == 204, other.text


async def test_forwarded_for_counts_only_from_a_trusted_proxy(
        settings: Settings, engine: AsyncEngine, redis: Redis) -> None:
    def attempt(client: str) -> dict[str, Any]:
        return {"json": {"email": "x@example.com", "password": "guess-1234"},
                "headers": {"X-Forwarded-For": client}}

    async with limited(settings, rate_login_per_ip=Rate(1, 60)) as platform:
        # Untrusted peer: a made-up X-Forwarded-For does not buy a fresh bucket.
        assert (await platform.write.post(LOGIN, **attempt("203.0.113.1"))).status_code == 401
        expect_throttled(await platform.write.post(LOGIN, **attempt("203.0.113.2")))
    await redis.flushdb()
    async with limited(settings, rate_login_per_ip=Rate(1, 60),
                       trusted_proxies=[ip_network("127.0.0.1/32")]) as platform:
        # Behind the trusted gateway each client has its own bucket; what a client prepends is
        # ignored (the right-most untrusted hop counts).
        assert (await platform.write.post(LOGIN, **attempt("203.0.113.1"))).status_code == 401
        assert (await platform.write.post(LOGIN, **attempt("203.0.113.2"))).status_code == 401
        expect_throttled(await platform.write.post(LOGIN, **attempt("198.51.100.7, 203.0.113.1")))


async def test_commands_are_limited_per_account(settings: Settings, engine: AsyncEngine,
                                                redis: Redis) -> None:
    async with limited(settings, rate_commands_per_account=Rate(2, 60)) as platform:
        busy = await sign_up(platform, "busy@example.com", role="teacher")
        other = await sign_up(platform, "other@example.com", role="teacher")
        for _ in range(2):
            await busy.command("POST", "/api/notifications/read-all")
        before = await write_state(engine)
        expect_throttled(await platform.write.post(
            "/api/courses", json={"title": "Too fast"}, headers=busy.auth))
        assert await write_state(engine) == before
        # Another account from the same address is not held back, and neither are logins.
        await other.command("POST", "/api/notifications/read-all")
        # A request with no valid token spends no bucket: it is refused as unauthenticated.
        anonymous = await platform.write.post("/api/notifications/read-all",
                                              headers={"Authorization": "Bearer not-a-token"})
        expect_error(anonymous, status=401, code="invalid_token")


async def test_the_global_limit_sheds_a_flood_but_not_probes(
        settings: Settings, engine: AsyncEngine, redis: Redis) -> None:
    async with limited(settings, rate_global_read=Rate(5, 3600)) as platform:
        answers = [(await platform.read.get("/api/categories")).status_code for _ in range(5)]
        assert answers == [200] * 5
        response = await platform.read.get("/api/courses/00000000-0000-0000-0000-000000000001")
        retry_after = expect_throttled(response)
        assert retry_after > 1  # a 5-per-hour bucket refills one request in 12 minutes
        assert (await platform.read.get("/healthz")).status_code == 200
        assert (await platform.read.get("/readyz")).status_code == 200
        assert await refused_count(platform.read, service="read", route="/api/courses/{course_id}",
                                   limit="global") >= 1


async def test_without_redis_auth_limits_fail_closed_and_command_limits_fail_open(
        settings: Settings, engine: AsyncEngine, redis: Redis) -> None:
    # Nothing listens on this loopback port: the limiter's Redis is down from the start.
    dead = f"redis://127.0.0.1:{free_port()}/0"
    async with limited(settings) as platform:
        student = await sign_up(platform, "s@example.com")
    async with limited(settings, rate_limit_redis_url=dead) as platform:
        before = await write_state(engine)
        refused = await platform.write.post(LOGIN, json={"email": "s@example.com",
                                                         "password": PASSWORD})
        expect_error(refused, status=503, code="rate_limit_unavailable")
        assert int(refused.headers["Retry-After"]) >= 1
        expect_error(await platform.write.post(REGISTER, json=registration("n@example.com")),
                     status=503, code="rate_limit_unavailable")
        assert await write_state(engine) == before
        # A logged-in student's command still goes through (and is not an auth request).
        student.p = platform
        assert (await student.command("POST", "/api/notifications/read-all")).json() == {
            "marked": 0}
