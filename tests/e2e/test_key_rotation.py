"""Rotating the access-token signing key over real HTTP (ADR 0023): verifiers learn the next key
first, the issuer switches to it while the previous one is still verified, and removing the
previous one ends only the access tokens it signed. Nobody is logged out: refresh tokens are
opaque and survive every step."""

from __future__ import annotations

import httpx
import jwt
from pydantic import SecretStr

from common.settings import Settings
from common.tokens import generate_private_pem, public_pem_of
from tests.actors import sign_up
from tests.checks import expect_error
from tests.harness import Platform, running_platform


def rotated(settings: Settings, *, signing_pem: str, kid: str,
            verification: dict[str, str]) -> Settings:
    return settings.model_copy(update={"jwt_private_key": SecretStr(signing_pem), "jwt_kid": kid,
                                       "jwt_verification_keys": verification})


async def answers(platform: Platform, access_token: str) -> list[httpx.Response]:
    """A command on the write API and a private read on the read API, with the token."""
    headers = {"Authorization": f"Bearer {access_token}"}
    return [await platform.write.post("/api/notifications/read-all", headers=headers),
            await platform.read.get("/api/me", headers=headers)]


async def assert_accepted(platform: Platform, access_token: str) -> None:
    for response in await answers(platform, access_token):
        assert response.status_code == 200, response.text


async def assert_refused(platform: Platform, access_token: str) -> None:
    for response in await answers(platform, access_token):
        expect_error(response, status=401, code="invalid_token")


async def test_the_signing_key_is_rotated_without_logging_anyone_out(platform: Platform) -> None:
    old = platform.settings
    assert old.jwt_private_key is not None
    old_pem, new_pem = old.jwt_private_key.get_secret_value(), generate_private_pem()
    student = await sign_up(platform, "rota@example.com")
    await student.read("/api/me")  # the read API knows the student
    old_token = student.tokens["access_token"]

    switched = rotated(old, signing_pem=new_pem, kid="edu-2",
                       verification={old.jwt_kid: public_pem_of(old_pem)})
    async with running_platform(switched, with_processors=False) as after_switch:
        refreshed = await after_switch.write.post("/api/auth/refresh", json={
            "refresh_token": student.tokens["refresh_token"]})
        assert refreshed.status_code == 200, refreshed.text
        new_token = refreshed.json()["access_token"]
        assert jwt.get_unverified_header(new_token)["kid"] == "edu-2"
        await assert_accepted(after_switch, old_token)  # signed before the switch
        await assert_accepted(after_switch, new_token)

    # Verifiers that were given the next key before the switch accept what it signs.
    staged = rotated(old, signing_pem=old_pem, kid=old.jwt_kid,
                     verification={"edu-2": public_pem_of(new_pem)})
    async with running_platform(staged, with_processors=False) as before_switch:
        await assert_accepted(before_switch, new_token)
        await assert_accepted(before_switch, old_token)

    retired = rotated(old, signing_pem=new_pem, kid="edu-2", verification={})
    async with running_platform(retired, with_processors=False) as after_retirement:
        await assert_refused(after_retirement, old_token)
        await assert_accepted(after_retirement, new_token)
