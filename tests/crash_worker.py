"""`python -m tests.crash_worker worker`: the `edu worker`, except that it dies at once (like a
kill -9: no clean-up, no acknowledgement) right after committing a transaction that enrolled a
student. The payment saga's job is then left unfinished, as a real crash at that point leaves it."""

from __future__ import annotations

import os

from apps import cli
from write.events import StudentEnrolled
from write.outbox import UnitOfWork

CRASH_EXIT_CODE = 86
_commit = UnitOfWork.commit


async def _commit_then_die(self: UnitOfWork) -> str | None:
    enrolling = any(isinstance(event, StudentEnrolled) for event in self.recorded)
    token = await _commit(self)
    if enrolling:
        os._exit(CRASH_EXIT_CODE)
    return token


if __name__ == "__main__":
    UnitOfWork.commit = _commit_then_die  # type: ignore[method-assign]
    cli.main()
