"""The vocabulary of the authorization matrix (tests/e2e/test_authorization_matrix.py): a row
says who may call one operation and how everyone else is refused; a call is prepared on the
shared world or, for an allowed one-shot command, on a resource made for it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from tests.authz_world import ACTORS, World

EVERYONE = frozenset(ACTORS)
SIGNED_IN = EVERYONE - {"anonymous", "blocked user"}
ADMIN = frozenset({"admin"})
STUDENT = frozenset({"student"})
EDITORS = frozenset({"owner", "admin"})
UNAUTHORIZED = (401, "unauthorized")
BLOCKED = (403, "account_blocked")


@dataclass(frozen=True)
class Call:
    path: str
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


# Makes the call; `fresh` asks for one-shot resources (the call is allowed and will use them up),
# otherwise a refused call aims at the shared world, which a refusal leaves as it was.
Prepare = Callable[[World, bool], Awaitable[Call]]


@dataclass(frozen=True)
class Row:
    """Who may call one operation (on one kind of target, `variant`), and how others are refused:
    `refusal` for signed-in callers, `anonymous` and `blocked` for those two, `besides` per
    caller where a refusal differs."""

    api: str
    method: str
    route: str
    allowed: frozenset[str]
    prepare: Prepare
    refusal: tuple[int, str] | None = None
    variant: str = ""
    anonymous: tuple[int, str] = UNAUTHORIZED
    blocked: tuple[int, str] = BLOCKED
    besides: dict[str, tuple[int, str]] = field(default_factory=dict)

    def expected(self, actor: str) -> tuple[int, str] | None:
        """None when the actor is allowed, else the refusal's status and code."""
        if actor in self.allowed:
            return None
        special = {"anonymous": self.anonymous, "blocked user": self.blocked, **self.besides}
        refusal = special.get(actor, self.refusal)
        assert refusal is not None, f"{self}: no refusal stated for {actor}"
        return refusal

    def __str__(self) -> str:
        return f"{self.api} {self.method} {self.route}" + (f" ({self.variant})" if self.variant
                                                            else "")


def at(path: Callable[[World], str], body: Callable[[World], dict[str, Any]] | None = None
       ) -> Prepare:
    """A call on the shared world (no one-shot resource)."""
    async def prepare(world: World, _fresh: bool) -> Call:
        return Call(path(world), body(world) if body else None)
    return prepare


def on(path: str, make: Callable[[World], Awaitable[str]], shared: Callable[[World], str],
       body: dict[str, Any] | None = None) -> Prepare:
    """A call on a one-shot resource: `path` holds `{}` for the id of a new one (`make`) or of
    the shared one (`shared`)."""
    async def prepare(world: World, fresh: bool) -> Call:
        return Call(path.format(await make(world) if fresh else shared(world)), body)
    return prepare


def public(route: str, prepare: Prepare) -> Row:
    """An identity endpoint: it needs no token, and a caller's token (even a blocked user's)
    does not get in its way."""
    async def with_route(world: World, fresh: bool) -> Call:
        call = await prepare(world, fresh)
        return Call(route, call.body, call.headers)
    return Row("write", "POST", route, EVERYONE, with_route)


def read(route: str, allowed: frozenset[str], path: Callable[[World], str], *,
         refusal: tuple[int, str] | None = None, variant: str = "",
         **callers: tuple[int, str]) -> Row:
    return Row("read", "GET", route, allowed, at(path), refusal=refusal, variant=variant,
               **callers)  # type: ignore[arg-type]


def unseen(code: str) -> dict[str, tuple[int, str]]:
    """A read that welcomes anonymous callers and treats a blocked one as anonymous."""
    return {"anonymous": (404, code), "blocked": (404, code)}
