"""One settings class for every process, read from the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import Field, IPvAnyNetwork, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from common.rates import Rate, RateSetting

Environment = Literal["development", "test", "production"]


def asyncpg_url(url: str) -> str:
    """A Postgres URL with the asyncpg driver SQLAlchemy and Alembic use here."""
    for plain in ("postgres://", "postgresql://"):
        if url.startswith(plain):
            return "postgresql+asyncpg://" + url.removeprefix(plain)
    if not url.startswith("postgresql+asyncpg://"):
        raise ValueError("DATABASE_URL must be a postgresql:// URL")
    return url


class Settings(BaseSettings):
    """Typed configuration; secrets never have usable defaults outside development and test."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    environment: Environment = "development"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/edu"
    redis_url: str = "redis://127.0.0.1:6379/0"
    data_dir: Path = Path(".edu")

    jwt_private_key: SecretStr | None = None
    jwt_public_key: str | None = None
    jwt_kid: str = "edu-1"
    # Public keys (PEM) by kid that verifiers accept besides the signing key's: the next key,
    # staged before the issuer switches to it, and the previous one, until the access tokens it
    # signed have expired (ADR 0023). JSON in the environment: {"edu-1": "-----BEGIN ..."}.
    jwt_verification_keys: dict[str, str] = Field(default_factory=dict)
    jwt_issuer: str = "eduplatform"
    jwt_audience: str = "eduplatform-api"
    access_token_ttl_seconds: int = Field(default=900, ge=30, le=3600)
    refresh_token_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=300)
    email_token_ttl_seconds: int = Field(default=24 * 3600, ge=300)
    password_reset_ttl_seconds: int = Field(default=3600, ge=300)
    email_requests_per_hour: int = Field(default=3, ge=1)

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    mail_from: str = "EduPlatform <no-reply@eduplatform.local>"
    web_base_url: str = "http://127.0.0.1:3001"

    arq_queue_name: str = "edu:queue"
    relay_batch_size: int = Field(default=200, ge=1, le=5000)
    relay_poll_seconds: float = Field(default=1.0, gt=0)
    # Backpressure: the relay stops handing out events while this many jobs wait in the queue,
    # so an overload piles up in the outbox (on disk, alerted on) rather than in Redis' memory.
    relay_max_queued_jobs: int = Field(default=20_000, ge=1)
    outbox_retention_hours: float = Field(default=72.0, gt=0)
    projection_job_timeout_seconds: int = Field(default=20, ge=1)
    projection_max_tries: int = Field(default=5, ge=1)

    search_backend: Literal["postgres", "meilisearch"] = "postgres"
    # The embedded search index lives in its own database, never beside the write tables;
    # unset, it is the write database's name with `_search` appended, on the same server.
    search_database_url: str | None = None
    meili_url: str | None = None
    meili_api_key: SecretStr | None = None
    meili_index: str = "courses"

    # The mock payment provider (write/billing/provider.py): how it answers a charge unless the
    # request names a test payment method; every call to it is cut off after the timeout.
    payment_provider_mode: Literal["succeed", "decline", "timeout"] = "succeed"
    payment_provider_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    # A pending payment this old is asked about again by the worker's reconciliation job.
    payment_retry_after_seconds: float = Field(default=60.0, gt=0)
    refund_window_days: int = Field(default=14, ge=0, le=365)

    probe_host: str = "127.0.0.1"
    worker_probe_port: int = Field(default=9101, ge=0, le=65535)
    relay_probe_port: int = Field(default=9102, ge=0, le=65535)

    consistency_wait_ms: int = Field(default=2000, ge=0, le=10000)
    # How long a search answer is kept and reused (0: every search asks the index).
    search_cache_seconds: float = Field(default=2.0, ge=0, le=60)
    # Course pages kept in each read API process, dropped when the projector announces a change;
    # the expiry only bounds staleness if an announcement is lost (0 keeps none: ADR 0017).
    page_cache_seconds: float = Field(default=30.0, ge=0, le=3600)
    page_cache_entries: int = Field(default=20_000, ge=0)
    # Live updates (server-sent events, ADR 0020): open streams per read API process, and the
    # interval of the keep-alive comments that also re-check the streams for missed wake-ups.
    live_max_streams: int = Field(default=1000, ge=1)
    live_heartbeat_seconds: float = Field(default=15.0, gt=0, le=300)
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    redis_max_connections: int = Field(default=50, ge=1)
    cors_origins: list[str] = Field(default_factory=list)

    # Rate limits (common/ratelimit.py, docs/adr/0015-rate-limits.md), each `count/seconds`.
    rate_limits_enabled: bool = True
    # The Redis the buckets live in; unset, REDIS_URL.
    rate_limit_redis_url: str | None = None
    # Peers whose X-Forwarded-For names the client (the nginx gateway); anyone else is the client.
    trusted_proxies: list[IPvAnyNetwork] = Field(default_factory=list)
    rate_login_per_ip: RateSetting = Rate(30, 60)
    rate_login_per_email: RateSetting = Rate(10, 600)
    rate_register_per_ip: RateSetting = Rate(20, 3600)
    rate_email_requests_per_ip: RateSetting = Rate(10, 3600)
    rate_email_requests_per_email: RateSetting = Rate(5, 3600)
    rate_auth_tokens_per_ip: RateSetting = Rate(120, 60)
    rate_commands_per_account: RateSetting = Rate(300, 60)
    # Per API process, kept in memory: sheds a flood before it reaches Redis or Postgres.
    rate_global_write: RateSetting = Rate(1000, 1)
    rate_global_read: RateSetting = Rate(4000, 1)

    @field_validator("database_url")
    @classmethod
    def _asyncpg_driver(cls, value: str) -> str:
        return asyncpg_url(value)

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str) -> str:
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("REDIS_URL must be a redis://, rediss:// or unix:// URL")
        return value

    @field_validator("jwt_verification_keys")
    @classmethod
    def _ed25519_public_keys(cls, keys: dict[str, str]) -> dict[str, str]:
        for kid, pem in keys.items():
            if not kid:
                raise ValueError("JWT_VERIFICATION_KEYS: a kid must not be empty")
            try:
                key = serialization.load_pem_public_key(pem.encode())
            except ValueError as exc:
                raise ValueError(f"JWT_VERIFICATION_KEYS[{kid!r}] is not a PEM public key") from exc
            if not isinstance(key, Ed25519PublicKey):
                raise ValueError(f"JWT_VERIFICATION_KEYS[{kid!r}] is not an Ed25519 key")
        return keys

    @model_validator(mode="after")
    def _signing_kid_is_unambiguous(self) -> Settings:
        # Two keys under one kid would make the verifier pick one; the signing key wins nowhere.
        if self.jwt_kid in self.jwt_verification_keys:
            raise ValueError(f"JWT_VERIFICATION_KEYS must not hold the signing kid {self.jwt_kid!r}")
        return self

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        if self.environment == "production" and not (self.jwt_private_key or self.jwt_public_key):
            raise ValueError(
                "production needs JWT_PRIVATE_KEY (write side) or JWT_PUBLIC_KEY (read side); "
                "refusing to start with generated development keys"
            )
        return self

    @property
    def search_database(self) -> str:
        """The search read index's database URL (asyncpg driver)."""
        if self.search_database_url:
            return asyncpg_url(self.search_database_url)
        base, _, name = self.database_url.rpartition("/")
        name, _, query = name.partition("?")
        return f"{base}/{name}_search" + (f"?{query}" if query else "")

    @property
    def database_url_plain(self) -> str:
        """The DSN without the SQLAlchemy driver suffix, for asyncpg and psql."""
        return self.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
