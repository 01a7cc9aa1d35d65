"""A steady mix of real commands and reads over HTTP, remembering what committed and what every
request was answered (or not), so a test can check both after a fault."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.harness import Platform
from tests.shop import SELLER, Shop, payment_body

PASSWORD = "correct-horse-1"
# Transport failures that mean "nobody answered at that address" (a killed process), not a hang.
NO_ANSWER = (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


@dataclass(frozen=True)
class Answer:
    """One request: what was asked, when (event-loop time), how long it took, what came back."""

    op: str
    at: float
    seconds: float
    status: int | None  # None: no answer (see `failure`)
    failure: str | None = None
    retry_after: str | None = None
    code: str | None = None


@dataclass
class Student:
    id: str
    email: str
    headers: dict[str, str]
    expired: bool = False  # a command was refused 401: the access token ran out
    enrolled: bool = False
    paid: bool = False
    completed: set[str] = field(default_factory=set)


async def free_lessons(shop: Shop) -> list[str]:
    """The free course's lessons (the shop lists only the paid course's)."""
    page = (await shop.teacher.read(f"/api/courses/{shop.free}")).json()
    return [lesson["id"] for module in page["modules"] for lesson in module["lessons"]]


class Load:
    """Commands from the teacher and a growing crowd of students; reads of the catalog."""

    def __init__(self, platform: Platform, shop: Shop, free_lessons: list[str],
                 rng: random.Random) -> None:
        self.p, self.shop, self.free_lessons, self.rng = platform, shop, free_lessons, rng
        self.answers: list[Answer] = []
        # What the API said it committed (a 2xx): kind -> ids.
        self.committed: dict[str, list[str]] = defaultdict(list)
        self.succeeded_payments: list[tuple[str, str]] = []  # (student id, course id)
        self.students: list[Student] = []
        self.drafts: list[str] = []

    async def send(self, op: str, client: httpx.AsyncClient, method: str, path: str,
                   **kwargs: Any) -> httpx.Response | None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            response = await client.request(method, path, **kwargs)
        except (httpx.TimeoutException, *NO_ANSWER) as exc:
            self.answers.append(Answer(op, started, loop.time() - started, None,
                                       failure=type(exc).__name__))
            return None
        code = None
        if response.status_code >= 400 and "json" in response.headers.get("content-type", ""):
            code = response.json().get("error", {}).get("code")
        self.answers.append(Answer(op, started, loop.time() - started, response.status_code,
                                   retry_after=response.headers.get("Retry-After"), code=code))
        return response

    async def command(self, op: str, method: str, path: str, *, kind: str | None = None,
                      student: Student | None = None, **kwargs: Any) -> dict[str, Any] | None:
        """A command; its body when it committed (2xx), recorded under `kind` by its id."""
        response = await self.send(op, self.p.write, method, path, **kwargs)
        if response is not None and response.status_code == 401 and student is not None:
            student.expired = True
        if response is None or not response.is_success:
            return None
        body: dict[str, Any] = response.json() if response.content else {}
        if kind is not None:
            self.committed[kind].append(str(body["id"]))
        return body

    async def newcomer(self) -> None:
        email = f"s-{uuid.uuid4().hex[:12]}@example.com"
        registered = await self.command("register", "POST", "/api/auth/register", kind="user",
                                        json={"email": email, "password": PASSWORD,
                                              "name": "Fault Student", "role": "student"})
        if registered is None:
            return
        tokens = await self.command("login", "POST", "/api/auth/login",
                                    json={"email": email, "password": PASSWORD})
        if tokens is not None:
            self.students.append(Student(str(registered["id"]), email,
                                         {"Authorization": f"Bearer {tokens['access_token']}"}))

    async def sign_in_again(self, student: Student) -> None:
        """A student whose access token expired signs in again, as the web app would refresh."""
        tokens = await self.command("login", "POST", "/api/auth/login",
                                    json={"email": student.email, "password": PASSWORD})
        if tokens is not None:
            student.headers = {"Authorization": f"Bearer {tokens['access_token']}"}
            student.expired = False

    async def author(self) -> None:
        teacher = self.shop.teacher.auth
        if self.drafts and self.rng.random() < 0.5:
            await self.command("add module", "POST",
                               f"/api/courses/{self.rng.choice(self.drafts)}/modules",
                               kind="module", json={"title": "More"}, headers=teacher)
        else:
            course = await self.command("create course", "POST", "/api/courses", kind="course",
                                        json={"title": f"Draft {len(self.drafts)}"},
                                        headers=teacher)
            if course is not None:
                self.drafts.append(str(course["id"]))
        # No await since that command's answer was recorded: it is the last one.
        if self.answers[-1].status == 401:  # the teacher's access token ran out: sign in again
            tokens = await self.command("login", "POST", "/api/auth/login",
                                        json={"email": SELLER, "password": PASSWORD})
            if tokens is not None:
                self.shop.teacher.tokens = tokens

    async def study(self, student: Student) -> None:
        if student.expired:
            await self.sign_in_again(student)
            return
        if not student.enrolled:
            student.enrolled = await self.command(
                "enroll", "POST", "/api/enrollments", kind="enrollment",
                json={"course_id": self.shop.free}, headers=student.headers,
                student=student) is not None
        elif not student.paid:
            paid = await self.command("pay", "POST", "/api/payments", kind="payment",
                                      json=payment_body(self.shop.paid), student=student,
                                      headers={**student.headers,
                                               "Idempotency-Key": str(uuid.uuid4())})
            if paid is not None:
                student.paid = True
                if paid["status"] == "succeeded":
                    self.succeeded_payments.append((student.id, self.shop.paid))
        else:
            left = [lesson for lesson in self.free_lessons + self.shop.lessons
                    if lesson not in student.completed]
            if not left:
                return
            lesson = self.rng.choice(left)
            if await self.command("complete lesson", "POST", f"/api/lessons/{lesson}/complete",
                                  headers=student.headers, student=student) is not None:
                student.completed.add(lesson)
                self.committed["completion"].append(f"{student.id}:{lesson}")

    async def one_command(self) -> None:
        roll = self.rng.random()
        if roll < 0.25 or not self.students:
            await self.newcomer()
        elif roll < 0.45:
            await self.author()
        else:
            await self.study(self.rng.choice(self.students))

    async def one_read(self) -> None:
        path, params = self.rng.choice([
            (f"/api/courses/{self.shop.free}", {}), (f"/api/courses/{self.shop.paid}", {}),
            ("/api/catalog/lists/newest", {}), ("/api/courses", {"q": "course"})])
        op = {"/api/courses": "search", "/api/catalog/lists/newest": "list"}.get(path, "page")
        await self.send(op, self.p.read, "GET", path, params=params)

    async def _loop(self, step: Any, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await step()
            await asyncio.sleep(self.rng.uniform(0.01, 0.05))

    @asynccontextmanager
    async def running(self, clients: int = 1) -> AsyncIterator[None]:
        """Commands and reads keep coming (`clients` of each in flight) until the block ends."""
        stop = asyncio.Event()
        tasks = [asyncio.create_task(self._loop(step, stop))
                 for _ in range(clients) for step in (self.one_command, self.one_read)]
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks)

    def during(self, start: float, end: float, *ops: str) -> list[Answer]:
        """Answers to requests sent between two moments (event-loop time), of the given ops."""
        return [a for a in self.answers if start <= a.at <= end and (not ops or a.op in ops)]
