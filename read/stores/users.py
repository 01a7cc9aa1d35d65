"""The users read model: one document per user plus sorted sets for the admin list."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel
from redis.asyncio import Redis

from read.pagination import next_cursor
from read.stores.documents import DocumentSpace, IndexEntry, as_str

PROJECTION = "users"
MAX_PREFIX_CANDIDATES = 500


class UserDoc(BaseModel):
    """What the read side knows about a user (never a password hash or token)."""

    id: UUID
    email: str
    name: str
    role: Literal["student", "teacher", "admin"]
    teacher_verified: bool
    email_verified: bool
    blocked: bool
    created_at: datetime
    updated_at: datetime
    version: int

    @property
    def pending_teacher(self) -> bool:
        return self.role == "teacher" and not self.teacher_verified


def search_terms(doc: UserDoc) -> set[str]:
    """Lower-cased prefixes are matched against the email, the full name and each name word."""
    name = doc.name.lower()
    return {doc.email.lower(), name, *name.split()}


def index_entries(doc: UserDoc) -> list[IndexEntry]:
    score = doc.created_at.timestamp()
    member = str(doc.id)
    sets = ["all", f"role:{doc.role}", f"blocked:{int(doc.blocked)}"]
    if doc.pending_teacher:
        sets.append("pending_teacher")
    entries = [IndexEntry(name, score, member) for name in sets]
    entries += [IndexEntry("lex", 0, f"{term}\x00{member}") for term in search_terms(doc)]
    return entries


@dataclass(frozen=True)
class UserFilter:
    role: str | None = None
    blocked: bool | None = None
    pending_teacher: bool = False
    q: str | None = None


@dataclass(frozen=True)
class UserPage:
    items: list[UserDoc]
    total: int
    next_cursor: str | None


class UsersReadStore:
    """Queries over the users projection; used by the read API only."""

    def __init__(self, redis: Redis) -> None:
        self.space = DocumentSpace(redis, PROJECTION)
        self.redis = redis

    async def get(self, user_id: str) -> UserDoc | None:
        doc = await self.space.get_current(user_id)
        return UserDoc.model_validate(doc) if doc else None

    async def list(self, flt: UserFilter, *, limit: int, offset: int) -> UserPage:
        gen = await self.space.current_generation()
        if flt.q:
            return await self._list_by_prefix(gen, flt, limit=limit, offset=offset)
        source = await self._filtered_set(gen, flt)
        total = await self.redis.zcard(source)
        ids = await self.redis.zrevrange(source, offset, offset + limit - 1)
        docs = await self.space.get_many(gen, [as_str(i) for i in ids])
        return UserPage([UserDoc.model_validate(d) for d in docs], total,
                        next_cursor(offset, limit, total))

    async def _filtered_set(self, gen: int, flt: UserFilter) -> str:
        sets = [self.space.key(gen, name) for name in _set_names(flt)]
        if len(sets) == 1:
            return sets[0]
        # Recomputed on every request (never served stale); the key only lives a few seconds.
        digest = hashlib.sha1("|".join(sets).encode()).hexdigest()[:16]
        target = self.space.key(gen, f"tmp:{digest}")
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zinterstore(target, sets, aggregate="MAX")
            pipe.expire(target, 5)
            await pipe.execute()
        return target

    async def _list_by_prefix(self, gen: int, flt: UserFilter, *, limit: int, offset: int
                              ) -> UserPage:
        prefix = flt.q.strip().lower() if flt.q else ""
        members = await self.redis.zrangebylex(
            self.space.key(gen, "lex"), b"[" + prefix.encode(), b"[" + prefix.encode() + b"\xff",
            start=0, num=MAX_PREFIX_CANDIDATES,
        )
        ids = list(dict.fromkeys(as_str(m).rsplit("\x00", 1)[1] for m in members))
        docs = [UserDoc.model_validate(d) for d in await self.space.get_many(gen, ids)]
        matching = sorted((d for d in docs if _matches(d, flt)),
                          key=lambda d: d.created_at, reverse=True)
        page = matching[offset:offset + limit]
        return UserPage(page, len(matching), next_cursor(offset, limit, len(matching)))


def _set_names(flt: UserFilter) -> list[str]:
    names = []
    if flt.role:
        names.append(f"role:{flt.role}")
    if flt.blocked is not None:
        names.append(f"blocked:{int(flt.blocked)}")
    if flt.pending_teacher:
        names.append("pending_teacher")
    return names or ["all"]


def _matches(doc: UserDoc, flt: UserFilter) -> bool:
    return ((flt.role is None or doc.role == flt.role)
            and (flt.blocked is None or doc.blocked == flt.blocked)
            and (not flt.pending_teacher or doc.pending_teacher))
