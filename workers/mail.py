"""Outgoing mail: messages built from events, sent over SMTP (or kept as files without SMTP)."""

from __future__ import annotations

import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiosmtplib
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from common.settings import Settings
from write.catalog.models import Course
from write.events import (
    Event,
    NotificationEmailRequested,
    PasswordResetEmailRequested,
    VerificationEmailRequested,
)
from write.identity.models import User
from write.notifications.models import Notification

SMTP_TIMEOUT_SECONDS = 10


async def message_for(event: Event, settings: Settings, engine: AsyncEngine) -> EmailMessage:
    """The message an email event asks for; a notification's recipient, course and details are
    read from the write model at sending time."""
    if not isinstance(event, NotificationEmailRequested):
        return compose(event, settings)
    async with engine.connect() as conn:
        to = (await conn.execute(select(User.email, User.name)
                                 .where(User.id == event.user_id))).one()
        title = await conn.scalar(select(Course.title).where(Course.id == event.course_id))
        data = await conn.scalar(select(Notification.data)
                                 .where(Notification.id == event.notification_id)) or {}
    subject, body = _notification_text(event.kind, title or "a course", data)
    return _message(settings, to=to.email, subject=subject,
                    text=f"Hello {to.name},\n\n{body}\n\nYour courses: "
                         f"{settings.web_base_url}/dashboard\n")


def _notification_text(kind: str, title: str, data: dict[str, Any]) -> tuple[str, str]:
    """Subject and body of a notification's mail."""
    amount = f"{data.get('amount')} {data.get('currency')}"
    if kind == "payment_receipt":
        return (f"Receipt: «{title}»",
                f"we received your payment of {amount} for «{title}». The course is open.")
    if kind == "payment_refunded":
        return (f"Refund: «{title}»",
                f"your payment of {amount} for «{title}» was refunded; the course is closed.")
    return (f"You completed «{title}»",
            f"congratulations: you completed every lesson of «{title}».")


def compose(event: Event, settings: Settings) -> EmailMessage:
    """The message an email event asks for, with the one-time link in it."""
    if isinstance(event, VerificationEmailRequested):
        link = f"{settings.web_base_url}/verify-email?token={quote(event.token)}"
        subject = "Confirm your email for EduPlatform"
        text = (f"Hello {event.name},\n\nconfirm your email address by opening this link:\n"
                f"{link}\n\nThe link works once and expires in "
                f"{settings.email_token_ttl_seconds // 3600} hours.\n")
    elif isinstance(event, PasswordResetEmailRequested):
        link = f"{settings.web_base_url}/reset-password?token={quote(event.token)}"
        subject = "Reset your EduPlatform password"
        text = (f"Hello {event.name},\n\nsomeone asked to reset your password. If it was you, "
                f"open this link:\n{link}\n\nThe link works once and expires in "
                f"{settings.password_reset_ttl_seconds // 60} minutes. If it was not you, "
                "ignore this message.\n")
    else:
        raise ValueError(f"{event.event_type} is not an email event")
    return _message(settings, to=event.email, subject=subject, text=text)


def _message(settings: Settings, *, to: str, subject: str, text: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(text)
    return message


async def deliver(message: EmailMessage, settings: Settings) -> str:
    """Sends over SMTP; without an SMTP server configured, writes the message to the data folder."""
    if settings.smtp_host is None:
        folder = settings.data_dir / "mail"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{time.time_ns()}.eml"
        path.write_bytes(bytes(message))
        return f"file {Path(path)}"
    await aiosmtplib.send(
        message,
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        start_tls=settings.smtp_starttls,
        timeout=SMTP_TIMEOUT_SECONDS,
    )
    return f"smtp {settings.smtp_host}:{settings.smtp_port}"
