"""Catalog benchmark: seed, rebuild the read models, then load the CQRS read API against the naive
baseline and a bare app; writes docs/benchmarks/catalog.md and catalog.json.

    uv run python -m tools.bench_catalog --courses 100000 --duration 20 --concurrency 32

It only ever touches its own database (`edu_bench`, plus `edu_bench_search`) on the server from
DATABASE_URL or the local/embedded one, and Redis database 9; every request goes to loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote, urlsplit

import asyncpg
import psutil
from fastapi import FastAPI
from redis.asyncio import Redis
from rich.console import Console
from sqlalchemy.engine import make_url

from apps.local_services import LocalService, ensure_database, resolve_postgres, resolve_redis
from common.net import free_port
from common.settings import Settings
from read.stores.documents import PREFIX
from read.stores.ops import REBUILD_STATUS_PREFIX
from tools import seed_data as words
from tools.loadgen import LoadClient
from tools.public_args import public_args
from tools.seed import bulk_seed
from write.migrate import upgrade

# The benchmarks' own database and Redis db; tests of the harness point them elsewhere.
BENCH_DATABASE = os.environ.get("EDU_BENCH_DATABASE", "edu_bench")
BENCH_REDIS_DB = int(os.environ.get("EDU_BENCH_REDIS_DB", "9"))
# A Redis db is flushed only when empty or marked as the benchmark's own.
MARKER_KEY = "edu:bench:marker"
ROOT = Path(__file__).resolve().parent.parent
PROJECTIONS = ("users", "courses", "lessons", "search", "categories")
TYPOS = ("pyhton", "програмирование", "machne", "статистка", "javascirpt", "маркетнг",
         "databses", "фотографя")
console = Console(highlight=False)


def create_bare_app() -> FastAPI:
    """The noise baseline: FastAPI answering a constant JSON, no middleware, no I/O."""
    app = FastAPI()

    @app.get("/bare")
    async def bare() -> dict[str, str]:
        return {"status": "ok"}

    return app


@dataclass
class BenchEnvironment:
    """The benchmark's own database and Redis db, and the servers it had to start."""

    settings: Settings
    services: list[LocalService]
    concurrency: int

    @property
    def env(self) -> dict[str, str]:
        """The environment every child process gets: only the benchmark's stores.

        Both apps get a database pool as large as the load's concurrency: with the default
        (10 + 10 overflow) the overflow connections are opened and closed per request, a cost
        of that configuration rather than of either read path. Rate limits are off: the
        benchmarks measure capacity, and the load comes from one address and a few accounts.
        The search answer cache is off: its rows measure the index, not Redis (the benchmark's
        vocabulary is small, so at hundreds of searches a second nearly every answer would be
        a kept one).
        """
        return {**os.environ, "DATABASE_URL": self.settings.database_url,
                "SEARCH_DATABASE_URL": self.settings.search_database,
                "REDIS_URL": self.settings.redis_url, "ENVIRONMENT": "development",
                "DATA_DIR": str(self.settings.data_dir),
                "DB_POOL_SIZE": str(max(self.concurrency, 10)), "DB_MAX_OVERFLOW": "0",
                "REDIS_MAX_CONNECTIONS": str(max(self.concurrency * 2, 50)),
                "RATE_LIMITS_ENABLED": "false", "SEARCH_CACHE_SECONDS": "0"}

    def stop(self) -> None:
        for service in self.services:
            service.stop()


def bench_environment(data_dir: Path, concurrency: int) -> BenchEnvironment:
    """DATABASE_URL/REDIS_URL's servers (else local, else embedded) with the benchmark's names."""
    services = []
    if os.environ.get("DATABASE_URL"):
        database_url = make_url(Settings().database_url).set(database=BENCH_DATABASE)
        database = database_url.render_as_string(hide_password=False)
    else:
        services.append(resolve_postgres(data_dir, env_url=None, database=BENCH_DATABASE))
        database = services[-1].url
    if os.environ.get("REDIS_URL"):
        parts = urlsplit(os.environ["REDIS_URL"])
        if parts.scheme not in ("redis", "rediss"):
            raise SystemExit("the benchmark needs a redis:// or rediss:// REDIS_URL")
        redis = parts._replace(path=f"/{BENCH_REDIS_DB}").geturl()
    else:
        services.append(resolve_redis(data_dir, env_url=None, db=BENCH_REDIS_DB))
        redis = services[-1].url
    settings = Settings(database_url=database, redis_url=redis, data_dir=data_dir,
                        environment="development", search_database_url=None)
    for url in (settings.database_url, settings.search_database):
        if not str(make_url(url).database).startswith(BENCH_DATABASE):
            raise SystemExit(f"refusing to use {make_url(url).database!r}: not a benchmark database")
    return BenchEnvironment(settings, services, concurrency)


async def reset_stores(settings: Settings) -> None:
    """Empties its Redis db (only if it is the benchmark's) and drops the benchmark databases."""
    redis = Redis.from_url(settings.redis_url)
    try:
        if await redis.dbsize() and not await redis.exists(MARKER_KEY):
            raise SystemExit(f"{settings.redis_url} holds data that is not the benchmark's")
        await redis.flushdb()
        await redis.set(MARKER_KEY, "tools.bench_catalog")
    finally:
        await redis.aclose()
    server = await asyncpg.connect(make_url(settings.database_url_plain)
                                   .set(database="postgres").render_as_string(hide_password=False))
    try:
        for url in (settings.database_url, settings.search_database):
            name = make_url(url).database
            await server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await server.close()


async def course_count(settings: Settings) -> int:
    conn = await asyncpg.connect(settings.database_url_plain)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM catalog.courses"))
    finally:
        await conn.close()


async def prepare_data(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    """Migrates and seeds (or, with --reuse, keeps a seeded database); returns what was done."""
    if not args.reuse:
        await reset_stores(settings)
    await ensure_database(settings.database_url)
    await asyncio.to_thread(upgrade, settings.database_url)
    existing = await course_count(settings)
    facts = args.data_dir / "seed.json"
    if args.reuse and existing:
        console.print(f"reusing {existing:,} courses already in {BENCH_DATABASE}")
        earlier = json.loads(facts.read_text()) if facts.exists() else {}
        return {**earlier, "seeded": False, "courses": existing}
    console.rule("seeding")
    result = await bulk_seed(settings, teachers=args.teachers or max(args.courses // 10, 1),
                                courses=args.courses, modules_per_course=args.modules,
                                lessons_per_module=args.lessons, categories=args.categories,
                                random_seed=args.random_seed)
    console.print(f"seeded {result}")
    # Kept beside the data, so a later --reuse run can still report how long seeding took.
    facts.write_text(json.dumps(asdict(result)))
    return {"seeded": True, **asdict(result)}


@dataclass
class RebuildSampler:
    """Peak and per-progress RSS of the rebuild process, with the progress it reported."""

    process: psutil.Process
    peak_bytes: int = 0
    samples: list[dict[str, Any]] = field(default_factory=list)

    def rss(self) -> int:
        try:
            return sum(p.memory_info().rss for p in [self.process,
                                                       *self.process.children(recursive=True)])
        except psutil.NoSuchProcess:
            return 0

    async def sample(self, redis: Redis, started: float) -> dict[str, Any]:
        rss = self.rss()
        self.peak_bytes = max(self.peak_bytes, rss)
        status = await rebuild_statuses(redis)
        sample = {"t": round(time.monotonic() - started, 2), "rss_mb": round(rss / 2**20, 1),
                  **{f"{name}_done": int(s.get("done", 0)) for name, s in status.items()}}
        # The peak sees every sample; the kept series (for the report) one a second.
        if not self.samples or sample["t"] - self.samples[-1]["t"] >= 1:
            self.samples.append(sample)
        return sample


async def measure_rebuild(settings: Settings, env: dict[str, str], log: Path) -> dict[str, Any]:
    """`edu projections rebuild all` in its own process: wall time, rates, peak and progress RSS."""
    redis = Redis.from_url(settings.redis_url, decode_responses=True)
    try:
        await redis.delete(*(REBUILD_STATUS_PREFIX + name for name in PROJECTIONS))
        started = time.monotonic()
        sampler = await run_rebuild(redis, env, log, started)
        projections: dict[str, dict[str, Any]] = {}
        for name, status in (await rebuild_statuses(redis)).items():
            done = int(status["done"])
            seconds = float(status["updated_at"]) - float(status["started_at"])
            projections[name] = {"documents": done, "seconds": round(seconds, 2),
                                 "docs_per_second": round(done / max(seconds, 1e-9))}
        memory, keys = await redis.info("memory"), await redis.dbsize()
    finally:
        await redis.aclose()
    return {"wall_seconds": round(time.monotonic() - started, 1), "projections": projections,
            "redis_used_mb": round(memory["used_memory"] / 2**20), "redis_keys": keys,
            "load_average": round(os.getloadavg()[0], 2),
            "peak_rss_mb": round(sampler.peak_bytes / 2**20, 1),
            "rss_by_progress": rss_by_progress(sampler.samples, projections["courses"]["documents"]),
            "samples": sampler.samples}


async def run_rebuild(redis: Redis, env: dict[str, str], log: Path, started: float
                      ) -> RebuildSampler:
    """Runs the CLI's rebuild, sampling its memory and progress until it exits."""
    command = [sys.executable, "-m", "apps.cli", "projections", "rebuild", "all"]
    with log.open("w") as output:
        process = psutil.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT, cwd=ROOT)
        sampler = RebuildSampler(process)
        try:
            next_print = 0.0
            while process.poll() is None:
                sample = await sampler.sample(redis, started)
                if sample["t"] >= next_print:
                    console.print(f"  rebuild {sample['t']:6.1f}s  courses {sample['courses_done']:>9,}"
                                  f"  RSS {sample['rss_mb']:7.1f} MB")
                    next_print = sample["t"] + 5
                await asyncio.sleep(0.1)
        finally:
            stop_process(process)
    if process.returncode != 0:
        raise SystemExit(f"rebuild failed ({process.returncode}); see {log}:\n{_tail(log)}")
    return sampler


async def rebuild_statuses(redis: Redis) -> dict[str, dict[str, str]]:
    """What each projection's rebuild last published (state, done, started_at, updated_at)."""
    statuses = {}
    for name in PROJECTIONS:
        status: dict[str, str] = await redis.hgetall(REBUILD_STATUS_PREFIX + name)  # type: ignore[misc]
        statuses[name] = status
    return statuses


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


def rss_by_progress(samples: list[dict[str, Any]], total: int) -> dict[str, float]:
    """RSS of the rebuild when 10 %, 50 % and 100 % of the courses were written: flat or growing."""
    marks: dict[str, float] = {}
    for share in (0.1, 0.5, 1.0):
        reached = [s for s in samples if total and s["courses_done"] >= share * total]
        if reached:
            marks[f"{share:.0%}"] = reached[0]["rss_mb"]
    return marks


def stop_process(process: psutil.Popen) -> None:
    """Terminates one child we started (by its pid), killing it if it does not stop."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(10)
    except psutil.TimeoutExpired:
        process.kill()
        process.wait(5)


SERVERS = {"bare": ("tools.bench_catalog:create_bare_app", "/bare"),
           "read": ("apps.read_app:create_read_app", "/readyz"),
           "naive": ("apps.naive_app:create_naive_app", "/readyz")}


async def start_servers(env: dict[str, str], log_dir: Path,
                        servers: dict[str, tuple[str, str]] = SERVERS
                        ) -> dict[str, tuple[psutil.Popen, str]]:
    """One single-worker uvicorn per app on loopback (no access log); waits until each answers."""
    started: dict[str, tuple[psutil.Popen, str]] = {}
    for name, (factory, ready_path) in servers.items():
        port = free_port()
        command = [sys.executable, "-m", "uvicorn", factory, "--factory", "--host", "127.0.0.1",
                   "--port", str(port), "--log-level", "warning", "--no-access-log"]
        with (log_dir / f"server-{name}.log").open("w") as output:
            process = psutil.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   cwd=ROOT)
        started[name] = (process, f"http://127.0.0.1:{port}")
        await wait_ready(process, f"http://127.0.0.1:{port}", ready_path, name)
    return started


async def wait_ready(process: psutil.Popen, base_url: str, path: str, name: str,
                     timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with LoadClient(base_url, 1, timeout=2) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"the {name} server exited ({process.returncode}); see its log")
            # Connection refused while the server starts reads as a status that is not 200.
            if await client.get_status(path) == "200":
                return
            await asyncio.sleep(0.2)
    raise SystemExit(f"the {name} server did not become ready within {timeout:.0f}s")


class Request(NamedTuple):
    """One request of a load run; `kind` groups latencies in the report."""

    kind: str
    path: str
    method: str = "GET"
    body: bytes | None = None
    authorization: str | None = None


Chooser = Callable[[random.Random], Request]
# An open loop never lets its own backlog grow without bound; past this, requests count as errors.
OPEN_LOOP_MAX_IN_FLIGHT = 256
# The open-loop search run offers this share of the closed loop's measured search throughput.
OPEN_LOOP_SHARE = 0.5
SEARCH_READ = "search, read API"


@dataclass
class LoadResult:
    name: str
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    statuses: dict[str, int]
    by_kind: dict[str, dict[str, float]]
    cpu_ms_per_request: dict[str, float]
    load_average: float




def cpu_seconds(process: psutil.Process) -> float:
    """User + system CPU so far (0 for a process that is gone)."""
    try:
        times = process.cpu_times()
    except psutil.Error:
        return 0.0
    return float(times.user + times.system)


def is_store(process: psutil.Process) -> bool:
    """Redis, or a Postgres backend serving a benchmark database (its title names the database)."""
    name = process.info["name"] or ""
    return name.startswith("redis-server") or (
        name.startswith("postgres") and BENCH_DATABASE in " ".join(process.info["cmdline"] or ()))


def cpu_snapshot(server: psutil.Process) -> dict[str, dict[int, float]]:
    """CPU seconds so far of the app server, the data stores and this client.

    Redis counts whole (other work on that server counts too). Backends that exit during a run
    are missed, which is why the apps' pools are sized to the concurrency (see `env`).
    """
    stores = [p for p in psutil.process_iter(["name", "cmdline"]) if is_store(p)]
    groups = {"app": [server], "stores": stores, "client": [psutil.Process()]}
    return {group: {p.pid: cpu_seconds(p) for p in processes} for group, processes in groups.items()}


def cpu_used(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]
             ) -> dict[str, float]:
    """CPU seconds per group between two snapshots (processes started in between count whole)."""
    return {group: sum(max(0.0, t - before[group].get(pid, 0.0)) for pid, t in times.items())
            for group, times in after.items()}


def percentile(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted seconds, in milliseconds."""
    if not ordered:
        return float("nan")
    return round(ordered[min(len(ordered) - 1, max(0, int(share * len(ordered) + 0.5) - 1))] * 1e3, 2)


@dataclass
class Recorder:
    """Latencies by query kind and answers by status, for one recorded run."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[str] = field(default_factory=Counter)

    def add(self, kind: str, started: float, status: str) -> None:
        self.latencies[kind].append(time.perf_counter() - started)
        self.statuses[status] += 1

    def result(self, name: str, seconds: float, cpu: dict[str, float]) -> LoadResult:
        every = sorted(x for values in self.latencies.values() for x in values)
        count = len(every)
        by_kind = {kind: {"requests": len(v), "p50_ms": percentile(sorted(v), 0.5),
                          "p95_ms": percentile(sorted(v), 0.95)}
                   for kind, v in self.latencies.items()}
        succeeded = sum(n for status, n in self.statuses.items() if status.startswith("2"))
        return LoadResult(
            name, count, count - succeeded, round(seconds, 2),
            round(count / seconds, 1), percentile(every, 0.5), percentile(every, 0.95),
            percentile(every, 0.99), dict(self.statuses), by_kind,
            {group: round(used * 1e3 / max(count, 1), 3) for group, used in cpu.items()},
            round(os.getloadavg()[0], 2))


def _client(base_url: str, connections: int) -> LoadClient:
    """The load client (tools/loadgen.py): httpx cost more CPU per request than the cheap
    endpoints it measured, so the client, not the server, capped their RPS."""
    return LoadClient(base_url, connections, timeout=10)


async def send(client: LoadClient, request: Request) -> str:
    return await client.send_status(request.method, request.path, json_body=request.body,
                                    authorization=request.authorization)


async def drive(name: str, server: psutil.Process, base_url: str, choose: Chooser,
                args: argparse.Namespace) -> LoadResult:
    """A closed loop: `concurrency` workers send requests back to back until the deadline."""
    recorder = Recorder()
    async with _client(base_url, args.concurrency) as client:

        async def worker(seed: str, until: float, record: bool) -> None:
            rng = random.Random(seed)
            while time.perf_counter() < until and recorder.statuses.total() < args.max_requests:
                request = choose(rng)
                sent = time.perf_counter()
                status = await send(client, request)
                if record:
                    recorder.add(request.kind, sent, status)

        async def run(seconds: float, record: bool) -> float:
            begun = time.perf_counter()
            await asyncio.gather(*(worker(f"{name}/{i}/{record}", begun + seconds, record)
                                   for i in range(args.concurrency)))
            return time.perf_counter() - begun

        await run(args.warmup, record=False)
        ticker = asyncio.create_task(report_progress(name, recorder.statuses, args.duration))
        cpu_before = cpu_snapshot(server)
        seconds = await run(args.duration, record=True)
        cpu = cpu_used(cpu_before, cpu_snapshot(server))
        ticker.cancel()
    return recorder.result(name, seconds, cpu)


async def drive_open(name: str, server: psutil.Process, base_url: str, choose: Chooser,
                     rate: float, args: argparse.Namespace) -> LoadResult:
    """An open loop: requests start at random (Poisson) moments averaging `rate` per second,
    whatever the answers; latency counts from the planned start, so a queue cannot hide."""
    recorder, rng, in_flight = Recorder(), random.Random(name), set[asyncio.Task[None]]()
    async with _client(base_url, OPEN_LOOP_MAX_IN_FLIGHT) as client:

        async def one(request: Request, planned: float) -> None:
            recorder.add(request.kind, planned, await send(client, request))

        ticker = asyncio.create_task(report_progress(name, recorder.statuses, args.duration))
        cpu_before = cpu_snapshot(server)
        begun = planned = time.perf_counter()
        while planned < begun + args.duration and recorder.statuses.total() < args.max_requests:
            await asyncio.sleep(max(0.0, planned - time.perf_counter()))
            request = choose(rng)
            if len(in_flight) >= OPEN_LOOP_MAX_IN_FLIGHT:
                recorder.add(request.kind, planned, "not sent: too many in flight")
            else:
                task = asyncio.create_task(one(request, planned))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
            planned += rng.expovariate(rate)
        await asyncio.gather(*in_flight)
        seconds = time.perf_counter() - begun
        cpu = cpu_used(cpu_before, cpu_snapshot(server))
        ticker.cancel()
    return recorder.result(name, seconds, cpu)


async def report_progress(name: str, statuses: Counter[str], duration: float) -> None:
    begun = time.perf_counter()
    while True:
        await asyncio.sleep(5)
        elapsed = time.perf_counter() - begun
        done = sum(statuses.values())
        console.print(f"  {name:<22} {elapsed:5.1f}/{duration:.0f}s {done:>9,} requests "
                      f"{done / elapsed:>9,.0f} rps")


def search_terms() -> dict[str, list[str]]:
    """Queries by kind from the seed vocabulary: words, Russian word forms, prefixes, typos."""
    first_words = [topic.nom.split()[0] for topic in words.TOPICS]
    return {
        "word": [topic.en for topic in words.TOPICS] + first_words + list(words.TOOLS),
        "word form": [topic.dat for topic in words.TOPICS] + [t.gen for t in words.TOPICS],
        "prefix": [w[: max(4, len(w) // 2)] for w in first_words],
        "typo": list(TYPOS),
    }


def choosers(course_ids: list[str]) -> dict[str, tuple[str, Chooser]]:
    """Each scenario: which server, and how a worker picks its next request."""
    terms = search_terms()
    kinds = sorted(terms)

    def page(prefix: str) -> Chooser:
        return lambda rng: Request("page", f"{prefix}/{rng.choice(course_ids)}")

    def search(prefix: str) -> Chooser:
        def choose(rng: random.Random) -> Request:
            kind = rng.choice(kinds)
            return Request(kind, f"{prefix}?limit=20&q={quote(rng.choice(terms[kind]))}")
        return choose

    return {"bare (constant JSON)": ("bare", lambda rng: Request("bare", "/bare")),
            "course page, read API": ("read", page("/api/courses")),
            "course page, naive": ("naive", page("/api/naive/courses")),
            SEARCH_READ: ("read", search("/api/courses")),
            "search, naive ILIKE": ("naive", search("/api/naive/courses"))}


async def sample_course_ids(settings: Settings, count: int = 5000) -> list[str]:
    conn = await asyncpg.connect(settings.database_url_plain)
    try:
        rows = await conn.fetch("SELECT id::text FROM catalog.courses WHERE status = 'published' "
                                "ORDER BY random() LIMIT $1", count)
    finally:
        await conn.close()
    return [row[0] for row in rows]


def cpu_model() -> str:
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    models = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    return models[0] if models else platform.processor()


async def machine_facts(settings: Settings) -> dict[str, Any]:
    conn = await asyncpg.connect(settings.database_url_plain)
    redis = Redis.from_url(settings.redis_url, decode_responses=True)
    try:
        postgres = await conn.fetchval("SHOW server_version")
        redis_version = (await redis.info("server"))["redis_version"]
    finally:
        await conn.close()
        await redis.aclose()
    return {"date": datetime.now(UTC).isoformat(timespec="seconds"), "nproc": os.cpu_count(),
            "ram_gib": round(psutil.virtual_memory().total / 2**30, 1), "cpu": cpu_model(),
            "python": platform.python_version(), "os": platform.platform(),
            "postgres": postgres, "redis": redis_version, "search": settings.search_backend}


def report_run(result: LoadResult) -> LoadResult:
    console.print(f"  {result.rps:,.0f} rps, p50 {result.p50_ms} ms, p95 {result.p95_ms} ms, "
                  f"p99 {result.p99_ms} ms, {result.errors} errors")
    return result


async def load_endpoints(env: BenchEnvironment, args: argparse.Namespace, log_dir: Path
                         ) -> list[LoadResult]:
    course_ids = await sample_course_ids(env.settings)
    if not course_ids:
        raise SystemExit("no published course to request")
    servers = await start_servers(env.env, log_dir)
    scenarios = choosers(course_ids)
    try:
        results = []
        for name, (server, choose) in scenarios.items():
            console.rule(f"{name}: {args.duration:.0f}s at concurrency {args.concurrency}")
            process, url = servers[server]
            results.append(report_run(await drive(name, process, url, choose, args)))
            if name == SEARCH_READ:
                # Measured before the naive ILIKE, whose abandoned parallel scans outlive their
                # requests for seconds and would be counted against the read index.
                results.append(report_run(await drive_search_open_loop(
                    results[-1], process, url, choose, args)))
        return results
    finally:
        for process, _ in servers.values():
            stop_process(process)


async def drive_search_open_loop(closed: LoadResult, process: psutil.Process, url: str, choose: Chooser,
                                 args: argparse.Namespace) -> LoadResult:
    """A closed loop runs the server saturated, where latency is mostly queueing; search latency
    is also measured at a steady load the server can keep up with."""
    rate = max(1.0, round(closed.rps * OPEN_LOOP_SHARE))
    name = f"{SEARCH_READ}, open loop at {rate:.0f} rps"
    console.rule(f"{name}: {args.duration:.0f}s")
    return await drive_open(name, process, url, choose, rate, args)


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join([*lines, *("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows)])


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "-"


def targets(report: dict[str, Any]) -> list[list[str]]:
    """The agreed targets for this machine, measured against this run."""
    load = {entry["name"]: entry for entry in report["load"]}
    read, naive = load["course page, read API"], load["course page, naive"]
    page = read["rps"] / max(naive["rps"], 1e-9)
    capacity = per_core(read) / max(per_core(naive), 1e-9)
    search_p95 = load[SEARCH_READ]["p95_ms"]
    concurrency = report["settings"]["concurrency"]
    open_loop = next((entry for name, entry in load.items() if name.startswith(f"{SEARCH_READ}, open")),
                     None)
    rows = [["course page ≥ 5× naive throughput (measured RPS)", f"{page:.1f}×", _verdict(page >= 5)],
            ["course page ≥ 5× naive throughput (RPS per core)", f"{capacity:.1f}×",
             _verdict(capacity >= 5)],
            # A closed loop keeps N requests in flight, so its mean latency is N / throughput
            # (Little's law) whatever the index does: a saturation figure, not the latency a
            # searcher sees. The target is judged by the open loop below, at half that load.
            [f"search p95 at saturation (closed loop, {concurrency} in flight; mean wait "
             f"{concurrency} ÷ {load[SEARCH_READ]['rps']:,.0f}/s = "
             f"{1000 * concurrency / max(load[SEARCH_READ]['rps'], 1e-9):.0f} ms by Little's law)",
             f"{search_p95} ms", "for comparison, not a target"]]
    if open_loop is not None:
        rows.append([f"search p95 ≤ 50 ms ({open_loop['name'].removeprefix(SEARCH_READ + ', ')}, "
                     "half the closed loop's throughput)",
                     f"{open_loop['p95_ms']} ms", _verdict(open_loop["p95_ms"] <= 50)])
    rebuild = report["rebuild"]
    if not rebuild.get("skipped"):
        rate = rebuild["projections"]["courses"]["docs_per_second"]
        marks = rebuild["rss_by_progress"]
        growth = (marks.get("100%", 0) - marks.get("10%", 0)) / max(marks.get("10%", 0), 1e-9)
        rows += [["rebuild ≥ 5,000 course docs/s (`courses`: pages and lists)", f"{rate:,}/s",
                  _verdict(rate >= 5000)],
                 ["rebuild memory flat (RSS 10 % → 100 % of courses)",
                  " → ".join(f"{v} MB" for v in marks.values()), _verdict(growth <= 0.2)]]
    seed = report["seed"]
    if "seconds" in seed and seed["courses"] == 100_000:
        rows.append(["seeding 100,000 courses < 2 min", f"{seed['seconds']:.0f} s",
                     _verdict(seed["seconds"] < 120)])
    return rows


def per_core(entry: dict[str, Any]) -> float:
    """Requests one core serves, from the server-side CPU (app, Postgres, Redis) per request."""
    cpu: dict[str, float] = entry["cpu_ms_per_request"]
    return 1000 / max(cpu["app"] + cpu["stores"], 1e-9)


def _verdict(met: bool) -> str:
    return "met" if met else "**missed**"


def render_markdown(report: dict[str, Any]) -> str:
    machine, seed, rebuild, settings = (report["machine"], report["seed"], report["rebuild"],
                                        report["settings"])
    load = {entry["name"]: entry for entry in report["load"]}
    bare = load["bare (constant JSON)"]["rps"]
    parts = [
        "# Catalog benchmark: CQRS read side vs naive reads of the write tables",
        f"Generated by `uv run {report['command']}` on {machine['date']}; the numbers are in "
        "`catalog.json` beside this file. Rerun that command to refresh both.",
        "## Machine",
        _table(["nproc", "RAM", "CPU", "Python", "PostgreSQL", "Redis", "search backend"],
               [[machine["nproc"], f"{machine['ram_gib']} GiB", machine["cpu"], machine["python"],
                 machine["postgres"], machine["redis"], machine["search"]]]),
        "## Data",
        (f"Seeded with `tools.seed.bulk_seed` (COPY): {seed['teachers']:,} teachers, "
         f"{seed['categories']:,} categories, {seed['courses']:,} courses, {seed['modules']:,} "
         f"modules, {seed['lessons']:,} lessons in **{seed['seconds']:.1f} s**"
         + ("." if seed["seeded"] else " (by an earlier run; this one reused the data).")
         if "seconds" in seed else f"Reused {seed['courses']:,} seeded courses (not timed)."),
    ]
    if not rebuild.get("skipped"):
        parts += [
            "## Rebuild (`edu projections rebuild all`, its own process)",
            _table(["projection", "documents", "seconds", "docs/s"],
                   [[name, f"{p['documents']:,}", p["seconds"], f"{p['docs_per_second']:,}"]
                    for name, p in rebuild["projections"].items()]),
            f"Seconds run from the rebuild's start to its switch (its status in Redis), without "
            f"the grace period before old generations are dropped; the whole command took "
            f"{rebuild['wall_seconds']} s. Peak RSS of the process: **{rebuild['peak_rss_mb']} "
            f"MB**; RSS when 10 % / 50 % / 100 % of the courses were written: "
            + " / ".join(f"{v} MB" for v in rebuild["rss_by_progress"].values())
            + f". Load average at the end: {rebuild['load_average']:.2f}. Afterwards Redis held "
            f"{rebuild['redis_keys']:,} keys in the benchmark's db and used "
            f"{rebuild['redis_used_mb']:,} MB in all (INFO used_memory, every db of the server).",
        ]
    parts += [
        "## HTTP load",
        (f"Closed loop on loopback: {settings['concurrency']} requests in flight for "
         f"{settings['duration']:.0f} s per endpoint after {settings['warmup']:.0f} s of warm-up, "
         "from one load-client process (`tools/loadgen.py`) on the same machine (it competes for "
         "the same cores, so absolute RPS are a floor). Each app is one uvicorn worker without "
         "access log. Course "
         "ids are random published courses; search queries draw a kind (word, Russian word form, "
         "prefix, typo) and then a term from the seed vocabulary; every search asks the index "
         "(the read API's answer cache, `SEARCH_CACHE_SECONDS`, is off). The open-loop row offers search "
         f"requests at random moments averaging {OPEN_LOOP_SHARE:.0%} of the closed loop's "
         "search throughput, and counts latency from each request's planned start."),
        _table(["endpoint", "requests", "errors", "RPS", "p50 ms", "p95 ms", "p99 ms", "RPS / bare",
                "CPU ms/req: app", "Postgres + Redis", "client", "RPS per core", "load avg"],
               [[e["name"], f"{e['requests']:,}", e["errors"], f"{e['rps']:,.0f}", e["p50_ms"],
                 e["p95_ms"], e["p99_ms"], _ratio(e["rps"], bare), e["cpu_ms_per_request"]["app"],
                 e["cpu_ms_per_request"]["stores"], e["cpu_ms_per_request"]["client"],
                 f"{per_core(e):,.0f}", e["load_average"]] for e in load.values()]),
        ("CPU ms/req is the CPU time the app process, every Postgres and Redis process, and the "
         "load client spent per request during the recorded run. RPS per core = 1000 / (app + "
         "Postgres + Redis): what one core serves of that request, whatever the client manages "
         "(where the client column comes close to the app's, the client, not the server, caps the "
         "measured RPS). Load avg is the machine's "
         "1-minute load average at the end of the run; above "
         f"{machine['nproc']} something else was competing for the cores."),
        _table(["CQRS vs naive", "throughput (CQRS / naive)", "RPS per core (CQRS / naive)",
                "p95 (naive / CQRS)"],
               [[what, _ratio(load[f"{what}, read API"]["rps"], load[naive]["rps"]),
                 _ratio(per_core(load[f"{what}, read API"]), per_core(load[naive])),
                 _ratio(load[naive]["p95_ms"], load[f"{what}, read API"]["p95_ms"])]
                for what, naive in (("course page", "course page, naive"),
                                    ("search", "search, naive ILIKE"))]),
        "### Search latency by query kind",
        _table(["endpoint", "kind", "requests", "p50 ms", "p95 ms"],
               [[name, kind, f"{k['requests']:,}", k["p50_ms"], k["p95_ms"]]
                for name in load if name.startswith("search")
                for kind, k in sorted(load[name]["by_kind"].items())]),
        "## Targets",
        _table(["target", "measured", "verdict"], targets(report)),
    ]
    return "\n\n".join(parts) + "\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.bench_catalog", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--courses", type=int, default=100_000, help="courses to seed")
    parser.add_argument("--teachers", type=int, default=0, help="teachers (default courses/10)")
    parser.add_argument("--modules", type=int, default=3, help="modules per course")
    parser.add_argument("--lessons", type=int, default=4, help="lessons per module")
    parser.add_argument("--categories", type=int, default=24, help="categories to seed")
    parser.add_argument("--random-seed", type=int, default=2026, help="seed of the generator")
    parser.add_argument("--duration", type=float, default=20, help="seconds of load per endpoint")
    parser.add_argument("--warmup", type=float, default=3, help="unrecorded seconds before each")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight")
    parser.add_argument("--max-requests", type=int, default=2_000_000,
                        help="stop an endpoint's run after this many requests")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the benchmark database if it already holds courses")
    parser.add_argument("--skip-rebuild", action="store_true",
                        help="use the read models a --keep-read-models run left (with --reuse)")
    parser.add_argument("--keep-read-models", action="store_true",
                        help="leave the read models in Redis afterwards (they take gigabytes)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks",
                        help="folder for catalog.md and catalog.json")
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".edu-bench",
                        help="logs, development keys and embedded servers")
    args = parser.parse_args(argv)
    if not (0 < args.duration <= 600 and 0 <= args.warmup <= 60 and 0 < args.concurrency <= 512):
        parser.error("need 0 < duration <= 600, 0 <= warmup <= 60, 0 < concurrency <= 512")
    if args.skip_rebuild and not args.reuse:
        parser.error("--skip-rebuild needs --reuse (fresh data has no read models)")
    return args


async def run(args: argparse.Namespace) -> dict[str, Any]:
    args.data_dir.mkdir(parents=True, exist_ok=True)
    bench = bench_environment(args.data_dir.resolve(), args.concurrency)
    try:
        seed = await prepare_data(bench.settings, args)
        rebuild: dict[str, Any] = {"skipped": True}
        if args.skip_rebuild and not await has_read_models(bench.settings):
            raise SystemExit("no read models to reuse: run once with --keep-read-models")
        if not args.skip_rebuild:
            console.rule("rebuilding the read models (edu projections rebuild all)")
            rebuild = await measure_rebuild(bench.settings, bench.env,
                                            args.data_dir / "rebuild.log")
            console.print(f"  rebuild: {rebuild['projections']}, peak RSS "
                          f"{rebuild['peak_rss_mb']} MB")
        loads = await load_endpoints(bench, args, args.data_dir)
        return {"command": "python -m tools.bench_catalog " + " ".join(public_args(sys.argv[1:])),
                "settings": {k: v for k, v in vars(args).items() if k not in ("out", "data_dir")},
                "machine": await machine_facts(bench.settings), "seed": seed, "rebuild": rebuild,
                "load": [asdict(result) for result in loads]}
    finally:
        if not args.keep_read_models:
            await drop_read_models(bench.settings)
        bench.stop()


async def has_read_models(settings: Settings) -> bool:
    redis = Redis.from_url(settings.redis_url)
    try:
        return bool(await redis.exists(f"{PREFIX}:courses:gen"))
    finally:
        await redis.aclose()


async def drop_read_models(settings: Settings) -> None:
    """Empties the benchmark's Redis db: 100,000 courses' read models take gigabytes of a shared
    server, and a rebuild restores them from the (kept) write model."""
    redis = Redis.from_url(settings.redis_url)
    try:
        if await redis.exists(MARKER_KEY):
            await redis.flushdb()
            await redis.set(MARKER_KEY, "tools.bench_catalog")
    finally:
        await redis.aclose()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    report = asyncio.run(run(args))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "catalog.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    (args.out / "catalog.md").write_text(render_markdown(report))
    console.print(f"wrote {args.out / 'catalog.md'} and catalog.json")


if __name__ == "__main__":
    main()
