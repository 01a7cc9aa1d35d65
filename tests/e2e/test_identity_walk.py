"""The identity journey over real HTTP, through outbox, relay, worker, Redis and SMTP."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from apps.cli_admin import create_admin_account
from tests.harness import Platform, link_token

TOKEN = "X-Consistency-Token"


async def register(p: Platform, email: str, *, role: str = "student",
                   password: str = "correct-horse-1") -> httpx.Response:
    response = await p.write.post("/api/auth/register", json={
        "email": email, "password": password, "name": "Ada Lovelace", "role": role})
    assert response.status_code == 201, response.text
    return response


async def login(p: Platform, email: str, password: str = "correct-horse-1") -> dict[str, Any]:
    response = await p.write.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def test_register_verify_login_refresh_reuse_reset(platform: Platform) -> None:
    p = platform
    registered = await register(p, "ada@example.com")
    body = registered.json()
    assert body["email"] == "ada@example.com"
    assert body["role"] == "student"

    mails = await p.mail.wait_for("ada@example.com", "Confirm your email")
    assert len(mails) == 1
    verified = await p.write.post("/api/auth/verify-email", json={"token": link_token(mails[0])})
    assert verified.status_code == 204
    again = await p.write.post("/api/auth/verify-email", json={"token": link_token(mails[0])})
    assert again.status_code == 422
    assert again.json()["error"]["code"] == "token_used"

    first = await login(p, "ADA@example.com")
    me = await p.read.get("/api/me", headers={
        **bearer(first), TOKEN: verified.headers[TOKEN]})
    assert me.status_code == 200
    assert me.headers["X-Consistency"] == "fresh"
    assert me.json()["email_verified"] is True
    assert me.json()["role"] == "student"

    second = (await p.write.post("/api/auth/refresh",
                                 json={"refresh_token": first["refresh_token"]})).json()
    assert second["refresh_token"] != first["refresh_token"]
    reused = await p.write.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    assert reused.json()["error"]["code"] == "refresh_token_reused"
    family_dead = await p.write.post("/api/auth/refresh",
                                     json={"refresh_token": second["refresh_token"]})
    assert family_dead.status_code == 401

    other_session = await login(p, "ada@example.com")
    forgot = await p.write.post("/api/auth/forgot-password", json={"email": "ada@example.com"})
    assert forgot.status_code == 204
    reset_mail = (await p.mail.wait_for("ada@example.com", "Reset your"))[0]
    reset = await p.write.post("/api/auth/reset-password", json={
        "token": link_token(reset_mail), "password": "new-battery-2"})
    assert reset.status_code == 204
    old_session = await p.write.post("/api/auth/refresh",
                                     json={"refresh_token": other_session["refresh_token"]})
    assert old_session.status_code == 401
    old_password = await p.write.post("/api/auth/login", json={
        "email": "ada@example.com", "password": "correct-horse-1"})
    assert old_password.status_code == 401
    await login(p, "ada@example.com", "new-battery-2")


async def test_login_failures_look_the_same(platform: Platform) -> None:
    await register(platform, "bob@example.com")
    wrong_password = await platform.write.post("/api/auth/login", json={
        "email": "bob@example.com", "password": "not-his-password-1"})
    unknown_email = await platform.write.post("/api/auth/login", json={
        "email": "nobody@example.com", "password": "not-his-password-1"})
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json() == unknown_email.json()


async def test_forgot_password_is_capped_per_account_per_hour(platform: Platform) -> None:
    await register(platform, "cap@example.com")
    answers = [await platform.write.post("/api/auth/forgot-password",
                                         json={"email": "cap@example.com"}) for _ in range(6)]
    unknown = await platform.write.post("/api/auth/forgot-password",
                                        json={"email": "ghost@example.com"})
    assert {a.status_code for a in answers} == {204}
    assert unknown.status_code == 204
    # Nothing in the answer may tell a known account from an unknown one.
    assert "X-Consistency-Token" not in answers[0].headers
    assert answers[0].content == unknown.content
    cap = platform.settings.email_requests_per_hour
    await platform.mail.wait_for("cap@example.com", "Reset your", count=cap)
    await asyncio.sleep(1.0)  # give any mail over the cap time to (wrongly) arrive
    assert len(await platform.mail.wait_for("cap@example.com", "Reset your", timeout=0)) == cap


async def test_admin_verifies_teacher_and_blocks_user(platform: Platform, engine: AsyncEngine
                                                      ) -> None:
    p = platform
    await create_admin_account(p.settings, email="root@example.com", name="Root",
                               password="admin-pass-123")
    admin = await login(p, "root@example.com", "admin-pass-123")
    teacher = (await register(p, "tea@example.com", role="teacher")).json()
    student_reg = await register(p, "stu@example.com")
    student = student_reg.json()
    student_session = await login(p, "stu@example.com")

    pending = await p.read.get("/api/admin/users", params={"pending_verification": "true"},
                               headers={**bearer(admin), TOKEN: student_reg.headers[TOKEN]})
    assert pending.status_code == 200, pending.text
    assert [u["email"] for u in pending.json()["items"]] == ["tea@example.com"]

    verified = await p.write.patch(f"/api/admin/users/{teacher['id']}",
                                   json={"teacher_verified": True}, headers=bearer(admin))
    assert verified.status_code == 200
    assert verified.json()["teacher_verified"] is True
    blocked = await p.write.patch(f"/api/admin/users/{student['id']}",
                                  json={"blocked": True}, headers=bearer(admin))
    assert blocked.status_code == 200

    listing = await p.read.get("/api/admin/users", params={"blocked": "true"},
                               headers={**bearer(admin), TOKEN: blocked.headers[TOKEN]})
    assert [u["email"] for u in listing.json()["items"]] == ["stu@example.com"]
    by_prefix = await p.read.get("/api/admin/users", params={"q": "tea"},
                                 headers={**bearer(admin), TOKEN: verified.headers[TOKEN]})
    assert [(u["email"], u["teacher_verified"]) for u in by_prefix.json()["items"]] == [
        ("tea@example.com", True)]

    cannot_login = await p.write.post("/api/auth/login", json={
        "email": "stu@example.com", "password": "correct-horse-1"})
    assert cannot_login.status_code == 403
    assert cannot_login.json()["error"]["code"] == "account_blocked"
    cannot_refresh = await p.write.post("/api/auth/refresh", json={
        "refresh_token": student_session["refresh_token"]})
    assert cannot_refresh.status_code == 401
    me = await p.read.get("/api/me", headers=bearer(student_session))
    assert me.status_code == 403

    as_student = await p.read.get("/api/admin/users", headers=bearer(await login(
        p, "tea@example.com")))
    assert as_student.status_code == 403
