"""Every process's /metrics passes `promtool check metrics` and carries the series the dashboards
and alert rules use: in one process (the test platform) and as the real processes an operator
starts, each API with two worker processes (multiprocess mode)."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from apps.resources import create_queue
from common.net import free_port
from common.settings import Settings
from tests.actors import admin_of, publish_course, sign_up, verified_teacher
from tests.checks import rebuild_done
from tests.harness import MailSink, Platform
from workers.constants import PROJECT_JOB

Series = dict[tuple[str, frozenset[tuple[str, str]]], float]


def promtool_problems(body: bytes) -> str:
    """What `promtool check metrics` says about an exposition; empty when it finds nothing."""
    promtool = shutil.which("promtool")
    assert promtool is not None, "promtool is missing: source tools/ensure-ops-tools.sh"
    checked = subprocess.run([promtool, "check", "metrics"], input=body, capture_output=True,
                             timeout=30, check=False)
    return (checked.stdout + checked.stderr).decode().strip()


def parsed(body: bytes) -> Series:
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(body.decode())
            for sample in family.samples}


def value(series: Series, name: str, **labels: str) -> float | None:
    """The sample of `name` whose labels include `labels`; None if there is none."""
    wanted = set(labels.items())
    found = [v for (n, have), v in series.items() if n == name and wanted <= have]
    assert len(found) <= 1, f"{name} {labels} matches several series"
    return found[0] if found else None


async def scrape(url: str) -> tuple[Series, bytes]:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(url)
    assert response.status_code == 200, response.text
    problems = promtool_problems(response.content)
    assert problems == "", f"promtool check metrics on {url}:\n{problems}"
    return parsed(response.content), response.content


def grew(before: Series, after: Series, name: str, **labels: str) -> float:
    return (value(after, name, **labels) or 0) - (value(before, name, **labels) or 0)


async def test_one_process_metrics_pass_promtool_with_route_templates(platform: Platform) -> None:
    # One registry for everything in this process (other tests count too): compare with before.
    before, _ = await scrape(f"{platform.read.base_url}/metrics")
    unknown_course = uuid.uuid4()
    assert (await platform.read.get(f"/api/courses/{unknown_course}")).status_code == 404
    assert (await platform.read.get(f"/no/such/{unknown_course}")).status_code == 404
    too_big = await platform.write.post("/api/auth/login", content=b"x" * 300_000,
                                        headers={"Content-Type": "application/json"})
    assert too_big.status_code == 413

    after, body = await scrape(f"{platform.read.base_url}/metrics")
    assert str(unknown_course) not in body.decode()
    requests = "edu_http_requests_total"
    assert grew(before, after, requests, service="read", method="GET",
                route="/api/courses/{course_id}", status="404") == 1
    assert grew(before, after, requests, service="read", route="unmatched", status="404") == 1
    # Refused before any route runs, and still counted.
    assert grew(before, after, requests, service="write", route="unmatched", status="413") == 1
    assert value(after, "edu_http_requests_in_flight", service="read") == 1  # this scrape
    assert grew(before, after, "edu_redis_request_duration_seconds_count", service="read",
                operation="catalog.course_page") == 1

    write, _ = await scrape(f"{platform.write.base_url}/metrics")
    in_use = value(write, "edu_db_pool_connections", service="write", state="in_use")
    idle = value(write, "edu_db_pool_connections", service="write", state="idle")
    assert in_use is not None
    assert idle is not None
    settings = platform.settings
    assert in_use + idle <= value(write, "edu_db_pool_max_connections", service="write") \
        == settings.db_pool_size + settings.db_max_overflow


def child_env(settings: Settings, data_dir: Path, **extra: str) -> dict[str, str]:
    assert settings.jwt_private_key is not None
    env = {**os.environ, "ENVIRONMENT": "test", "DATABASE_URL": settings.database_url,
           "REDIS_URL": settings.redis_url, "ARQ_QUEUE_NAME": settings.arq_queue_name,
           "JWT_PRIVATE_KEY": settings.jwt_private_key.get_secret_value(),
           "DATA_DIR": str(data_dir), "RELAY_POLL_SECONDS": "0.2", **extra}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env


@contextmanager
def processes(commands: dict[str, tuple[list[str], dict[str, str]]], logs: Path
              ) -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    """`edu` commands as OS processes; stopped with SIGTERM (uvicorn stops its workers)."""
    started: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, (args, env) in commands.items():
            log = (logs / f"{name}.log").open("wb")
            started[name] = subprocess.Popen([sys.executable, "-m", "apps.cli", *args], env=env,
                                             stdout=log, stderr=subprocess.STDOUT)
        yield started
    finally:
        for process in started.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in started.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def wait_ready(urls: dict[str, str], started: dict[str, subprocess.Popen[bytes]],
                     logs: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=5) as client:
        for name, url in urls.items():
            while True:
                try:
                    if (await client.get(f"{url}/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if started[name].poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"{name} never got ready:\n"
                                         + (logs / f"{name}.log").read_text(errors="replace"))
                await asyncio.sleep(0.2)


@asynccontextmanager
async def clients(settings: Settings, write_url: str, read_url: str) -> AsyncIterator[Platform]:
    async with httpx.AsyncClient(base_url=write_url, timeout=10) as write, \
            httpx.AsyncClient(base_url=read_url, timeout=10) as read:
        yield Platform(settings, write, read, MailSink())


async def enqueue_poison_job(settings: Settings) -> None:
    """A job no worker can decode: dead-lettered at its first try."""
    queue = await create_queue(settings)
    try:
        await queue.enqueue_job(PROJECT_JOB, {"not": "an event"},
                                _queue_name=settings.arq_queue_name)
    finally:
        await queue.aclose()


@pytest.mark.timeout(300)
async def test_every_process_serves_metrics_that_pass_promtool_and_add_up_across_workers(
    settings: Settings, engine: AsyncEngine, redis: Redis, tmp_path: Path
) -> None:
    ports = {name: free_port() for name in ("write", "read", "relay", "worker")}
    env = child_env(settings, tmp_path, RELAY_PROBE_PORT=str(ports["relay"]),
                    WORKER_PROBE_PORT=str(ports["worker"]))
    # The write API gets a folder of its own with a left-over file, which it must clear first
    # (a torn file would break the merge); the read API a fresh temporary one.
    write_metrics = tmp_path / "write-metrics"
    write_metrics.mkdir()
    (write_metrics / "counter_4242.db").write_bytes(b"left over from a crashed run")
    commands = {
        "write": (["serve", "write", "--port", str(ports["write"]), "--workers", "2"],
                  {**env, "PROMETHEUS_MULTIPROC_DIR": str(write_metrics)}),
        "read": (["serve", "read", "--port", str(ports["read"]), "--workers", "2"], env),
        "relay": (["relay"], env),
        "worker": (["worker"], env),
    }
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    started_at = time.time()
    with processes(commands, tmp_path) as started:
        await wait_ready(urls, started, tmp_path)
        async with clients(settings, urls["write"], urls["read"]) as platform:
            admin = await admin_of(platform)
            teacher = await verified_teacher(platform, admin, "m@example.com", "Metric Teacher")
            course_id = await publish_course(teacher, title="Observability basics", lessons=2)
            student = await sign_up(platform, "watcher@example.com")
            student.last_token = teacher.last_token
            await student.read(f"/api/courses/{course_id}")

            before, _ = await scrape(f"{urls['read']}/metrics")
            for _ in range(3):
                found = await student.read("/api/courses", q="observability")
                assert found.json()["total"] == 1
            await admin.command("POST", "/api/ops/projections/courses/rebuild", expect=202)
            await rebuild_done(admin, "courses")
        await enqueue_poison_job(settings)
        for _ in range(100):
            worker_now, _ = await scrape(f"{urls['worker']}/metrics")
            if value(worker_now, "edu_dead_lettered_events_total"):
                break
            await asyncio.sleep(0.1)
        scraped = {name: await scrape(f"{url}/metrics") for name, url in urls.items()}

    read, write = scraped["read"][0], scraped["write"][0]
    relay, worker = scraped["relay"][0], scraped["worker"][0]
    search_count = "edu_search_duration_seconds_count"
    searches_before = value(before, search_count, adapter="postgres", operation="search") or 0
    # Three searches, whichever worker process answered them.
    assert value(read, search_count, adapter="postgres", operation="search") == \
        searches_before + 3
    assert (value(read, "edu_redis_request_duration_seconds_count", service="read",
                  operation="catalog.course_page") or 0) >= 1
    assert value(read, "edu_http_requests_in_flight", service="read") == 1  # the scrape
    pool_max = settings.db_pool_size + settings.db_max_overflow
    for service, scraped_api in (("write", write), ("read", read)):
        # Two worker processes, each with a pool (the read API's is the search database's).
        assert value(scraped_api, "edu_db_pool_max_connections", service=service) == 2 * pool_max
        for state in ("in_use", "idle"):
            assert value(scraped_api, "edu_db_pool_connections", service=service,
                         state=state) is not None
    assert (value(write, "edu_http_requests_total", service="write", method="POST",
                  route="/api/courses", status="201") or 0) >= 1

    assert value(relay, "edu_queue_depth_jobs", queue=settings.arq_queue_name) is not None
    assert value(relay, "edu_outbox_backlog_events") is not None

    applied = value(worker, "edu_projection_last_applied_timestamp_seconds", projection="courses")
    assert applied is not None
    assert started_at <= applied <= time.time()
    assert value(worker, "edu_rebuild_progress_ratio", projection="courses") == 1
    assert value(worker, "edu_rebuild_documents_total", projection="courses") == 1
    assert value(worker, "edu_dead_lettered_events_total") == 1
