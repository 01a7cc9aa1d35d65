"""Queries about users: the caller's profile and the admin user list (Redis only)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from read.deps import AdminReader, Consistent, Reader, UsersStore
from read.pagination import Cursor, offset_from
from read.stores.users import UserDoc, UserFilter

router = APIRouter(prefix="/api", tags=["users"])


class UserList(BaseModel):
    items: list[UserDoc]
    total: int
    next_cursor: str | None


@router.get("/me", response_model=UserDoc)
async def me(user: Reader) -> UserDoc:
    """The caller's profile, role and flags."""
    return user


@router.get("/admin/users", response_model=UserList)
async def list_users(
    _: AdminReader,
    users: UsersStore,
    __: Consistent,
    role: Literal["student", "teacher", "admin"] | None = None,
    blocked: bool | None = None,
    pending_verification: Annotated[bool, Query(description="teachers awaiting verification")
                                    ] = False,
    q: Annotated[str | None, Query(min_length=1, max_length=100,
                                   description="prefix of email or name")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Cursor = None,
) -> UserList:
    """Users for admins: filter by role, blocked, pending teacher verification; prefix search."""
    offset = offset_from(cursor)
    page = await users.list(
        UserFilter(role=role, blocked=blocked, pending_teacher=pending_verification, q=q),
        limit=limit, offset=offset,
    )
    return UserList(items=page.items, total=page.total, next_cursor=page.next_cursor)
