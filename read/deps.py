"""Dependencies of the read API, as Annotated aliases. Only Redis and the search index here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from redis.asyncio import Redis

from common.errors import Forbidden, Unauthorized
from common.settings import Settings
from common.tokens import AccessClaims, AccessTokenVerifier
from read.consistency import parse_token, wait_until_applied
from read.live import LiveHub
from read.search.cache import SearchAnswers
from read.search.port import SearchIndex
from read.stores.billing import BillingReadStore
from read.stores.catalog import CatalogReadStore
from read.stores.learning import LearningReadStore
from read.stores.live import LiveStreams
from read.stores.notifications import NotificationsReadStore
from read.stores.page_cache import CoursePageCache
from read.stores.reviews import ReviewsReadStore
from read.stores.teacher import TeacherReadStore
from read.stores.users import UserDoc, UsersReadStore


@dataclass
class ReadResources:
    """Everything the read API needs, built once by the composition root. No database engine."""

    settings: Settings
    redis: Redis
    verifier: AccessTokenVerifier
    users: UsersReadStore
    catalog: CatalogReadStore
    learning: LearningReadStore
    notifications: NotificationsReadStore
    search: SearchIndex
    search_answers: SearchAnswers
    reviews: ReviewsReadStore
    billing: BillingReadStore
    teacher: TeacherReadStore
    pages: CoursePageCache
    live: LiveHub
    live_streams: LiveStreams


def resources_of(request: Request) -> ReadResources:
    resources: ReadResources = request.app.state.resources
    return resources


# Dependencies are `async def` so FastAPI calls them on the event loop, not in a thread, and
# take the resources from the request rather than from a dependency of their own: every node
# of the dependency graph costs each request (a quarter of a course page's CPU was solving it).
async def _users(request: Request) -> UsersReadStore:
    return resources_of(request).users


UsersStore = Annotated[UsersReadStore, Depends(_users)]


async def _catalog(request: Request) -> CatalogReadStore:
    return resources_of(request).catalog


async def _learning(request: Request) -> LearningReadStore:
    return resources_of(request).learning


async def _notifications(request: Request) -> NotificationsReadStore:
    return resources_of(request).notifications


async def _search_answers(request: Request) -> SearchAnswers:
    return resources_of(request).search_answers


CatalogStore = Annotated[CatalogReadStore, Depends(_catalog)]
SearchAnswersDep = Annotated[SearchAnswers, Depends(_search_answers)]
LearningStore = Annotated[LearningReadStore, Depends(_learning)]
NotificationsStore = Annotated[NotificationsReadStore, Depends(_notifications)]


async def _reviews(request: Request) -> ReviewsReadStore:
    return resources_of(request).reviews


ReviewsStore = Annotated[ReviewsReadStore, Depends(_reviews)]


async def _billing(request: Request) -> BillingReadStore:
    return resources_of(request).billing


BillingStore = Annotated[BillingReadStore, Depends(_billing)]


async def _teacher(request: Request) -> TeacherReadStore:
    return resources_of(request).teacher


TeacherStore = Annotated[TeacherReadStore, Depends(_teacher)]


async def _consistency(
    request: Request,
    token: Annotated[str | None, Header(alias="X-Consistency-Token")] = None,
) -> bool:
    """Waits for the sender's own change to be projected, or marks the answer stale. True when
    the request carried a token (the reader expects its own change: no cached answers)."""
    if token is None:
        return False
    resources = resources_of(request)
    fresh = await wait_until_applied(
        resources.redis, parse_token(token), resources.settings.consistency_wait_ms
    )
    # The HTTP plumbing puts this on the answer as X-Consistency, errors included.
    request.state.consistency = "fresh" if fresh else "stale"
    return True


Consistent = Annotated[bool, Depends(_consistency)]

_bearer = HTTPBearer(auto_error=False)


async def _claims(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AccessClaims:
    if credentials is None:
        raise Unauthorized()
    return resources_of(request).verifier.verify(credentials.credentials)


Claims = Annotated[AccessClaims, Depends(_claims)]


async def claims_if_sent(request: Request) -> AccessClaims | None:
    """Anonymous callers are welcome; a token that is sent must still be valid."""
    credentials = await _bearer(request)
    return resources_of(request).verifier.verify(credentials.credentials) if credentials else None


OptionalClaims = Annotated[AccessClaims | None, Depends(claims_if_sent)]


async def reader_if_known(request: Request, claims: AccessClaims | None) -> UserDoc | None:
    """The caller's user document, or None for anonymous, unknown or blocked callers."""
    if claims is None:
        return None
    user = await resources_of(request).users.get(claims.user_id)
    return None if user is None or user.blocked else user


async def _optional_reader(request: Request, claims: OptionalClaims, _: Consistent
                           ) -> UserDoc | None:
    return await reader_if_known(request, claims)


OptionalReader = Annotated[UserDoc | None, Depends(_optional_reader)]


async def _reader(request: Request, claims: Claims, _: Consistent) -> UserDoc:
    """The caller's own user document, after any requested consistency wait."""
    user = await resources_of(request).users.get(claims.user_id)
    if user is None:
        raise Unauthorized("the account is not known (yet); retry with the consistency token",
                           code="unknown_account")
    if user.blocked:
        raise Forbidden("this account is blocked", code="account_blocked")
    return user


Reader = Annotated[UserDoc, Depends(_reader)]


async def _admin(user: Reader) -> UserDoc:
    if user.role != "admin":
        raise Forbidden("admins only", code="admin_required")
    return user


AdminReader = Annotated[UserDoc, Depends(_admin)]
