"""Bad request bodies on the write API: a clear JSON error, the honest status, and nothing written.

Every test runs against the real platform over HTTP (uvicorn, Postgres) and compares a fingerprint
of the write model before and after the refused request.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from common.settings import Settings
from tests.checks import expect_error, write_state
from tests.harness import Platform, running_platform

REGISTER = "/api/auth/register"
JSON = {"content-type": "application/json"}

def registration(*, email: str = "ada@example.com", password: str = "correct-horse-1",
                 name: str = "Ada Lovelace", role: str = "student") -> dict[str, Any]:
    return {"email": email, "password": password, "name": name, "role": role}


@pytest.fixture(scope="module")
async def platform(settings: Settings, migrated: None) -> AsyncIterator[Platform]:
    """Both APIs, shared by the module: with no relay or worker, only our requests write, and
    each test still starts from the empty write model the `engine` fixture leaves."""
    async with running_platform(settings, with_processors=False) as running:
        yield running


async def refused(platform: Platform, engine: AsyncEngine, *, status: int, code: str,
                  **request: Any) -> dict[str, Any]:
    """POSTs a registration that must be refused; asserts the error and an untouched write model."""
    before = await write_state(engine)
    response = await platform.write.post(REGISTER, **request)
    error = expect_error(response, status=status, code=code)
    assert await write_state(engine) == before
    return error


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8"])
async def test_a_well_formed_registration_is_accepted(platform: Platform, engine: AsyncEngine,
                                                      content_type: str) -> None:
    # The control for every refusal below: the same builder, unspoiled, registers an account.
    before = await write_state(engine)
    response = await platform.write.post(REGISTER, content=json.dumps(registration()),
                                         headers={"content-type": content_type})
    assert response.status_code == 201, response.text
    assert (await write_state(engine))["users"] == before["users"] + 1


@pytest.mark.parametrize("email", [
    "", "ada", "ada@", "@example.com", "ada@@example.com", "ada lovelace@example.com",
    "ada@example", "ada@exa mple.com", "a" * 250 + "@example.com",
])
async def test_malformed_email_is_refused(platform: Platform, engine: AsyncEngine,
                                          email: str) -> None:
    error = await refused(platform, engine, status=422, code="invalid_input",
                          json=registration(email=email))
    assert set(error["fields"]) == {"email"}


@pytest.mark.parametrize("again", ["ada@example.com", "ADA@EXAMPLE.COM", "Ada@Example.com"])
async def test_an_email_registered_before_is_refused(platform: Platform, engine: AsyncEngine,
                                                     again: str) -> None:
    first = await platform.write.post(REGISTER, json=registration(email="ada@example.com"))
    assert first.status_code == 201, first.text
    error = await refused(platform, engine, status=409, code="email_taken",
                          json=registration(email=again, name="Someone Else"))
    assert set(error["fields"]) == {"email"}


@pytest.mark.parametrize(("password", "reason"), [
    ("", "at least 1 character"),
    ("short1", "at least 8 characters"),
    ("onlyletters", "a letter and a digit"),
    ("1234567890", "a letter and a digit"),
    ("________", "a letter and a digit"),
    ("password1", "too common"),
    ("PassWord123", "too common"),
    ("a1" * 65, "at most 128 characters"),
])
async def test_weak_password_is_refused(platform: Platform, engine: AsyncEngine, password: str,
                                        reason: str) -> None:
    error = await refused(platform, engine, status=422, code="invalid_input",
                          json=registration(password=password))
    assert list(error["fields"]) == ["password"]
    assert reason in error["fields"]["password"]


@pytest.mark.parametrize("role", ["superuser", "Student", "teacher ", "", 1, None, ["student"]])
async def test_unknown_role_is_refused(platform: Platform, engine: AsyncEngine, role: Any) -> None:
    error = await refused(platform, engine, status=422, code="invalid_input",
                          json={**registration(), "role": role})
    assert list(error["fields"]) == ["role"]


async def test_nobody_registers_as_admin(platform: Platform, engine: AsyncEngine) -> None:
    error = await refused(platform, engine, status=422, code="invalid_input",
                          json=registration(role="admin"))
    assert list(error["fields"]) == ["role"]
    assert "nobody registers as admin" in error["fields"]["role"]


@pytest.mark.parametrize("missing", ["email", "password", "name"])
async def test_missing_field_is_named(platform: Platform, engine: AsyncEngine,
                                      missing: str) -> None:
    body = {k: v for k, v in registration().items() if k != missing}
    error = await refused(platform, engine, status=422, code="invalid_input", json=body)
    assert error["fields"] == {missing: "Field required"}


@pytest.mark.parametrize("extra", [
    {"is_admin": True}, {"email_verified": True}, {"teacher_verified": True}, {"blocked": False},
    {"id": "00000000-0000-0000-0000-000000000001"},
])
async def test_unknown_field_is_refused(platform: Platform, engine: AsyncEngine,
                                        extra: dict[str, Any]) -> None:
    error = await refused(platform, engine, status=422, code="invalid_input",
                          json={**registration(), **extra})
    assert error["fields"] == {next(iter(extra)): "Extra inputs are not permitted"}


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
async def test_empty_or_overlong_name_is_refused(platform: Platform, engine: AsyncEngine,
                                                 name: str) -> None:
    error = await refused(platform, engine, status=422, code="invalid_input",
                          json=registration(name=name))
    assert list(error["fields"]) == ["name"]


def oversized_body(settings: Settings) -> bytes:
    """A registration that is valid JSON but one byte over the configured body limit."""
    body = json.dumps(registration(name="")).encode()
    padding = settings.max_body_bytes - len(body) + 1
    oversized = json.dumps(registration(name="x" * padding)).encode()
    assert len(oversized) == settings.max_body_bytes + 1
    return oversized


async def test_oversized_body_with_content_length_is_refused(platform: Platform,
                                                             engine: AsyncEngine) -> None:
    await refused(platform, engine, status=413, code="payload_too_large",
                  content=oversized_body(platform.settings), headers=JSON)


async def test_oversized_chunked_body_is_refused(platform: Platform, engine: AsyncEngine) -> None:
    body = oversized_body(platform.settings)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 4096):
            yield body[start:start + 4096]

    before = await write_state(engine)
    response = await platform.write.post(REGISTER, content=chunks(), headers=JSON)
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in response.request.headers
    expect_error(response, status=413, code="payload_too_large")
    assert await write_state(engine) == before


@pytest.mark.parametrize("body", [
    b"{nope", b"{'email': 'ada@example.com'}", b'{"email": "ada@example.com",}',
    b'{"email": "ada@example.com"', b"\xff\xfe{\x00}\x00", b'{"name": "\xe9"}',
])
async def test_body_that_is_not_json_is_refused(platform: Platform, engine: AsyncEngine,
                                                body: bytes) -> None:
    await refused(platform, engine, status=400, code="invalid_json", content=body, headers=JSON)


@pytest.mark.parametrize("document", [[], [registration()], "ada@example.com", 42, True, None])
async def test_json_that_is_not_an_object_is_refused(platform: Platform, engine: AsyncEngine,
                                                     document: Any) -> None:
    error = await refused(platform, engine, status=422, code="invalid_input",
                          content=json.dumps(document), headers=JSON)
    assert list(error["fields"]) == ["body"]


@pytest.mark.parametrize("content_type", [
    None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
    "application/xml", "application/jsonp",
])
async def test_body_of_another_media_type_is_refused(platform: Platform, engine: AsyncEngine,
                                                     content_type: str | None) -> None:
    # A valid registration document, only not declared as JSON.
    headers = {"content-type": content_type} if content_type else {}
    await refused(platform, engine, status=415, code="unsupported_media_type",
                  content=json.dumps(registration()), headers=headers)
