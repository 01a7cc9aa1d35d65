"""The student's journey, then a teacher's, in a real browser: headless Chromium (playwright-core,
Debian's package) drives the built web app (`next start`), which talks to the real platform — both
APIs over HTTP, relay, worker, SMTP sink. The browser script is apps/web/tests/journey.mjs; it
asks this test for the mailed verification link over its stdin/stdout."""

from __future__ import annotations

import asyncio
import json
import os
import re
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from common.net import free_port
from common.settings import Settings
from tests.actors import Actor, admin_of, sign_up, verified_teacher
from tests.browser.conftest import WEB_DIR, browser_requirements
from tests.browser.processes import run_bounded, started, stop_group, tail, wait_until_serving
from tests.harness import Platform, running_platform

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT = 600
SERVER_START_TIMEOUT = 60
JOURNEY_TIMEOUT = 300
MAIL_TIMEOUT = 20
STUDENT = {"email": "maria@example.com", "password": "correct-horse-1", "name": "Maria Student",
           "new_password": "battery-staple-2"}
# tests.actors.sign_up's password
TEACHER = {"email": "teacher@example.com", "password": "correct-horse-1", "name": "Tom Teacher"}
# tests.actors.admin_of's account; the teacher signs up and waits for an admin's verification.
ADMIN = {"email": "root@example.com", "password": "admin-pass-123", "name": "Root"}
PENDING_TEACHER = {"email": "new.teacher@example.com", "name": "Nina Newteacher"}
PAID_TITLE = "Python for Data Analysis"
# Short-lived access tokens (the least the settings allow), so the app's silent renewal runs
# during the journey.
ACCESS_TOKEN_SECONDS = 30


@pytest.fixture(scope="session")
def web_build() -> None:
    """`npm run build` once per session (EDU_WEB_SKIP_BUILD=1 reuses an existing build); skips
    with the reason when the machine cannot run the browser tests."""
    reason = browser_requirements(CHROMIUM)
    if reason:
        pytest.skip(reason)
    if os.environ.get("EDU_WEB_SKIP_BUILD") == "1" and (WEB_DIR / ".next" / "BUILD_ID").is_file():
        return  # iterating on the test: the last build is still current
    built = run_bounded(["npm", "run", "build"], cwd=WEB_DIR,
                        env={**os.environ, "NEXT_TELEMETRY_DISABLED": "1"}, timeout=BUILD_TIMEOUT)
    assert built.returncode == 0, built.stdout[-4000:]


async def seed_courses(platform: Platform) -> dict[str, str]:
    """A verified teacher's published courses: a paid Python course with three lessons, a free
    Python course and a course on something else."""
    admin = await admin_of(platform)
    teacher = await verified_teacher(platform, admin, TEACHER["email"], TEACHER["name"])
    await sign_up(platform, PENDING_TEACHER["email"], role="teacher", name=PENDING_TEACHER["name"])
    category = await admin.command("POST", "/api/categories", json={"name": "Programming"},
                                   expect=201)
    paid = await course(teacher, PAID_TITLE, category=category.json()["id"], price="49.90",
                        level="intermediate", lessons=[
        ("Loading data", "# Loading data\n\nUse **pandas** to read a `csv` file.\n\n"
                         "<script>window.__injected = true</script>\n\n- one\n- two", None),
        ("Cleaning data", "Drop the *empty* rows.", "https://www.youtube.com/watch?v=abc123"),
        ("Plotting", "Draw a chart of the results.", None)])
    free = await course(teacher, "Python Basics", category=category.json()["id"], price=None,
                        level="beginner", lessons=[("Hello", "Print *hello*.", None)])
    await course(teacher, "Watercolor Landscapes", category=None, price=None, level="beginner",
                 lessons=[("Brushes", "Pick a brush.", None)])
    return {"paid": paid, "free": free}


async def course(teacher: Actor, title: str, *, category: str | None, price: str | None,
                 level: str, lessons: list[tuple[str, str, str | None]]) -> str:
    body: dict[str, Any] = {"title": title, "level": level, "language": "en",
                            "category_id": category,
                            "description": f"<p>{title}: a course for the browser test.</p>"}
    if price:
        body |= {"price": price, "currency": "USD"}
    course_id = str((await teacher.command("POST", "/api/courses", json=body, expect=201)
                     ).json()["id"])
    module = (await teacher.command("POST", f"/api/courses/{course_id}/modules",
                                    json={"title": "Getting started"}, expect=201)).json()
    for n, (lesson_title, content, video) in enumerate(lessons):
        await teacher.command("POST", f"/api/modules/{module['id']}/lessons", expect=201, json={
            "title": lesson_title, "content": content, "video_url": video,
            "duration_minutes": 10 + n, "preview": n == 0})
    await teacher.command("POST", f"/api/courses/{course_id}/publish")
    return course_id


def mailed_link(message: Message, page: str) -> str:
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    match = re.search(rf"(https?://\S+/{page}\?token=\S+)", body.decode())
    assert match, f"no /{page} link in the mail"
    return match.group(1)


async def answer_requests(platform: Platform, journey: asyncio.subprocess.Process,
                          pids: list[int]) -> list[str]:
    """Reads the script's output: `@@mail {...}` asks for a mailed link (answered on stdin),
    `@@browser-pid N` names the browser to stop afterwards; the rest is its log."""
    assert journey.stdout is not None
    assert journey.stdin is not None
    log: list[str] = []
    while raw := await journey.stdout.readline():
        line = raw.decode(errors="replace").rstrip("\n")
        if line.startswith("@@browser-pid "):
            pids.append(int(line.split()[1]))
        elif line.startswith("@@mail "):
            ask = json.loads(line.removeprefix("@@mail "))
            found = await platform.mail.wait_for(ask["to"], ask["subject"], timeout=MAIL_TIMEOUT)
            link = mailed_link(found[-1], ask["page"]) if found else None
            journey.stdin.write((json.dumps({"link": link}) + "\n").encode())
            await journey.stdin.drain()
        else:
            log.append(line)
    await journey.wait()
    return log


async def test_student_and_teacher_journeys_in_the_browser(web_build: None, settings: Settings,
                                              engine: AsyncEngine, redis: Redis,
                                              tmp_path: Path) -> None:
    web_port = free_port()
    web_url = f"http://127.0.0.1:{web_port}"
    screenshots = (REPO / "docs" / "screenshots" if os.environ.get("EDU_SCREENSHOTS") == "1"
                   else tmp_path / "screenshots")
    async with running_platform(settings.model_copy(update={
            "web_base_url": web_url, "access_token_ttl_seconds": ACCESS_TOKEN_SECONDS})) as platform:
        courses = await seed_courses(platform)
        server_env = {**os.environ, "NEXT_TELEMETRY_DISABLED": "1",
                      "READ_API_URL": str(platform.read.base_url).rstrip("/"),
                      "WRITE_API_URL": str(platform.write.base_url).rstrip("/")}
        server_log, journey_log = tmp_path / "next.log", tmp_path / "journey.log"
        async with started([str(WEB_DIR / "node_modules" / ".bin" / "next"), "start",
                            "--hostname", "127.0.0.1", "--port", str(web_port)],
                           cwd=WEB_DIR, env=server_env, log=server_log) as server:
            await wait_until_serving(server, f"{web_url}/login", timeout=SERVER_START_TIMEOUT,
                                     log=server_log)
            browser_pids: list[int] = []
            journey_env = {**os.environ, "WEB_URL": web_url, "CHROMIUM_PATH": CHROMIUM,
                           "SCREENSHOT_DIR": str(screenshots), "PAID_COURSE_ID": courses["paid"],
                           "STUDENT": json.dumps(STUDENT), "TEACHER": json.dumps(TEACHER),
                           "ADMIN": json.dumps(ADMIN),
                           "PENDING_TEACHER": json.dumps(PENDING_TEACHER),
                           "ACCESS_TOKEN_SECONDS": str(ACCESS_TOKEN_SECONDS)}
            try:
                async with started(["node", "tests/journey.mjs"], cwd=WEB_DIR, env=journey_env,
                                   log=journey_log, stdin=asyncio.subprocess.PIPE,
                                   stdout=asyncio.subprocess.PIPE) as journey:
                    output = await asyncio.wait_for(
                        answer_requests(platform, journey, browser_pids), JOURNEY_TIMEOUT)
            finally:
                for pid in browser_pids:
                    stop_group(pid)
            report = "\n".join(output) + f"\n--- stderr\n{tail(journey_log)}\n" \
                f"--- next\n{tail(server_log)}"
            assert journey.returncode == 0, report
            assert output[-1] == "journey complete", report
            print("\n".join(line for line in output if line.startswith("latency:")))

        await the_platform_saw_it(platform, courses["paid"])
    shots = sorted(p.name for p in screenshots.glob("*.png"))
    for page in ("home", "search", "course", "checkout", "learn", "dashboard", "notifications",
                 "studio", "admin-users", "admin-categories", "admin-projections"):
        assert {f"{page}-desktop.png", f"{page}-phone.png"} <= set(shots), shots


async def the_platform_saw_it(platform: Platform, paid: str) -> None:
    """What the student did in the browser, read back from the APIs."""
    login = await platform.write.post("/api/auth/login", json={
        "email": STUDENT["email"], "password": STUDENT["new_password"]})
    assert login.status_code == 200, login.text
    auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
    read = platform.read
    me = (await read.get("/api/me", headers=auth)).json()
    assert (me["name"], me["role"], me["email_verified"]) == (STUDENT["name"], "student", True)
    board = (await read.get("/api/me/dashboard", headers=auth)).json()
    assert [(c["course_id"], c["progress_percent"]) for c in board["completed"]["items"]] == [
        (paid, 100)]
    payments = (await read.get("/api/me/payments", headers=auth)).json()["items"]
    assert sorted(p["status"] for p in payments) == ["declined", "succeeded"]
    # Posted and edited by the student, then hidden by the admin.
    assert (await read.get(f"/api/courses/{paid}/reviews")).json()["items"] == []
    users = (await read.get("/api/admin/users", params={"q": "new.teacher"},
                            headers=await admin_auth(platform))).json()["items"]
    assert [(u["role"], u["teacher_verified"]) for u in users] == [("teacher", True)]
    categories = (await read.get("/api/categories")).json()
    assert sorted(c["name"] for c in categories) == ["Design", "Programming"]
    found = (await read.get("/api/courses", params={"q": "rust"})).json()["items"]
    assert [(c["title"], c["teacher_name"], c["lessons_count"]) for c in found] == [
        ("Rust for Beginners", TEACHER["name"], 1)]


async def admin_auth(platform: Platform) -> dict[str, str]:
    login = await platform.write.post("/api/auth/login", json={
        "email": ADMIN["email"], "password": ADMIN["password"]})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}
