"""The `edu` CLI as an operator uses it: help everywhere, create-admin, status, dead letters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from common.settings import Settings
from read.stores.ops import register_projections
from tests.builders import envelopes, register
from tests.harness import edu
from workers.jobs import project_event

COMMANDS = [[], ["up"], ["serve"], ["migrate"], ["create-admin"], ["relay"], ["worker"],
            ["projections"], ["projections", "status"], ["projections", "rebuild"],
            ["projections", "verify"], ["dead-letters"],
            ["dead-letters", "list"], ["dead-letters", "replay"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "edu")
def test_every_command_has_help(settings: Settings, tmp_path: Path, command: list[str]) -> None:
    result = edu(settings, tmp_path, *command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout


async def test_create_admin_refuses_weak_passwords_and_duplicates(
    settings: Settings, engine: AsyncEngine, redis: Redis, tmp_path: Path
) -> None:
    weak = edu(settings, tmp_path, "create-admin", "--email", "boss@example.com",
               "--password", "short")
    assert weak.returncode == 1
    assert "refused" in weak.stdout
    made = edu(settings, tmp_path, "create-admin", "--email", "boss@example.com",
               "--password", "long-enough-123")
    assert made.returncode == 0, made.stdout + made.stderr
    again = edu(settings, tmp_path, "create-admin", "--email", "BOSS@example.com",
                "--password", "long-enough-123")
    assert again.returncode == 1
    assert "already registered" in again.stdout


async def test_projection_status_reports_the_last_applied_event(
    settings: Settings, engine: AsyncEngine, redis: Redis, tmp_path: Path
) -> None:
    await register(engine, settings, email="status@example.com")
    bodies = await envelopes(engine)
    ctx = {"settings": settings, "engine": engine, "redis": redis, "job_try": 1}
    for body in bodies:
        await project_event(ctx, body)
    await register_projections(redis, ["users"])
    result = edu(settings, tmp_path, "projections", "status", "--json")
    assert result.returncode == 0, result.stderr
    (users,) = json.loads(result.stdout)
    assert users["name"] == "users"
    assert users["applied_total"] == 2
    assert users["last_seq"] == bodies[-1]["seq"]
    assert users["dead_letters"] == 0
    table = edu(settings, tmp_path, "projections", "status")
    assert "users" in table.stdout
    assert edu(settings, tmp_path, "dead-letters", "list").stdout.strip() == "no dead letters"
