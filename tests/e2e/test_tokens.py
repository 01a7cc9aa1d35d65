"""Tokens a client presents, over real HTTP: access tokens on both APIs, consistency tokens, list
cursors, and refresh/email tokens. Every refusal is a clear JSON error and leaves the write model
and the read model as they were.

The forged access tokens all claim to be a real, projected admin, so a verifier that let one through
would answer 200 (and the PATCH would block a student) instead of 401.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from apps.cli_admin import create_admin_account
from common.settings import Settings
from common.tokens import generate_private_pem, load_keys
from read.pagination import encode_cursor
from tests.checks import expect_error, write_state
from tests.harness import Platform
from write.outbox import encode_consistency_token

CONSISTENCY = "X-Consistency-Token"
UNKNOWN_TOKEN = "Zm9yZ2VkLW9uZS10aW1lLXRva2VuLXRoYXQtd2FzLW5ldmVyLWlzc3Vl"


@dataclass(frozen=True)
class Accounts:
    admin_id: str
    student_id: str
    student_access: str
    student_refresh: str


@pytest.fixture
async def accounts(platform: Platform, engine: AsyncEngine) -> Accounts:
    """An admin and a logged-in student, both already projected into the read model."""
    admin_id = await create_admin_account(platform.settings, email="root@example.com",
                                          name="Root", password="admin-pass-123")
    registered = await platform.write.post("/api/auth/register", json={
        "email": "stu@example.com", "password": "correct-horse-1", "name": "Stu Dent"})
    assert registered.status_code == 201, registered.text
    login = await platform.write.post("/api/auth/login", json={
        "email": "stu@example.com", "password": "correct-horse-1"})
    assert login.status_code == 200, login.text
    student = login.json()
    async with engine.connect() as conn:
        events = list(await conn.scalars(text("SELECT event_id FROM outbox.events")))
    me = await platform.read.get("/api/me", headers={
        **bearer(student["access_token"]), CONSISTENCY: encode_consistency_token(events)})
    assert me.status_code == 200, me.text
    assert me.headers["X-Consistency"] == "fresh"
    return Accounts(admin_id=admin_id, student_id=registered.json()["id"],
                    student_access=student["access_token"],
                    student_refresh=student["refresh_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def read_model(redis: Redis) -> dict[bytes, bytes]:
    """Every read-model key with its serialized value."""
    return {key: await redis.dump(key) for key in sorted(await redis.keys("edu:rm:*"))}


async def snapshot(engine: AsyncEngine, redis: Redis) -> tuple[dict[str, int], dict[bytes, bytes]]:
    """What a refused request must leave as it was: the write model and the read model."""
    return await write_state(engine), await read_model(redis)


# --- access tokens -------------------------------------------------------------------------------

def claims(settings: Settings, *, sub: str, role: str = "admin", issued_ago: int = 0,
           ttl: int | None = 300, issuer: str | None = None, audience: str | None = None
           ) -> dict[str, Any]:
    """Access-token claims as the write API issues them, unless told otherwise."""
    issued_at = int(time.time()) - issued_ago
    payload: dict[str, Any] = {
        "sub": sub, "role": role, "iat": issued_at,
        "iss": issuer or settings.jwt_issuer, "aud": audience or settings.jwt_audience,
    }
    if ttl is not None:
        payload["exp"] = issued_at + ttl
    return payload


def sign(settings: Settings, payload: dict[str, Any], *, private_pem: str | None = None,
         kid: str | None = None) -> str:
    """Signs like the write API: EdDSA with its key and kid, unless told otherwise."""
    assert settings.jwt_private_key is not None
    key = private_pem or settings.jwt_private_key.get_secret_value()
    return jwt.encode(payload, key, algorithm="EdDSA", headers={"kid": kid or settings.jwt_kid})


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# Each builder returns the Authorization header of a request that claims to be the admin.
AuthorizationBuilder = Callable[[Settings, str], dict[str, str]]


def issuer_like(settings: Settings, admin_id: str) -> dict[str, str]:
    return bearer(sign(settings, claims(settings, sub=admin_id)))


def no_header(settings: Settings, admin_id: str) -> dict[str, str]:
    return {}


def basic_credentials(settings: Settings, admin_id: str) -> dict[str, str]:
    return {"Authorization": "Basic " + b64url(b"root@example.com:admin-pass-123")}


def garbage(settings: Settings, admin_id: str) -> dict[str, str]:
    return bearer("not-a-jwt")


def garbage_segments(settings: Settings, admin_id: str) -> dict[str, str]:
    return bearer("abc.def.ghi")


def expired(settings: Settings, admin_id: str) -> dict[str, str]:
    return bearer(sign(settings, claims(settings, sub=admin_id, issued_ago=3600, ttl=900)))


def never_expiring(settings: Settings, admin_id: str) -> dict[str, str]:
    return bearer(sign(settings, claims(settings, sub=admin_id, ttl=None)))


def forged(settings: Settings, admin_id: str) -> dict[str, str]:
    return bearer(sign(settings, claims(settings, sub=admin_id), private_pem=generate_private_pem()))


def unknown_kid(settings: Settings, admin_id: str) -> dict[str, str]:
    return bearer(sign(settings, claims(settings, sub=admin_id), kid="edu-retired"))


def wrong_audience(settings: Settings, admin_id: str) -> dict[str, str]:
    return bearer(sign(settings, claims(settings, sub=admin_id, audience="another-api")))


def wrong_issuer(settings: Settings, admin_id: str) -> dict[str, str]:
    return bearer(sign(settings, claims(settings, sub=admin_id, issuer="someone-else")))


def alg_none(settings: Settings, admin_id: str) -> dict[str, str]:
    return bearer(jwt.encode(claims(settings, sub=admin_id), None, algorithm="none",
                             headers={"kid": settings.jwt_kid}))


def hs256_keyed_with_public_key(settings: Settings, admin_id: str) -> dict[str, str]:
    """Algorithm confusion: an HMAC 'signature' whose secret is the verifier's public key."""
    public_pem = load_keys(settings, need_private=False).public_pem
    header = {"alg": "HS256", "typ": "JWT", "kid": settings.jwt_kid}
    signing_input = ".".join(b64url(json.dumps(part).encode())
                             for part in (header, claims(settings, sub=admin_id)))
    mac = hmac.new(public_pem.encode(), signing_input.encode(), hashlib.sha256).digest()
    return bearer(f"{signing_input}.{b64url(mac)}")


REFUSED_AUTHORIZATIONS = [
    pytest.param(no_header, "unauthorized", id="missing"),
    pytest.param(basic_credentials, "unauthorized", id="basic-scheme"),
    pytest.param(garbage, "invalid_token", id="garbage"),
    pytest.param(garbage_segments, "invalid_token", id="garbage-segments"),
    pytest.param(expired, "token_expired", id="expired"),
    pytest.param(never_expiring, "invalid_token", id="no-exp"),
    pytest.param(forged, "invalid_token", id="forged-same-kid"),
    pytest.param(unknown_kid, "invalid_token", id="unknown-kid"),
    pytest.param(wrong_audience, "invalid_token", id="wrong-audience"),
    pytest.param(wrong_issuer, "invalid_token", id="wrong-issuer"),
    pytest.param(alg_none, "invalid_token", id="alg-none"),
    pytest.param(hs256_keyed_with_public_key, "invalid_token", id="hs256-public-key"),
]


Call = Callable[[Platform, Accounts, dict[str, str]], Awaitable[httpx.Response]]


async def block_student(p: Platform, accounts: Accounts, headers: dict[str, str]
                        ) -> httpx.Response:
    return await p.write.patch(f"/api/admin/users/{accounts.student_id}", json={"blocked": True},
                               headers=headers)


async def get_me(p: Platform, accounts: Accounts, headers: dict[str, str]) -> httpx.Response:
    return await p.read.get("/api/me", headers=headers)


async def list_users(p: Platform, accounts: Accounts, headers: dict[str, str]) -> httpx.Response:
    return await p.read.get("/api/admin/users", headers=headers)


ADMIN_CALLS = [
    pytest.param(block_student, id="write-PATCH-admin-users"),
    pytest.param(get_me, id="read-GET-me"),
    pytest.param(list_users, id="read-GET-admin-users"),
]


@pytest.mark.parametrize("call", ADMIN_CALLS)
async def test_a_token_signed_like_the_issuers_is_accepted(
        platform: Platform, accounts: Accounts, call: Call) -> None:
    # The control for the refusals below: the same builders, unspoiled, get the admin in.
    response = await call(platform, accounts, issuer_like(platform.settings, accounts.admin_id))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("call", ADMIN_CALLS)
@pytest.mark.parametrize(("authorization", "code"), REFUSED_AUTHORIZATIONS)
async def test_a_bad_access_token_is_refused(
        platform: Platform, accounts: Accounts, engine: AsyncEngine, redis: Redis, call: Call,
        authorization: AuthorizationBuilder, code: str) -> None:
    before = await snapshot(engine, redis)
    response = await call(platform, accounts,
                          authorization(platform.settings, accounts.admin_id))
    expect_error(response, status=401, code=code)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert await snapshot(engine, redis) == before


async def promote_self(p: Platform, accounts: Accounts, headers: dict[str, str]
                       ) -> httpx.Response:
    return await p.write.patch(f"/api/admin/users/{accounts.student_id}", json={"role": "admin"},
                               headers=headers)


@pytest.mark.parametrize("call", [
    pytest.param(promote_self, id="write-PATCH-admin-users"),
    pytest.param(list_users, id="read-GET-admin-users"),
])
async def test_a_students_valid_token_is_forbidden_on_admin_endpoints(
        platform: Platform, accounts: Accounts, engine: AsyncEngine, redis: Redis,
        call: Call) -> None:
    before = await snapshot(engine, redis)
    response = await call(platform, accounts, bearer(accounts.student_access))
    expect_error(response, status=403, code="admin_required")
    assert await snapshot(engine, redis) == before


# --- consistency tokens, cursors and page sizes on the read API ----------------------------------

@pytest.mark.parametrize("token", [
    "", "garbage", "v1", "v1.", "v2.1", "V1.1", "v1.0", "v1.-3", "v1.x", "v1.1..2", "v1.1.",
    "v1." + ".".join(str(seq) for seq in range(1, 52)),
])
async def test_a_malformed_consistency_token_is_refused(
        platform: Platform, accounts: Accounts, engine: AsyncEngine, redis: Redis,
        token: str) -> None:
    before = await snapshot(engine, redis)
    response = await platform.read.get("/api/me", headers={
        **bearer(accounts.student_access), CONSISTENCY: token})
    error = expect_error(response, status=400, code="invalid_consistency_token")
    assert list(error["fields"]) == [CONSISTENCY]
    assert await snapshot(engine, redis) == before


async def admin_list(p: Platform, accounts: Accounts, **params: str) -> httpx.Response:
    return await p.read.get("/api/admin/users", params=params,
                            headers=issuer_like(p.settings, accounts.admin_id))


async def test_a_consistency_token_is_checked_on_the_admin_list(
        platform: Platform, accounts: Accounts, engine: AsyncEngine, redis: Redis) -> None:
    before = await snapshot(engine, redis)
    response = await platform.read.get("/api/admin/users", headers={
        **issuer_like(platform.settings, accounts.admin_id), CONSISTENCY: "v1.x"})
    expect_error(response, status=400, code="invalid_consistency_token")
    assert await snapshot(engine, redis) == before


async def test_a_cursor_from_the_api_pages_on(platform: Platform, accounts: Accounts) -> None:
    # The control for the refused cursors: two users, pages of one.
    first = await admin_list(platform, accounts, limit="1")
    assert first.status_code == 200, first.text
    assert first.json()["next_cursor"] == encode_cursor(1)
    second = await admin_list(platform, accounts, limit="1", cursor=first.json()["next_cursor"])
    assert second.status_code == 200, second.text
    assert second.json()["items"] != first.json()["items"]


@pytest.mark.parametrize("cursor", [
    "!!!!", "x", "zz", b64url(b"x:1"), b64url(b"o:one"), b64url(b"o:-1"), b64url(b"o:10001"),
    b64url(b"o:1")[:-1], "A" * 65,
])
async def test_a_bad_cursor_is_refused(platform: Platform, accounts: Accounts,
                                       engine: AsyncEngine, redis: Redis, cursor: str) -> None:
    before = await snapshot(engine, redis)
    error = expect_error(await admin_list(platform, accounts, cursor=cursor),
                         status=422, code="invalid_input")
    assert list(error["fields"]) == ["cursor"]
    assert await snapshot(engine, redis) == before


@pytest.mark.parametrize("limit", ["101", "1000", "0", "-1", "ten"])
async def test_a_page_size_outside_1_to_100_is_refused(
        platform: Platform, accounts: Accounts, engine: AsyncEngine, redis: Redis,
        limit: str) -> None:
    before = await snapshot(engine, redis)
    error = expect_error(await admin_list(platform, accounts, limit=limit),
                         status=422, code="invalid_input")
    assert list(error["fields"]) == ["limit"]
    assert await snapshot(engine, redis) == before


async def test_a_page_size_of_100_is_accepted(platform: Platform, accounts: Accounts) -> None:
    response = await admin_list(platform, accounts, limit="100")
    assert response.status_code == 200, response.text
    assert response.json()["total"] == 2


# --- refresh and email tokens -----------------------------------------------------------------

@pytest.mark.parametrize(("path", "body", "status", "code"), [
    pytest.param("/api/auth/refresh", {"refresh_token": UNKNOWN_TOKEN}, 401,
                 "invalid_refresh_token", id="refresh"),
    pytest.param("/api/auth/verify-email", {"token": UNKNOWN_TOKEN}, 422, "invalid_token",
                 id="verify-email"),
    pytest.param("/api/auth/reset-password", {"token": UNKNOWN_TOKEN, "password": "new-battery-2"},
                 422, "invalid_token", id="reset-password"),
])
async def test_an_unknown_one_time_token_is_refused(
        platform: Platform, accounts: Accounts, engine: AsyncEngine, redis: Redis, path: str,
        body: dict[str, str], status: int, code: str) -> None:
    before = await snapshot(engine, redis)
    expect_error(await platform.write.post(path, json=body), status=status, code=code)
    assert await snapshot(engine, redis) == before


async def test_logout_with_an_unknown_token_ends_no_session(
        platform: Platform, accounts: Accounts, engine: AsyncEngine, redis: Redis) -> None:
    # Documented: an unknown token is already logged out, so the answer is 204.
    before = await snapshot(engine, redis)
    response = await platform.write.post("/api/auth/logout", json={"refresh_token": UNKNOWN_TOKEN})
    assert response.status_code == 204
    assert CONSISTENCY not in response.headers
    assert await snapshot(engine, redis) == before
    still_logged_in = await platform.write.post("/api/auth/refresh", json={
        "refresh_token": accounts.student_refresh})
    assert still_logged_in.status_code == 200, still_logged_in.text


@pytest.mark.parametrize(("path", "field", "rest"), [
    ("/api/auth/refresh", "refresh_token", {}), ("/api/auth/logout", "refresh_token", {}),
    ("/api/auth/verify-email", "token", {}),
    ("/api/auth/reset-password", "token", {"password": "new-battery-2"}),
])
@pytest.mark.parametrize("token", ["too-short", "x" * 201])
async def test_a_one_time_token_of_impossible_length_is_refused(
        platform: Platform, accounts: Accounts, engine: AsyncEngine, redis: Redis, path: str,
        field: str, rest: dict[str, str], token: str) -> None:
    body = {field: token, **rest}
    before = await snapshot(engine, redis)
    error = expect_error(await platform.write.post(path, json=body),
                         status=422, code="invalid_input")
    assert list(error["fields"]) == [field]
    assert await snapshot(engine, redis) == before
