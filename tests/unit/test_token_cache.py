"""The access-token verifier remembers tokens it verified, but never past their expiry, and never
for a token it did not verify itself."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest

from common.errors import Unauthorized
from common.settings import Settings
from common.tokens import (
    ALGORITHM,
    AccessTokenVerifier,
    KeyMaterial,
    generate_private_pem,
    public_pem_of,
)


@pytest.fixture
def keys() -> KeyMaterial:
    private = generate_private_pem()
    return KeyMaterial("k1", public_pem_of(private), private)


def token(keys: KeyMaterial, settings: Settings, *, expires_in: int) -> str:
    now = int(time.time())
    return jwt.encode({"sub": str(uuid.uuid4()), "role": "student", "iat": now,
                       "exp": now + expires_in, "iss": settings.jwt_issuer,
                       "aud": settings.jwt_audience}, keys.private_pem, algorithm=ALGORITHM,
                      headers={"kid": keys.kid})


def test_a_verified_token_is_refused_once_it_expires(
    keys: KeyMaterial, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(environment="test")
    verifier = AccessTokenVerifier(settings, keys)
    valid = token(keys, settings, expires_in=60)
    claims = verifier.verify(valid)
    assert verifier.verify(valid) == claims  # remembered

    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(Unauthorized) as refused:
        verifier.verify(valid)
    assert refused.value.code == "token_expired"


def test_a_token_that_differs_from_a_verified_one_is_checked_on_its_own(keys: KeyMaterial) -> None:
    settings = Settings(environment="test")
    verifier = AccessTokenVerifier(settings, keys)
    valid = token(keys, settings, expires_in=60)
    verifier.verify(valid)
    header, payload, signature = valid.split(".")
    forged = ".".join([header, payload, signature[:-4] + ("AAAA" if signature[-4:] != "AAAA"
                                                          else "BBBB")])
    other_key = KeyMaterial("k1", keys.public_pem, generate_private_pem())
    signed_elsewhere = token(other_key, settings, expires_in=60)
    for bad in (forged, signed_elsewhere):
        with pytest.raises(Unauthorized) as refused:
            verifier.verify(bad)
        assert refused.value.code == "invalid_token"
