"""Refresh with rotation; presenting an already-rotated token revokes the whole family."""

from __future__ import annotations

from sqlalchemy import select

from common.errors import Forbidden, Unauthorized
from write.identity.commands import Logout, Refresh, TokenPair
from write.identity.models import RefreshFamily, RefreshToken
from write.identity.secrets import digest
from write.identity.sessions import TokenIssuer, utcnow
from write.identity.users import user_by_id
from write.outbox import UnitOfWork


class RefreshTokenReused(Unauthorized):
    """The family is revoked by the handler; the endpoint commits that before answering 401."""

    def __init__(self) -> None:
        super().__init__("refresh token was already used; every session of this login is revoked",
                         code="refresh_token_reused")


async def _locked_token(uow: UnitOfWork, raw: str) -> tuple[RefreshToken, RefreshFamily] | None:
    row = (await uow.session.execute(
        select(RefreshToken, RefreshFamily)
        .join(RefreshFamily, RefreshFamily.id == RefreshToken.family_id)
        .where(RefreshToken.token_hash == digest(raw))
        .with_for_update()
    )).first()
    return (row[0], row[1]) if row else None


async def refresh(uow: UnitOfWork, cmd: Refresh, issuer: TokenIssuer) -> TokenPair:
    found = await _locked_token(uow, cmd.refresh_token)
    if found is None:
        raise Unauthorized("refresh token is invalid", code="invalid_refresh_token")
    token, family = found
    if family.revoked_at is not None:
        raise Unauthorized("this session has ended; log in again", code="session_revoked")
    if token.rotated_at is not None:
        family.revoked_at, family.revoked_reason = utcnow(), "reuse_detected"
        raise RefreshTokenReused()
    if token.expires_at <= utcnow():
        raise Unauthorized("refresh token expired; log in again", code="refresh_token_expired")
    user = await user_by_id(uow, family.user_id)
    if user is None or user.blocked:
        raise Forbidden("this account is blocked", code="account_blocked")
    token.rotated_at = utcnow()
    return await issuer.continue_session(uow.session, family, user)


async def logout(uow: UnitOfWork, cmd: Logout) -> None:
    """Ends the login the token belongs to; an unknown token is already logged out."""
    found = await _locked_token(uow, cmd.refresh_token)
    if found is not None and found[1].revoked_at is None:
        found[1].revoked_at, found[1].revoked_reason = utcnow(), "logout"
