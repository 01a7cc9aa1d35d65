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

REGISTER_PASSWORD = "load-pass-2026"


class Account(NamedTuple):
    email: str
    password: str
    fresh: bool = False  # not registered yet


def _cycle(size: int) -> Iterator[int]:
    start = random.randrange(size)
    return (n % size for n in itertools.count(start))


def _demo_accounts() -> tuple[str, list[str], list[str]]:
    """The password, students and verified teachers of `edu up`'s demo data. Imported only when
    used: apps.seed brings the write side's modules, seconds of start-up for every Locust process."""
    from apps.seed import DEMO_PASSWORD, STUDENTS, TEACHER

    return DEMO_PASSWORD, [email for email, _, role in STUDENTS if role == "student"], [TEACHER[0]]


def admin_account(options: RunOptions) -> Account:
    """Who verifies registered teachers: --admin-email, else the demo admin."""
    if options.admin[0]:
        return Account(*options.admin)
    from apps.seed import ADMIN, DEMO_PASSWORD

    return Account(ADMIN[0], DEMO_PASSWORD)


class AccountPool:
    def __init__(self, options: RunOptions) -> None:
        self.options = options
        self.demo_password, self.demo_students, self.demo_teachers = (
            _demo_accounts() if options.accounts == "demo" else ("", [], []))
        self._students = _cycle(options.seed_students if options.accounts == "seed" else
                                max(len(self.demo_students), 1))
        self._teachers = _cycle(options.seed_teachers if options.accounts == "seed" else
                                max(len(self.demo_teachers), 1))

    def next(self, role: str) -> Account:
        source = self.options.accounts
        if source == "register":
            return Account(f"load-{role}-{uuid.uuid4().hex[:16]}@load.example", REGISTER_PASSWORD, fresh=True)
        if role == "teacher":
            number = next(self._teachers)
            if source == "seed":
                return Account(teacher_email(number, self.options.seed_run), SEED_PASSWORD)
            return Account(self.demo_teachers[number], self.demo_password)
        number = next(self._students)
        if source == "seed":
            return Account(student_email(number, self.options.seed_run), SEED_PASSWORD)
        return Account(self.demo_students[number], self.demo_password)
