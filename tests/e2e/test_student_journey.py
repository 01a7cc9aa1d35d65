"""The student's journey of issue 4 in one piece, over HTTP through relay and worker: find a paid
course, pay (declined, then succeeded), enrolled, study, see progress and the dashboard at once
with the command's token, review, get the completion notification and mail, refund and lose the
access."""

from __future__ import annotations

from email.header import decode_header, make_header

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.actors import sign_up
from tests.checks import inbox_reaching
from tests.harness import Platform
from tests.shop import PRICE, open_shop, pay


def subjects(platform: Platform, to: str) -> list[str]:
    return [str(make_header(decode_header(m["Subject"]))) for m in platform.mail.messages
            if m["To"] == to]


async def test_find_pay_study_review_complete_and_refund(platform: Platform,
                                                          engine: AsyncEngine) -> None:
    shop = await open_shop(platform)
    student = await sign_up(platform, "journey@example.com")

    found = (await student.read("/api/courses", q="paid", price="paid")).json()
    assert [hit["id"] for hit in found["items"]] == [shop.paid]
    assert (await pay(student, shop.paid, method="test_declined")).json()["status"] == "declined"
    assert (await student.read("/api/me/dashboard")).json()["in_progress"]["total"] == 0
    assert (await pay(student, shop.paid)).json()["status"] == "succeeded"

    # The payment's token: the saga's enrollment is on the dashboard at once.
    board = (await student.read("/api/me/dashboard")).json()
    [course] = board["in_progress"]["items"]
    assert (course["course_id"], course["status"], course["progress_percent"]) == (
        shop.paid, "enrolled", 0)
    first, second = shop.lessons
    await student.read(f"/api/lessons/{second}")  # a paid lesson opens

    await student.command("POST", f"/api/lessons/{first}/complete")
    progress = (await student.read(f"/api/me/courses/{shop.paid}/progress")).json()
    assert (progress["status"], progress["progress_percent"], progress["next_lesson_id"]) == (
        "in_progress", 50, second)
    review = await student.command("POST", f"/api/courses/{shop.paid}/reviews", expect=201,
                                   json={"rating": 5, "comment": "Clear and useful"})
    assert (await student.read(f"/api/courses/{shop.paid}")).json()["rating_count"] == 1
    assert review.json()["rating"] == 5
    await student.command("POST", f"/api/lessons/{second}/complete")
    board = (await student.read("/api/me/dashboard")).json()
    assert board["in_progress"]["total"] == 0
    assert [(c["course_id"], c["progress_percent"]) for c in board["completed"]["items"]] == [
        (shop.paid, 100)]

    inbox = await inbox_reaching(student, 3)  # payment receipt, enrolled, course completed
    assert {n["kind"] for n in inbox["items"]} == {"payment_receipt", "enrolled",
                                                   "course_completed"}
    await platform.mail.wait_for("journey@example.com", "You completed")
    await platform.mail.wait_for("journey@example.com", "Receipt")
    assert {"You completed «Paid course»", "Receipt: «Paid course»"} <= set(
        subjects(platform, "journey@example.com"))
    teacher_inbox = await inbox_reaching(shop.teacher, 1)
    assert teacher_inbox["items"][0]["message"] == "A new 5★ review of «Paid course»."

    payments = (await student.read("/api/me/payments")).json()["items"]
    succeeded = next(p for p in payments if p["status"] == "succeeded")
    assert succeeded["amount"] == PRICE
    refunded = await student.command("POST", f"/api/payments/{succeeded['id']}/refund")
    assert refunded.json()["status"] == "refunded"
    await student.read(f"/api/lessons/{second}", expect=403)  # the refund's token: access gone
    board = (await student.read("/api/me/dashboard")).json()
    assert board["in_progress"]["total"] == board["completed"]["total"] == 0
    await student.read(f"/api/me/courses/{shop.paid}/progress", expect=404)
    await platform.mail.wait_for("journey@example.com", "Refund")
