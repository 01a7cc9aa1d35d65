"""Which account each simulated person signs in with.

`seed`: the accounts `edu seed` made (tools/seed.py and tools/seed_learning.py name them and set
their password); `demo`: the few `edu up` loads (apps/seed.py); `register`: a fresh account per
person. Accounts are handed out round robin from a random start, so a run spreads over the pool
and two Locust processes seldom start on the same account.
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Iterator
from typing import NamedTuple

from tools.locust.options import RunOptions
from tools.seed import SEED_PASSWORD, teacher_email
from tools.seed_learning import student_email

DEMO_PASSWORD = "demo-pass-2026"
DEMO_STUDENTS = ("student@example.com", "ivan@example.com")
DEMO_TEACHERS = ("teacher@example.com",)
REGISTER_PASSWORD = "load-pass-2026"


class Account(NamedTuple):
    email: str
    password: str
    fresh: bool = False  # not registered yet


def _cycle(size: int) -> Iterator[int]:
    start = random.randrange(size)
    return (n % size for n in itertools.count(start))


class AccountPool:
    def __init__(self, options: RunOptions) -> None:
        self.options = options
        self._students = _cycle(options.seed_students if options.accounts == "seed" else len(DEMO_STUDENTS))
        self._teachers = _cycle(options.seed_teachers if options.accounts == "seed" else len(DEMO_TEACHERS))

    def next(self, role: str) -> Account:
        source = self.options.accounts
        if source == "register":
            return Account(f"load-{role}-{uuid.uuid4().hex[:16]}@load.example", REGISTER_PASSWORD, fresh=True)
        if role == "teacher":
            number = next(self._teachers)
            if source == "seed":
                return Account(teacher_email(number, self.options.seed_run), SEED_PASSWORD)
            return Account(DEMO_TEACHERS[number], DEMO_PASSWORD)
        number = next(self._students)
        if source == "seed":
            return Account(student_email(number, self.options.seed_run), SEED_PASSWORD)
        return Account(DEMO_STUDENTS[number], DEMO_PASSWORD)
