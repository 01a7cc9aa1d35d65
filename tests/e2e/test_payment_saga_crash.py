"""The saga survives a worker that dies between enrolling the student and finishing the job: the
next worker runs the job again, and the student is enrolled exactly once."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from uuid import UUID

import pytest
from arq.constants import in_progress_key_prefix
from arq.jobs import Job
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from apps.relay import run_relay
from apps.resources import create_queue
from common.settings import Settings
from read.consistency import parse_token
from tests.actors import sign_up
from tests.builders import envelopes
from tests.crash_worker import CRASH_EXIT_CODE
from tests.e2e.test_crash_recovery import wait_all_applied
from tests.harness import running_platform
from tests.processes import child_env
from tests.shop import open_shop, pay
from workers.constants import REACT_JOB, job_id


def start_worker(env: dict[str, str], log: Path, *, module: str = "apps.cli"
                 ) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", module, "worker"], env=env, stdout=out,
                                stderr=out)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=15)


async def saga_rows(engine: AsyncEngine, student_id: str) -> dict[str, int]:
    async with engine.connect() as conn:
        row = (await conn.execute(text(
            "SELECT (SELECT count(*) FROM learning.enrollments WHERE student_id = :s) AS enrollments,"
            " (SELECT count(*) FROM learning.paid_access WHERE student_id = :s) AS paid_access"),
            {"s": student_id})).mappings().one()
    enrolled = [e for e in await envelopes(engine) if e["type"] == "learning.enrolled"
                and e["payload"]["student_id"] == student_id]
    return {**row, "enrolled_events": len(enrolled)}


@pytest.mark.timeout(120)
async def test_a_worker_killed_after_enrolling_enrolls_once_after_restart(
    settings: Settings, engine: AsyncEngine, redis: Redis, tmp_path: Path
) -> None:
    env = child_env(settings, tmp_path)
    stop_relay = asyncio.Event()
    async with running_platform(settings, with_processors=False) as platform:
        relay = asyncio.create_task(run_relay(settings, stop_relay))
        worker = start_worker(env, tmp_path / "worker.log")
        try:
            student = await sign_up(platform, "survivor@example.com")
            assert student.last_token is not None
            # The worker process takes a moment to start.
            assert await wait_all_applied(redis, parse_token(student.last_token), timeout=30) == []
            shop = await open_shop(platform)
            stop(worker)
            worker = start_worker(env, tmp_path / "crashing.log", module="tests.crash_worker")

            paid = await pay(student, shop.paid)

            assert paid.json()["status"] == "succeeded"
            assert await asyncio.to_thread(worker.wait, 30) == CRASH_EXIT_CODE
            assert await saga_rows(engine, student.id) == {
                "enrollments": 1, "paid_access": 1, "enrolled_events": 1}
            succeeded = [e for e in await envelopes(engine)
                         if e["type"] == "billing.payment_succeeded"]
            [event_id] = [UUID(e["event_id"]) for e in succeeded]
            react = job_id(REACT_JOB, event_id)
            # arq hands a job to another worker once the dead one's in-progress mark expires: the
            # longest job timeout (every function's, the rebuild's and the cron's included) + 10 s.
            mark = await redis.pttl(in_progress_key_prefix + react)
            assert 0 < mark <= (settings.projection_job_timeout_seconds + 5 + 10) * 1000

            worker = start_worker(env, tmp_path / "worker.log")
            assert await wait_all_applied(redis, parse_token(paid.headers["X-Consistency-Token"]),
                                          timeout=60) == []

            await student.read(f"/api/lessons/{shop.lessons[1]}")  # fresh with the payment's token
            assert await saga_rows(engine, student.id) == {
                "enrollments": 1, "paid_access": 1, "enrolled_events": 1}
            queue = await create_queue(settings)
            try:
                result = await Job(react, queue).result_info()
            finally:
                await queue.aclose()
            assert result is not None
            assert (result.success, result.job_try) == (True, 2)  # it did run again
        finally:
            stop(worker)
            stop_relay.set()
            await relay
