"""Dependencies of the write API, as Annotated aliases; resources come from the app's state."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from common.errors import Forbidden, Unauthorized
from common.settings import Settings
from common.tokens import AccessTokenVerifier
from write.identity.models import User
from write.identity.sessions import TokenIssuer
from write.identity.users import user_by_id
from write.outbox import UnitOfWork


@dataclass
class WriteResources:
    """Everything the write API needs, built once by the composition root."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    issuer: TokenIssuer
    verifier: AccessTokenVerifier


async def _resources(request: Request) -> WriteResources:
    resources: WriteResources = request.app.state.resources
    return resources


Resources = Annotated[WriteResources, Depends(_resources)]


async def _settings(resources: Resources) -> Settings:
    return resources.settings


async def _issuer(resources: Resources) -> TokenIssuer:
    return resources.issuer


async def _unit_of_work(resources: Resources) -> AsyncIterator[UnitOfWork]:
    async with resources.sessions() as session:
        # Leaving without the endpoint's commit rolls everything back, events included.
        yield UnitOfWork(session)


AppSettings = Annotated[Settings, Depends(_settings)]
Issuer = Annotated[TokenIssuer, Depends(_issuer)]
WriteSession = Annotated[UnitOfWork, Depends(_unit_of_work)]

_bearer = HTTPBearer(auto_error=False)


async def _current_user(
    uow: WriteSession,
    resources: Resources,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    if credentials is None:
        raise Unauthorized()
    claims = resources.verifier.verify(credentials.credentials)
    user = await user_by_id(uow, _uuid(claims.user_id))
    if user is None:
        raise Unauthorized("the account no longer exists", code="invalid_token")
    if user.blocked:
        raise Forbidden("this account is blocked", code="account_blocked")
    return user


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise Unauthorized("access token is invalid", code="invalid_token") from exc


CurrentUser = Annotated[User, Depends(_current_user)]


async def _admin(user: CurrentUser) -> User:
    if user.role != "admin":
        raise Forbidden("admins only", code="admin_required")
    return user


AdminUser = Annotated[User, Depends(_admin)]
