"""Login: the same 401 for an unknown email and a wrong password; 403 for a blocked account."""

from __future__ import annotations

import asyncio

from common.errors import Forbidden, Unauthorized
from write.identity.commands import Login, TokenPair
from write.identity.secrets import verify_password
from write.identity.sessions import TokenIssuer
from write.identity.users import user_by_email
from write.outbox import UnitOfWork


async def login(uow: UnitOfWork, cmd: Login, issuer: TokenIssuer) -> TokenPair:
    user = await user_by_email(uow, cmd.email)
    password_hash = user.password_hash if user else None
    if not await asyncio.to_thread(verify_password, password_hash, cmd.password) or user is None:
        raise Unauthorized("wrong email or password", code="invalid_credentials")
    if user.blocked:
        raise Forbidden("this account is blocked", code="account_blocked")
    return await issuer.start_session(uow.session, user)
