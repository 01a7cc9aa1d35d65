"""Single-use email tokens: issue (rate-capped per account), consume."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from common.errors import Invalid
from common.settings import Settings
from write.events import PasswordResetEmailRequested, VerificationEmailRequested
from write.identity.models import EmailToken, TokenPurpose, User
from write.identity.secrets import digest, new_token
from write.identity.sessions import utcnow
from write.outbox import UnitOfWork


async def under_hourly_cap(uow: UnitOfWork, user: User, purpose: TokenPurpose,
                           settings: Settings) -> bool:
    """True while the account has asked for fewer mails of this kind than the hourly cap.

    The caller holds the user row lock, so concurrent requests cannot both pass the check.
    """
    sent = await uow.session.scalar(
        select(func.count()).select_from(EmailToken).where(
            EmailToken.user_id == user.id,
            EmailToken.purpose == purpose,
            EmailToken.created_at > func.now() - timedelta(hours=1),
        )
    )
    return (sent or 0) < settings.email_requests_per_hour


async def send_email_token(uow: UnitOfWork, user: User, purpose: TokenPurpose,
                           settings: Settings) -> None:
    """Stores a new token's hash and asks the mail worker to send the raw token."""
    raw, token_hash = new_token()
    ttl = (settings.email_token_ttl_seconds if purpose == "verify_email"
           else settings.password_reset_ttl_seconds)
    uow.session.add(EmailToken(
        user_id=user.id, purpose=purpose, token_hash=token_hash,
        expires_at=utcnow() + timedelta(seconds=ttl),
    ))
    event_type = (VerificationEmailRequested if purpose == "verify_email"
                  else PasswordResetEmailRequested)
    uow.record(event_type(user_id=user.id, email=user.email, name=user.name, token=raw))


async def consume_email_token(uow: UnitOfWork, raw: str, purpose: TokenPurpose) -> EmailToken:
    """Marks a valid token used; unknown, expired or used tokens are refused."""
    token = await uow.session.scalar(
        select(EmailToken)
        .where(EmailToken.token_hash == digest(raw), EmailToken.purpose == purpose)
        .with_for_update()
    )
    if token is None:
        raise Invalid("the link is invalid", fields={"token": "unknown token"}, code="invalid_token")
    if token.used_at is not None:
        raise Invalid("the link was already used", fields={"token": "already used"},
                      code="token_used")
    if token.expires_at <= utcnow():
        raise Invalid("the link has expired", fields={"token": "expired"}, code="token_expired")
    token.used_at = utcnow()
    return token


async def void_unused_tokens(uow: UnitOfWork, user: User, purpose: TokenPurpose) -> None:
    await uow.session.execute(
        update(EmailToken)
        .where(EmailToken.user_id == user.id, EmailToken.purpose == purpose,
               EmailToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
