"""What must hold after a fault and the recovery from it, checked against the private servers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from apps.operator import verify_projections
from tests.checks import EVENT_JOBS, eventually
from tests.faults.load import Answer, Load
from tests.faults.stack import Stack
from workers.constants import DEAD_LETTERS_KEY

# Where each kind of committed command left its row.
_ROWS = {"user": "identity.users", "course": "catalog.courses", "module": "catalog.modules",
         "enrollment": "learning.enrollments", "payment": "billing.payments"}
# After a worker is killed, arq hands its jobs on once their in-progress marks expire (the
# longest job timeout, 2 + 5 s here, plus 10 s); a rebuild after a Redis wipe takes a few seconds.
RECOVERY_SECONDS = 60.0


async def missing_commits(engine: AsyncEngine, load: Load) -> dict[str, list[str]]:
    """Every command answered 2xx whose effect is not in the write model (must be empty)."""
    missing: dict[str, list[str]] = {}
    async with engine.connect() as conn:
        for kind, table in _ROWS.items():
            ids = load.committed.get(kind, [])
            found = set((await conn.execute(text(
                f"SELECT id::text FROM {table} WHERE id::text = ANY(:ids)"), {"ids": ids})
            ).scalars())
            missing[kind] = sorted(set(ids) - found)
        done = {f"{student}:{lesson}" for student, lesson in (await conn.execute(text(
            "SELECT student_id::text, lesson_id::text FROM learning.lesson_completions")))}
        missing["completion"] = sorted(set(load.committed.get("completion", [])) - done)
    return {kind: ids for kind, ids in missing.items() if ids}


async def unenrolled_payers(engine: AsyncEngine, load: Load) -> list[tuple[str, str]]:
    """Succeeded payments whose saga (a reaction run by the worker) has not enrolled the payer."""
    async with engine.connect() as conn:
        enrolled = {(s, c) for s, c in await conn.execute(text(
            "SELECT student_id::text, course_id::text FROM learning.enrollments"))}
    return [paid for paid in load.succeeded_payments if paid not in enrolled]


async def _background_done(stack: Stack) -> bool | None:
    """True once every event is dispatched and no event job is queued or running."""
    async with stack.engine.connect() as conn:
        undispatched = await conn.scalar(text(
            "SELECT count(*) FROM outbox.events WHERE dispatched_at IS NULL"))
    redis = Redis.from_url(stack.settings.redis_url)
    try:
        queued = [job.split(b":")[0] for job
                  in await redis.zrange(stack.settings.arq_queue_name, 0, -1)]
        running = [key.split(b":")[2] for key in await redis.keys("arq:in-progress:*")]
    finally:
        await redis.aclose()
    busy = [job for job in queued + running if job.decode() in EVENT_JOBS]
    return True if undispatched == 0 and not busy else None


async def _no_drift(stack: Stack) -> dict[str, dict[str, str]] | None:
    drift = await verify_projections(stack.settings, "all", sample=None)
    return {name: found for name, found in drift.items() if found} or None


async def assert_recovered(stack: Stack, load: Load) -> None:
    """Nothing committed is lost, the background caught up, and every read model equals what a
    rebuild from the write model produces (`edu projections verify all`: zero drift)."""
    assert await missing_commits(stack.engine, load) == {}
    await eventually(lambda: _background_done(stack), "events never all projected",
                     seconds=RECOVERY_SECONDS, every=0.5)
    await eventually(lambda: _unenrolled_or_none(stack, load), "a paid saga never enrolled",
                     seconds=RECOVERY_SECONDS, every=0.5)
    drift: dict[str, Any] = {}

    async def clean() -> bool | None:
        nonlocal drift
        drift = await _no_drift(stack) or {}
        return True if not drift else None

    try:
        await eventually(clean, "drift", seconds=RECOVERY_SECONDS, every=1.0)
    except AssertionError:
        raise AssertionError(f"read models drifted from the write model: {drift}") from None
    redis = Redis.from_url(stack.settings.redis_url)
    try:
        assert await redis.hlen(DEAD_LETTERS_KEY) == 0  # type: ignore[misc]
    finally:
        await redis.aclose()


async def _unenrolled_or_none(stack: Stack, load: Load) -> bool | None:
    return True if not await unenrolled_payers(stack.engine, load) else None


def unclear(answers: Iterable[Answer], *, unanswered_ok: bool = False) -> list[Answer]:
    """Answers a client could not act on: a hang (timeout), a 5xx other than 503, a 503 without
    Retry-After or error code, or (unless a process was killed) no answer at all."""
    return [a for a in answers if not _clear(a, unanswered_ok=unanswered_ok)]


def _clear(answer: Answer, *, unanswered_ok: bool) -> bool:
    if answer.status is None:
        return unanswered_ok and "Timeout" not in (answer.failure or "")
    if answer.status == 503:
        return bool(answer.retry_after and answer.code)
    return answer.status < 500


def summary(answers: list[Answer]) -> dict[str, Any]:
    """Counts by outcome and the slowest refusal, for the test's output and docs/reliability.md."""
    outcomes: dict[str, int] = {}
    for answer in answers:
        key = str(answer.status or answer.failure)
        outcomes[key] = outcomes.get(key, 0) + 1
    refused = [a.seconds for a in answers if not (a.status and 200 <= a.status < 300)]
    return {"outcomes": outcomes, "slowest_refusal_s": round(max(refused, default=0.0), 3),
            "requests": len(answers)}
