"""Verify-email, resend-verification, forgot-password and reset-password."""

from __future__ import annotations

import asyncio

from common.errors import Invalid
from common.settings import Settings
from write.events import UserEmailVerified, UserPasswordReset
from write.identity.commands import RequestEmail, ResetPassword, VerifyEmail
from write.identity.email_tokens import (
    consume_email_token,
    send_email_token,
    under_hourly_cap,
    void_unused_tokens,
)
from write.identity.secrets import hash_password
from write.identity.sessions import revoke_all_sessions
from write.identity.users import user_by_email, user_by_id
from write.outbox import UnitOfWork


async def verify_email(uow: UnitOfWork, cmd: VerifyEmail) -> None:
    token = await consume_email_token(uow, cmd.token, "verify_email")
    user = await user_by_id(uow, token.user_id, lock=True)
    if user is None:
        raise Invalid("the link is invalid", fields={"token": "unknown token"}, code="invalid_token")
    if not user.email_verified:
        user.email_verified = True
        user.touch()
        uow.record(UserEmailVerified(user_id=user.id))


async def resend_verification(uow: UnitOfWork, cmd: RequestEmail, settings: Settings) -> None:
    """Silent whatever the outcome, so the answer never tells whether an account exists."""
    user = await user_by_email(uow, cmd.email, lock=True)
    if user is None or user.email_verified or user.blocked:
        return
    if await under_hourly_cap(uow, user, "verify_email", settings):
        await send_email_token(uow, user, "verify_email", settings)


async def forgot_password(uow: UnitOfWork, cmd: RequestEmail, settings: Settings) -> None:
    """Silent whatever the outcome; at most the hourly cap of reset mails per account."""
    user = await user_by_email(uow, cmd.email, lock=True)
    if user is None or user.blocked:
        return
    if await under_hourly_cap(uow, user, "reset_password", settings):
        await send_email_token(uow, user, "reset_password", settings)


async def reset_password(uow: UnitOfWork, cmd: ResetPassword) -> None:
    """Sets the new password and ends every session of the account."""
    token = await consume_email_token(uow, cmd.token, "reset_password")
    user = await user_by_id(uow, token.user_id, lock=True)
    if user is None:
        raise Invalid("the link is invalid", fields={"token": "unknown token"}, code="invalid_token")
    user.password_hash = await asyncio.to_thread(hash_password, cmd.password)
    await void_unused_tokens(uow, user, "reset_password")
    await revoke_all_sessions(uow.session, user.id, "password_reset")
    user.touch()
    uow.record(UserPasswordReset(user_id=user.id))
