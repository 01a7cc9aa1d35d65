"""RegisterUser: a student or teacher account, plus a verification mail."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy.exc import IntegrityError

from common.errors import Conflict
from common.settings import Settings
from write.events import UserRegistered
from write.identity.commands import Registered, RegisterUser
from write.identity.email_tokens import send_email_token
from write.identity.models import User
from write.identity.secrets import hash_password
from write.identity.users import user_by_email
from write.outbox import UnitOfWork


def email_taken() -> Conflict:
    return Conflict("this email is already registered", fields={"email": "already registered"},
                    code="email_taken")


async def register_user(uow: UnitOfWork, cmd: RegisterUser, settings: Settings) -> Registered:
    if await user_by_email(uow, cmd.email) is not None:
        raise email_taken()
    password_hash = await asyncio.to_thread(hash_password, cmd.password)
    user = User(
        id=uuid.uuid4(), email=cmd.email, name=cmd.name, password_hash=password_hash,
        role=cmd.role, teacher_verified=False, email_verified=False, blocked=False, version=1,
    )
    uow.session.add(user)
    try:
        await uow.session.flush()
    except IntegrityError as exc:  # a concurrent registration of the same email won the race
        raise email_taken() from exc
    uow.record(UserRegistered(user_id=user.id, email=user.email, name=user.name, role=cmd.role))
    await send_email_token(uow, user, "verify_email", settings)
    return Registered(id=user.id, email=user.email, role=user.role)
