"""Settings refuse unsafe configurations before any process starts."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from common.settings import Settings
from common.tokens import generate_private_pem, load_keys


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
