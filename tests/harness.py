"""A running platform for end-to-end tests: both APIs over real HTTP, relay, worker, SMTP sink."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from aiosmtpd.controller import Controller
from fastapi import FastAPI

from apps.read_app import create_read_app
from apps.relay import run_relay
from apps.worker import build_worker
from apps.write_app import create_write_app
from common.net import free_port
from common.settings import Settings


class MailSink:
    """A real SMTP server on loopback that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    async def wait_for(self, to: str, subject_part: str, *, count: int = 1,
                       timeout: float = 10) -> list[Message]:
        """Messages to `to` whose subject contains `subject_part`, once `count` have arrived."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            found = [m for m in self.messages
                     if m["To"] == to and subject_part in str(m["Subject"])]
            if len(found) >= count or asyncio.get_running_loop().time() > deadline:
                return found
            await asyncio.sleep(0.05)


def link_token(message: Message) -> str:
    """The token in the first link of a mail we sent."""
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    match = re.search(r"token=([A-Za-z0-9_\-%]+)", body.decode())
    assert match, "no link with a token in the message"
    return match.group(1)


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[str]:
    """Runs an app under uvicorn on a free loopback port; yields its base URL."""
    port = free_port()
    # As `edu serve` runs them: the client address is the peer's (common/ratelimit.py decides
    # which proxies' X-Forwarded-For to believe), and no Server banner.
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on", proxy_headers=False,
                                           server_header=False, timeout_graceful_shutdown=3))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@dataclass
class Platform:
    settings: Settings
    write: httpx.AsyncClient
    read: httpx.AsyncClient
    mail: MailSink
    background: list[asyncio.Task[Any]] = field(default_factory=list)


@asynccontextmanager
async def running_platform(settings: Settings, *, with_processors: bool = True
                           ) -> AsyncIterator[Platform]:
    """Write and read API over HTTP; relay and worker in this event loop unless disabled."""
    mail = MailSink()
    mail.start()
    settings = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": mail.port})
    stop = asyncio.Event()
    async with serve(create_write_app(settings)) as write_url, \
            serve(create_read_app(settings)) as read_url, \
            httpx.AsyncClient(base_url=write_url, timeout=10) as write, \
            httpx.AsyncClient(base_url=read_url, timeout=10) as read:
        platform = Platform(settings, write, read, mail)
        worker = build_worker(settings)
        if with_processors:
            platform.background = [asyncio.create_task(run_relay(settings, stop)),
                                   asyncio.create_task(worker.async_run())]
        try:
            yield platform
        finally:
            stop.set()
            if with_processors:
                await worker.close()
                for task in platform.background:
                    task.cancel()
                await asyncio.gather(*platform.background, return_exceptions=True)
            mail.stop()


def edu(settings: Settings, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Runs the `edu` CLI as an operator would, against the test servers."""
    env = {**os.environ, "DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url,
           "ARQ_QUEUE_NAME": settings.arq_queue_name, "DATA_DIR": str(tmp_path),
           "ENVIRONMENT": "test", "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "apps.cli", *args], env=env, text=True,
                          capture_output=True, timeout=60, check=False)
