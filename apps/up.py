"""`edu up`: the whole platform on one machine, with prefixed logs and a clean Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
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
from apps.up_web import WEB_DIR, missing_tools, plan
from common.net import free_port
from common.settings import Settings, asyncpg_url
from common.tokens import load_keys
from write.migrate import upgrade

console = Console(highlight=False)
COLOURS = {"write": "cyan", "read": "green", "relay": "magenta", "worker": "yellow",
           "mail": "blue", "web": "bright_blue", "edu": "bold white"}


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
    web: bool = True
    web_port: int = 3001
    web_url: str | None = None
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
            if self.web and not stop.is_set():
                await self._start_web(env, stop)
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
        # Mailed links (verification, password reset) open the web app this command serves.
        env.setdefault("WEB_BASE_URL", f"http://127.0.0.1:{self.web_port}")
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

    async def _spawn(self, name: str, args: list[str], env: dict[str, str],
                     cwd: Path | None = None) -> None:
        process = await asyncio.create_subprocess_exec(
            *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            start_new_session=True, cwd=cwd,
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

    async def _start_web(self, env: dict[str, str], stop: asyncio.Event) -> None:
        """Installs and builds the web app if needed (minutes), then serves it; skipped with the
        reason when Node.js is missing or a step fails: the APIs serve on without it."""
        reason = missing_tools(WEB_DIR)
        if reason:
            say("web", f"[yellow]not served: {reason}[/]")
            return
        web = plan(WEB_DIR, env, port=self.web_port,
                   read_url=f"http://127.0.0.1:{self.read_port}",
                   write_url=f"http://127.0.0.1:{self.write_port}")
        for step, args in web.steps:
            say("web", f"{step} (the first time takes a few minutes)")
            code = await self._run_to_end("web", args, web.env, stop, cwd=WEB_DIR)
            if code != 0:
                if code is not None:
                    say("web", f"[red]{step} failed with {code}; the web app is not served[/]")
                return
        await self._spawn("web", web.serve, web.env, cwd=WEB_DIR)
        self.web_url = f"http://127.0.0.1:{self.web_port}"

    async def _run_to_end(self, name: str, args: list[str], env: dict[str, str],
                          stop: asyncio.Event, cwd: Path) -> int | None:
        """A child run to completion (its exit status), or None if Ctrl-C came first (it stays
        among the children, so stopping ends it)."""
        await self._spawn(name, args, env, cwd=cwd)
        process = self.children[name]
        finished, stopping = (asyncio.create_task(process.wait()),
                              asyncio.create_task(stop.wait()))
        await asyncio.wait([finished, stopping], return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not finished.done():
            return None
        del self.children[name]
        return finished.result()

    def _banner(self, env: dict[str, str]) -> None:
        say("edu", "[bold green]EduPlatform is up[/]")
        say("edu", f"write API  http://127.0.0.1:{self.write_port}/docs  (commands)")
        say("edu", f"read API   http://127.0.0.1:{self.read_port}/docs  (queries)")
        if self.web_url:
            say("edu", f"web app    {self.web_url}")
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
        # Each child leads its own process group (start_new_session): the group takes along
        # what it started itself (npm's `next build`, uvicorn's worker processes).
        for process in self.children.values():
            if process.returncode is None:
                _signal_group(process, signal.SIGTERM)
        for name, process in self.children.items():
            try:
                await asyncio.wait_for(process.wait(), timeout=10)
            except TimeoutError:
                say("edu", f"{name} did not stop in 10 s; killing it")
                _signal_group(process, signal.SIGKILL)
                await process.wait()


def _signal_group(process: asyncio.subprocess.Process, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def _lower(env: dict[str, str]) -> dict[str, Any]:
    """Settings fields from the environment we hand to children."""
    keys = {name.upper(): name for name in Settings.model_fields}
    return {keys[k]: v for k, v in env.items() if k in keys}
