"""Issuing access tokens and refresh-token families (login sessions)."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import jwt
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from common.settings import Settings
from common.tokens import ALGORITHM, KeyMaterial
from write.identity.commands import TokenPair
from write.identity.models import RefreshFamily, RefreshToken, User
from write.identity.secrets import new_token


def utcnow() -> datetime:
    return datetime.now(UTC)


class TokenIssuer:
    """Mints short-lived access JWTs and rotating refresh tokens; only the write side has one."""

    def __init__(self, settings: Settings, keys: KeyMaterial) -> None:
        if keys.private_pem is None:
            raise RuntimeError("the write side needs the JWT private key")
        self._private_pem = keys.private_pem
        self._kid = keys.kid
        self._settings = settings

    def access_token(self, user: User) -> str:
        now = int(time.time())
        claims = {
            "sub": str(user.id),
            "role": user.role,
            "iat": now,
            "exp": now + self._settings.access_token_ttl_seconds,
            "iss": self._settings.jwt_issuer,
            "aud": self._settings.jwt_audience,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._private_pem, algorithm=ALGORITHM, headers={"kid": self._kid})

    async def start_session(self, session: AsyncSession, user: User) -> TokenPair:
        """A new refresh family (one per login) and its first token."""
        family = RefreshFamily(id=uuid.uuid4(), user_id=user.id)
        session.add(family)
        await session.flush()
        return await self.continue_session(session, family, user)

    async def continue_session(
        self, session: AsyncSession, family: RefreshFamily, user: User
    ) -> TokenPair:
        """The next refresh token of a family, with a fresh access token."""
        raw, token_hash = new_token()
        session.add(RefreshToken(
            family_id=family.id,
            token_hash=token_hash,
            expires_at=utcnow() + timedelta(seconds=self._settings.refresh_token_ttl_seconds),
        ))
        return TokenPair(
            access_token=self.access_token(user),
            refresh_token=raw,
            expires_in=self._settings.access_token_ttl_seconds,
        )


async def revoke_all_sessions(session: AsyncSession, user_id: uuid.UUID, reason: str) -> None:
    """Ends every login of a user (password reset, blocking)."""
    await session.execute(
        update(RefreshFamily)
        .where(RefreshFamily.user_id == user_id, RefreshFamily.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
