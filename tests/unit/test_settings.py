"""Settings refuse unsafe configurations before any process starts."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import ValidationError

from common.settings import Settings
from common.tokens import generate_private_pem, load_keys, public_pem_of


def test_production_without_keys_is_refused() -> None:
    with pytest.raises(ValidationError, match="JWT_PRIVATE_KEY"):
        Settings(environment="production")


def test_production_with_a_key_is_accepted_and_uses_it() -> None:
    pem = generate_private_pem()
    settings = Settings(environment="production", jwt_private_key=pem)
    keys = load_keys(settings, need_private=True)
    assert keys.private_pem == pem


def test_a_verifying_side_never_holds_the_private_key(tmp_path: object) -> None:
    settings = Settings(environment="development", data_dir=tmp_path)
    assert load_keys(settings, need_private=False).private_pem is None
    assert load_keys(settings, need_private=True).private_pem is not None


@pytest.mark.parametrize("url", ["mysql://x@y/z", "sqlite:///db"])
def test_only_postgres_urls_are_accepted(url: str) -> None:
    with pytest.raises(ValidationError, match="postgresql"):
        Settings(database_url=url)


def test_plain_postgres_urls_get_the_asyncpg_driver() -> None:
    assert Settings(database_url="postgresql://u@h/db").database_url == (
        "postgresql+asyncpg://u@h/db")


def test_verification_keys_come_from_the_environment_as_json(
        monkeypatch: pytest.MonkeyPatch) -> None:
    previous = public_pem_of(generate_private_pem())
    monkeypatch.setenv("JWT_VERIFICATION_KEYS", json.dumps({"edu-1": previous}))
    assert Settings(jwt_kid="edu-2").jwt_verification_keys == {"edu-1": previous}


@pytest.mark.parametrize(("keys", "problem"), [
    ({"edu-0": "not a key"}, "not a PEM public key"),
    ({"edu-0": "RSA"}, "not an Ed25519 key"),
    ({"": "ED25519"}, "must not be empty"),
    ({"edu-1": "ED25519"}, "must not hold the signing kid"),
])
def test_unusable_verification_keys_are_refused(keys: dict[str, str], problem: str) -> None:
    samples = {"ED25519": public_pem_of(generate_private_pem()), "RSA": _rsa_public_pem()}
    with pytest.raises(ValidationError, match=problem):
        Settings(jwt_kid="edu-1",
                 jwt_verification_keys={kid: samples.get(pem, pem) for kid, pem in keys.items()})


def _rsa_public_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()
