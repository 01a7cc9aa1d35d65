"""ChangeUserAccess (admin): role, teacher verification, blocking."""

from __future__ import annotations

import uuid

from common.errors import Conflict, Invalid, NotFound
from write.events import UserAccessChanged, UserRegistered
from write.identity.commands import ChangeUserAccess, UserAccess
from write.identity.handlers.register import email_taken
from write.identity.models import User
from write.identity.sessions import revoke_all_sessions
from write.identity.users import user_by_email, user_by_id
from write.outbox import UnitOfWork


def _check(admin: User, target: User, cmd: ChangeUserAccess) -> None:
    if target.id == admin.id and (cmd.blocked or cmd.role not in (None, "admin")):
        raise Conflict("an admin cannot block themselves or drop their own admin role",
                       code="self_lockout")
    role = cmd.role or target.role
    if cmd.teacher_verified and role != "teacher":
        raise Invalid("only teachers can be verified",
                      fields={"teacher_verified": "the user is not a teacher"})


async def change_user_access(
    uow: UnitOfWork, admin: User, user_id: uuid.UUID, cmd: ChangeUserAccess
) -> UserAccess:
    target = await user_by_id(uow, user_id, lock=True)
    if target is None:
        raise NotFound("no such user", code="user_not_found")
    _check(admin, target, cmd)
    before = (target.role, target.teacher_verified, target.blocked)
    if cmd.role is not None:
        target.role = cmd.role
    if cmd.teacher_verified is not None:
        target.teacher_verified = cmd.teacher_verified
    if target.role != "teacher":
        target.teacher_verified = False
    if cmd.blocked is not None:
        target.blocked = cmd.blocked
    if (target.role, target.teacher_verified, target.blocked) != before:
        if target.blocked:
            await revoke_all_sessions(uow.session, target.id, "blocked")
        target.touch()
        uow.record(UserAccessChanged(
            user_id=target.id, role=target.role, teacher_verified=target.teacher_verified,
            blocked=target.blocked, changed_by=admin.id,
        ))
    return UserAccess(id=target.id, role=target.role, teacher_verified=target.teacher_verified,
                      blocked=target.blocked, version=target.version)


async def create_admin(uow: UnitOfWork, *, email: str, name: str, password_hash: str) -> User:
    """The operator's way to make the first admin (never reachable over HTTP)."""
    if await user_by_email(uow, email) is not None:
        raise email_taken()
    user = User(id=uuid.uuid4(), email=email, name=name, password_hash=password_hash, role="admin",
                teacher_verified=False, email_verified=True, blocked=False, version=1)
    uow.session.add(user)
    await uow.session.flush()
    uow.record(UserRegistered(user_id=user.id, email=email, name=name, role="admin"))
    return user
