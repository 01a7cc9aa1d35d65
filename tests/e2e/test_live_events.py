"""Live updates over HTTP: a command's notification reaches its owner's event stream from the
real projector (relay, worker, Redis streams, read API), and nobody else's; a reconnect with
Last-Event-ID replays what was missed; admins follow rebuild progress; the stream is
authenticated and bounded."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from common.net import free_port
from common.settings import Settings
from tests.actors import Actor, admin_of, publish_course, sign_up, verified_teacher
from tests.checks import eventually, expect_error, inbox_reaching, known_to_learning
from tests.harness import Platform, running_platform
from tests.sse import events_of


async def a_course(platform: Platform, engine: AsyncEngine) -> tuple[Actor, str]:
    admin = await admin_of(platform)
    teacher = await verified_teacher(platform, admin, "teach@example.com", "Ada Teacher")
    course_id = await publish_course(teacher, title="Live Python", lessons=1)
    await known_to_learning(engine, teacher, course_id)
    return admin, course_id


async def student(platform: Platform, email: str) -> Actor:
    """A student the read side knows already (the stream's caller must be projected)."""
    actor = await sign_up(platform, email)
    await actor.read("/api/me")
    return actor


async def test_a_commands_notification_reaches_its_owner_and_nobody_else(
    platform: Platform, engine: AsyncEngine
) -> None:
    _, course_id = await a_course(platform, engine)
    maria, ivan = (await student(platform, "maria@example.com"),
                   await student(platform, "ivan@example.com"))
    async with events_of(platform.read, maria.tokens["access_token"]) as marias, \
            events_of(platform.read, ivan.tokens["access_token"]) as ivans:
        assert (await marias.next()).kind == "ready"
        assert (await ivans.next()).kind == "ready"

        sent = time.perf_counter()
        await maria.command("POST", "/api/enrollments", expect=201, json={"course_id": course_id})
        committed = time.perf_counter()
        heard = await marias.next_of("notifications")
        [welcome] = (await inbox_reaching(maria, 1))["items"]
        assert heard.data == {"ids": [welcome["id"]]}
        assert heard.id is not None
        print(f"\nlive latency, command committed -> event received: "
              f"{(heard.at - committed) * 1000:.0f} ms "
              f"({(heard.at - sent) * 1000:.0f} ms from sending the command)")

        # Ivan's first event after "ready" is about his own enrollment, never Maria's.
        await ivan.command("POST", "/api/enrollments", expect=201, json={"course_id": course_id})
        first = await ivans.next()
        [his] = (await inbox_reaching(ivan, 1))["items"]
        assert first.kind in {"notifications", "dashboard"}
        assert welcome["id"] not in first.data["ids"]
        assert (await ivans.next_of("notifications")).data == {"ids": [his["id"]]}


async def test_a_reconnect_with_last_event_id_replays_what_was_missed(
    platform: Platform, engine: AsyncEngine
) -> None:
    _, course_id = await a_course(platform, engine)
    maria = await student(platform, "maria@example.com")
    token = maria.tokens["access_token"]
    async with events_of(platform.read, token) as stream:
        ready = await stream.next()
    assert ready.kind == "ready"
    assert ready.id is not None

    await maria.command("POST", "/api/enrollments", expect=201, json={"course_id": course_id})
    [welcome] = (await inbox_reaching(maria, 1))["items"]

    async with events_of(platform.read, token, last_event_id=ready.id) as stream:
        assert (await stream.next()).kind == "ready"
        missed = [await stream.next(), await stream.next()]
        assert sorted(event.kind for event in missed) == ["dashboard", "notifications"]
        assert {"ids": [welcome["id"]]} in [event.data for event in missed]
        last = missed[-1].id
    assert last is not None

    # From the last id received, nothing is replayed twice: the next event is a new one.
    async with events_of(platform.read, token, last_event_id=last) as stream:
        assert (await stream.next()).kind == "ready"
        await maria.command("POST", "/api/notifications/read-all")
        assert (await stream.next()).data == {"ids": [welcome["id"]]}


async def test_admins_follow_a_rebuild_to_done(platform: Platform, engine: AsyncEngine) -> None:
    admin, _ = await a_course(platform, engine)
    async with events_of(platform.read, admin.tokens["access_token"]) as stream:
        assert (await stream.next()).kind == "ready"
        await admin.command("POST", "/api/ops/projections/categories/rebuild", expect=202)
        states = []
        while not states or states[-1] != "done":
            event = await stream.next_of("projection")
            assert event.data["projection"] == "categories"
            states.append(event.data["rebuild"]["state"])
    assert states[0] == "running"
    assert set(states) == {"running", "done"}


async def test_the_stream_is_authenticated_bounded_and_kept_alive(
    settings: Settings, engine: AsyncEngine, redis: Redis
) -> None:
    bounded = settings.model_copy(update={"live_max_streams": 1, "live_heartbeat_seconds": 0.2})
    async with running_platform(bounded) as platform:
        maria = await student(platform, "maria@example.com")
        expect_error(await platform.read.get("/api/me/events"), status=401, code="unauthorized")
        expect_error(await platform.read.get("/api/me/events", headers={
            "Authorization": "Bearer not-a-token"}), status=401, code="invalid_token")
        bad_id = await platform.read.get("/api/me/events", headers={
            **maria.auth, "Last-Event-ID": "yesterday"})
        assert expect_error(bad_id, status=422, code="invalid_last_event_id")["fields"] == {
            "Last-Event-ID": "an id from an earlier event of this stream"}

        async with events_of(platform.read, maria.tokens["access_token"]) as stream:
            assert (await stream.next()).kind == "ready"
            full = await platform.read.get("/api/me/events", headers=maria.auth)
            expect_error(full, status=503, code="too_many_streams")
            assert full.headers["Retry-After"] == "5"
            await stream.heartbeat()
            await stream.heartbeat()

        async def reopened() -> bool | None:
            async with platform.read.stream("GET", "/api/me/events", headers=maria.auth) as again:
                return True if again.status_code == 200 else None

        await eventually(reopened, "a closed stream's place was never given back")


async def test_a_stopping_read_api_ends_its_streams_at_once(
    platform: Platform, settings: Settings, tmp_path: Path
) -> None:
    """`edu serve read` on SIGTERM ends the open streams itself rather than waiting out uvicorn's
    graceful-shutdown timeout (their clients reconnect elsewhere with Last-Event-ID)."""
    maria = await student(platform, "maria@example.com")
    assert settings.jwt_private_key is not None
    port, log = free_port(), tmp_path / "read.log"
    env = {**os.environ, "DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url,
           "DATA_DIR": str(tmp_path), "ENVIRONMENT": "test",
           "JWT_PRIVATE_KEY": settings.jwt_private_key.get_secret_value()}
    with log.open("wb") as output:
        server = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "apps.cli", "serve", "read", "--port", str(port), env=env,
            stdout=output, stderr=subprocess.STDOUT)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as read:
            await until_answering(read, server)
            async with events_of(read, maria.tokens["access_token"]) as stream:
                assert (await stream.next()).kind == "ready"
                server.send_signal(signal.SIGTERM)
                assert await stream.ended(), "the stream outlived its server's stop"
        # uvicorn re-raises the signal once it has shut down: killed by SIGTERM, cleanly.
        assert await asyncio.wait_for(server.wait(), 30) in (0, -signal.SIGTERM)
    finally:
        if server.returncode is None:
            server.kill()
            await server.wait()
    assert "graceful shutdown exceeded" not in log.read_text(), log.read_text()


async def until_answering(client: httpx.AsyncClient, server: asyncio.subprocess.Process,
                          timeout: float = 60) -> None:
    """Waits for /healthz (the process imports the whole app first); fails if it exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.returncode is None:
        try:
            if (await client.get("/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise AssertionError("the read API did not start")
