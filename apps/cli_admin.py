"""Operator actions the CLI exposes that write to the database."""

from __future__ import annotations

import asyncio

from pydantic import EmailStr, TypeAdapter

from common.settings import Settings
from write.db import create_engine, create_sessionmaker
from write.identity.commands import check_password_strength
from write.identity.handlers.admin import create_admin
from write.identity.secrets import hash_password
from write.outbox import UnitOfWork


async def create_admin_account(settings: Settings, *, email: str, name: str, password: str) -> str:
    """Creates an admin (email verified); returns the new user id."""
    email = TypeAdapter(EmailStr).validate_python(email)
    check_password_strength(password)
    engine = create_engine(settings, pool_size=1)
    try:
        async with create_sessionmaker(engine)() as session:
            uow = UnitOfWork(session)
            password_hash = await asyncio.to_thread(hash_password, password)
            user = await create_admin(uow, email=email, name=name, password_hash=password_hash)
            await uow.commit()
            return str(user.id)
    finally:
        await engine.dispose()
