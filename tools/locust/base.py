"""What every simulated person shares: signing in and staying signed in, calling the write API,
the read API or the naive baseline under one request name per endpoint group, judging answers,
and consistency tokens.

A command's answer carries `X-Consistency-Token`; the person sends it back on the read that shows
the change (the page they land on next), and that read must come back `X-Consistency: fresh`.
"""

from __future__ import annotations

import base64
import json
import random
import time
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from locust import FastHttpUser, TaskSet
from locust.exception import StopUser

from tools.locust.accounts import Account, AccountPool, admin_account
from tools.locust.options import RunOptions

TOKEN = "X-Consistency-Token"
NO_TOLERANCE: Mapping[int, Collection[str]] = {}


@dataclass
class Run:
    """The settings of the current run, set by the locustfile when the test starts."""

    options: RunOptions | None = None
    accounts: AccountPool | None = field(default=None, repr=False)

    def start(self, options: RunOptions) -> None:
        self.options, self.accounts = options, AccountPool(options)


RUN = Run()


def run_options() -> RunOptions:
    if RUN.options is None:
        raise RuntimeError("the run has not started: load tools/locust/locustfile.py with Locust")
    return RUN.options


class Answer(NamedTuple):
    status: int
    body: Any
    token: str | None  # the consistency token of a command's answer


def weighted(*steps: tuple[Callable[..., Any], int]) -> list[TaskSet | Callable[..., Any]]:
    """A user's task list: each step as often as its weight (what Locust's {task: weight} means)."""
    return [step for step, weight in steps for _ in range(weight)]


def _error_code(body: Any) -> str:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("code", ""))
    return ""


def _subject(access_token: str) -> str:
    """The user id in our own access token (read, not verified: the API verifies it)."""
    payload = access_token.split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"])


class PlatformUser(FastHttpUser):
    abstract = True
    network_timeout = 10.0
    connection_timeout = 5.0
    role = "student"
    signs_in = True
    reads = True  # the read-only and mix profiles read; the write profile does not
    commands = True  # …and the read-only one sends no command

    account: Account
    access_token: str | None = None
    refresh_token = ""
    refresh_at = 0.0
    user_id = ""

    def wait_time(self) -> float:
        return run_options().think_time * random.uniform(0.5, 1.5)

    def on_start(self) -> None:
        if self.signs_in:
            self.sign_in(RUN.accounts.next(self.role) if RUN.accounts else None)

    # -- requests ---------------------------------------------------------------------------

    def call(self, method: str, path: str, name: str, *, target: str = "read",
             ok: Collection[int] = (200,), tolerated: Mapping[int, Collection[str]] = NO_TOLERANCE,
             body: Any = None, token: str | None = None, headers: Mapping[str, str] | None = None,
             signed: bool = True) -> Answer | None:
        """One request, recorded as `name`. Succeeds on a status in `ok`, or on an error whose
        code a person takes in stride (`tolerated`, e.g. 409 already_enrolled); anything else,
        a 5xx, a timeout or a stale read-back is a failure, and the answer is None."""
        sent = dict(headers or {})
        if signed and self.access_token is not None:
            self.keep_signed_in()
            sent["Authorization"] = f"Bearer {self.access_token}"
        if token:
            sent[TOKEN] = token
        url = getattr(run_options().targets, target) + path
        with self.client.request(method, url, name=name, json=body, headers=sent,
                                 catch_response=True) as response:
            status = response.status_code or 0
            try:
                parsed = response.json() if response.content else None
            except ValueError:
                parsed = None
            code = _error_code(parsed)
            if status not in ok and code not in tolerated.get(status, ()):
                response.failure(f"{status} {code or 'unexpected answer'}")
                return None
            if token and (response.headers or {}).get("X-Consistency") != "fresh":
                response.failure("stale read: the change was not visible in time")
                return None
            response.success()
            return Answer(status, parsed, (response.headers or {}).get(TOKEN))

    def read_back(self, path: str, name: str, token: str | None) -> Answer | None:
        """The read a person makes right after a command, expecting to see it."""
        return self.call("GET", path, name, token=token) if self.reads else None

    # -- signing in -------------------------------------------------------------------------

    def sign_in(self, account: Account | None) -> None:
        if account is None:
            raise StopUser()
        if account.fresh:
            self.register(account)
        if not self.log_in(account):
            raise StopUser()

    def register(self, account: Account) -> None:
        made = self.call("POST", "/api/auth/register", "POST /api/auth/register", target="write",
                         ok=(201,), signed=False, body={
                             "email": account.email, "password": account.password,
                             "name": f"Load {self.role.title()}", "role": self.role})
        if made is None:
            raise StopUser()
        if self.role == "teacher":
            self.verify_teacher(made.body["id"])

    def verify_teacher(self, teacher_id: str) -> None:
        """A registered teacher may author only once an admin verifies them."""
        admin = admin_account(run_options())
        answer = self.call("POST", "/api/auth/login", "POST /api/auth/login", target="write",
                           signed=False, body={"email": admin.email, "password": admin.password})
        if answer is None or self.call(
                "PATCH", f"/api/admin/users/{teacher_id}", "PATCH /api/admin/users/{id}",
                target="write", signed=False, body={"teacher_verified": True},
                headers={"Authorization": f"Bearer {answer.body['access_token']}"}) is None:
            raise StopUser()

    def log_in(self, account: Account) -> bool:
        answer = self.call("POST", "/api/auth/login", "POST /api/auth/login", target="write",
                           signed=False, body={"email": account.email, "password": account.password})
        if answer is not None:
            self._keep(answer.body)
            self.account = account
        return answer is not None

    def keep_signed_in(self) -> None:
        """Refreshes the access token shortly before it expires, keeping the rotated refresh
        token; a refused refresh (e.g. the session was ended) signs in again."""
        if time.monotonic() < self.refresh_at:
            return
        self.access_token = None  # the refresh itself goes unsigned
        answer = self.call("POST", "/api/auth/refresh", "POST /api/auth/refresh", target="write",
                           signed=False, body={"refresh_token": self.refresh_token})
        if answer is not None:
            self._keep(answer.body)
        elif not self.log_in(self.account):
            raise StopUser()

    def _keep(self, pair: dict[str, Any]) -> None:
        lifetime = float(pair["expires_in"])
        self.access_token, self.refresh_token = pair["access_token"], pair["refresh_token"]
        self.refresh_at = time.monotonic() + max(lifetime - run_options().refresh_margin, lifetime / 10)
        self.user_id = _subject(pair["access_token"])

    @staticmethod
    def idempotency_key() -> str:
        return str(uuid.uuid4())
