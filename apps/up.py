"""`edu up`: the whole platform on one machine, with prefixed logs and a clean Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass, field
from email import message_from_bytes
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from rich.console import Console

from apps.local_services import (
    LocalService,
    ensure_database,
    resolve_postgres,
    resolve_redis,
    start_embedded_postgres,
    start_embedded_redis,
)
from apps.seed import seed_demo
from common.net import free_port
from common.settings import Settings, asyncpg_url
from common.tokens import load_keys
from write.migrate import upgrade

console = Console(highlight=False)
COLOURS = {"write": "cyan", "read": "green", "relay": "magenta", "worker": "yellow",
           "mail": "blue", "edu": "bold white"}


def say(source: str, text: str) -> None:
    console.print(f"[{COLOURS.get(source, 'white')}]{source:>6} |[/] {text}", markup=True,
                  soft_wrap=True)


class MailFolder:
    """A local SMTP sink for when no SMTP server is configured: each message becomes a file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content)
        path = self.folder / f"{asyncio.get_running_loop().time():.6f}.eml"
        path.write_bytes(envelope.content)
        say("mail", f"to {message['To']}: {message['Subject']} → {path}")
        return "250 OK"


@dataclass
class Platform:
    write_port: int
    read_port: int
    seed: bool
    force_embedded: bool
    children: dict[str, asyncio.subprocess.Process] = field(default_factory=dict)
    services: list[LocalService] = field(default_factory=list)
    pumps: list[asyncio.Task[None]] = field(default_factory=list)

    async def run(self) -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        sink: Controller | None = None
        try:
            env, sink = await self._prepare()
            for name, args in self._commands().items():
                await self._spawn(name, args, env)
            await self._wait_ready(stop)
            if self.seed and not stop.is_set():
                await seed_demo(f"http://127.0.0.1:{self.write_port}", Settings(**_lower(env)),
                                log=lambda text: say("edu", text))
            self._banner(env)
            return await self._supervise(stop)
        finally:
            await self._stop_children()
            if sink is not None:
                sink.stop()
            for service in self.services:
                service.stop()
            say("edu", "stopped")

    async def _prepare(self) -> tuple[dict[str, str], Controller | None]:
        base = Settings()
        data_dir = base.data_dir.resolve()
        say("edu", f"data folder {data_dir}")
        if self.force_embedded:
            postgres = await asyncio.to_thread(start_embedded_postgres, data_dir, database="edu")
            redis = await asyncio.to_thread(start_embedded_redis, data_dir)
        else:
            postgres = await asyncio.to_thread(resolve_postgres, data_dir,
                                               env_url=os.environ.get("DATABASE_URL"), database="edu")
            redis = await asyncio.to_thread(resolve_redis, data_dir,
                                            env_url=os.environ.get("REDIS_URL"))
        self.services = [postgres, redis]
        database_url = asyncpg_url(postgres.url)
        say("edu", f"postgres ({postgres.source}) {postgres.url}")
        say("edu", f"redis ({redis.source}) {redis.url}")
        await ensure_database(database_url)
        await asyncio.to_thread(upgrade, database_url)
        say("edu", "migrations applied")
        env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis.url,
               "DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
        load_keys(Settings(**_lower(env)), need_private=True)  # one key pair for all processes
        sink = None
        if not os.environ.get("SMTP_HOST"):
            port = free_port()
            sink = Controller(MailFolder(data_dir / "mail"), hostname="127.0.0.1", port=port)
            sink.start()
            env.update(SMTP_HOST="127.0.0.1", SMTP_PORT=str(port))
            say("mail", f"no SMTP_HOST set: local sink on 127.0.0.1:{port}, "
                        f"messages saved in {data_dir / 'mail'}")
        return env, sink

    def _commands(self) -> dict[str, list[str]]:
        edu = [sys.executable, "-m", "apps.cli"]
        return {
            "write": [*edu, "serve", "write", "--port", str(self.write_port)],
            "read": [*edu, "serve", "read", "--port", str(self.read_port)],
            "relay": [*edu, "relay"],
            "worker": [*edu, "worker"],
        }

    async def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> None:
        process = await asyncio.create_subprocess_exec(
            *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        self.children[name] = process
        self.pumps.append(asyncio.create_task(self._pump(name, process)))

    async def _pump(self, name: str, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        async for line in process.stdout:
            say(name, line.decode(errors="replace").rstrip())

    async def _wait_ready(self, stop: asyncio.Event, timeout: float = 60) -> None:
        urls = [f"http://127.0.0.1:{self.write_port}/readyz",
                f"http://127.0.0.1:{self.read_port}/readyz"]
        deadline = asyncio.get_running_loop().time() + timeout
        async with httpx.AsyncClient(timeout=2) as client:
            for url in urls:
                while not stop.is_set():
                    try:
                        if (await client.get(url)).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    if asyncio.get_running_loop().time() > deadline:
                        raise RuntimeError(f"{url} did not become ready in {timeout:.0f}s")
                    await asyncio.sleep(0.25)

    def _banner(self, env: dict[str, str]) -> None:
        say("edu", "[bold green]EduPlatform is up[/]")
        say("edu", f"write API  http://127.0.0.1:{self.write_port}/docs  (commands)")
        say("edu", f"read API   http://127.0.0.1:{self.read_port}/docs  (queries)")
        settings = Settings(**_lower(env))
        say("edu", f"metrics    http://127.0.0.1:{self.write_port}/metrics, "
                   f"http://127.0.0.1:{self.read_port}/metrics, "
                   f"worker :{settings.worker_probe_port}, relay :{settings.relay_probe_port}")
        say("edu", f"mail       {env.get('SMTP_HOST')}:{env.get('SMTP_PORT')}")
        say("edu", "Ctrl-C stops everything")

    async def _supervise(self, stop: asyncio.Event) -> int:
        waits = {asyncio.create_task(p.wait()): name for name, p in self.children.items()}
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait([stopper, *waits], return_when=asyncio.FIRST_COMPLETED)
        if stopper in done:
            return 0
        for task in done:
            say("edu", f"[red]{waits[task]} exited with {task.result()}; stopping[/]")
        return 1

    async def _stop_children(self) -> None:
        for process in self.children.values():
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for name, process in self.children.items():
            try:
                await asyncio.wait_for(process.wait(), timeout=10)
            except TimeoutError:
                say("edu", f"{name} did not stop in 10 s; killing it")
                process.kill()
                await process.wait()


def _lower(env: dict[str, str]) -> dict[str, Any]:
    """Settings fields from the environment we hand to children."""
    keys = {name.upper(): name for name in Settings.model_fields}
    return {keys[k]: v for k, v in env.items() if k in keys}
