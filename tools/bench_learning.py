"""Learning benchmark: the student dashboard from Redis against the same dashboard assembled from
the write tables; enroll and complete-lesson command throughput; projection lag while commands
run at a steady rate. Writes docs/benchmarks/learning.md and learning.json.

    uv run python -m tools.bench_learning --duration 20 --concurrency 32

Seeds the issue's scale (10,000 teachers and 40,000 students: 50,000 users; 100,000 courses;
200,000 enrollments with progress; 50,000 payments; 100,000 reviews) into its own database
(`edu_bench`) and Redis db 9 unless --reuse finds it there, rebuilds the read models, then
starts the write API, read API, relay, worker and the naive baseline. Every request goes to
loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import time
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
import psutil
from prometheus_client.parser import text_string_to_metric_families
from redis.asyncio import Redis

from apps.local_services import ensure_database
from common.net import free_port
from common.settings import Settings
from common.tokens import load_keys
from tools.bench_catalog import (
    ROOT,
    SERVERS,
    BenchEnvironment,
    LoadResult,
    Request,
    _ratio,
    _table,
    _verdict,
    bench_environment,
    console,
    drive,
    drive_open,
    drop_read_models,
    machine_facts,
    per_core,
    report_run,
    reset_stores,
    start_servers,
    stop_process,
)
from tools.seed import bulk_seed
from write.identity.models import User
from write.identity.sessions import TokenIssuer
from write.migrate import upgrade

DASHBOARD_READ, DASHBOARD_NAIVE = "dashboard, read API", "dashboard, naive"
COMMANDS = "enroll + complete lesson (closed loop)"
# The steady runs offer these shares of the closed loop's command throughput (the write API's
# rate); each starts once the worker has caught up.
STEADY_SHARES = (0.5, 0.2)
LEARNING_SERVERS = {**SERVERS, "write": ("apps.write_app:create_write_app", "/readyz")}


async def prepare(bench: BenchEnvironment, args: argparse.Namespace, *,
                  rebuild: bool = True) -> dict[str, Any]:
    """Seeds the full scale (or reuses it) and rebuilds the read models (unless told not to),
    timing both."""
    settings = bench.settings
    if not args.reuse:
        await reset_stores(settings)
    await ensure_database(settings.database_url)
    await asyncio.to_thread(upgrade, settings.database_url)
    conn = await asyncpg.connect(settings.database_url_plain)
    try:
        students = await conn.fetchval("SELECT count(*) FROM learning.enrollments")
    finally:
        await conn.close()
    facts = args.data_dir / "learning-seed.json"
    if args.reuse and students:
        console.print(f"reusing {students:,} enrollments already in the benchmark database")
        seed = {**(json.loads(facts.read_text()) if facts.exists() else {}), "seeded": False}
    else:
        console.rule("seeding")
        result = await bulk_seed(settings, teachers=args.teachers, courses=args.courses,
                                 modules_per_course=3, lessons_per_module=4, categories=24,
                                 students=args.students, enrollments=args.enrollments,
                                 payments=args.payments, reviews=args.reviews,
                                 random_seed=args.random_seed)
        console.print(f"seeded {result}")
        seed = {"seeded": True, **asdict(result)}
        facts.write_text(json.dumps(seed))
    if not rebuild:
        return seed
    console.rule("rebuilding the read models (edu projections rebuild all)")
    started = time.monotonic()
    with (args.data_dir / "rebuild.log").open("w") as log:
        code = await asyncio.to_thread(subprocess.call, [
            sys.executable, "-m", "apps.cli", "projections", "rebuild", "all",
            "--grace-seconds", "0"], env=bench.env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    if code != 0:
        raise SystemExit(f"rebuild failed; see {args.data_dir / 'rebuild.log'}")
    seed["rebuild_seconds"] = round(time.monotonic() - started, 1)
    console.print(f"  rebuilt in {seed['rebuild_seconds']} s")
    return seed


async def sample_learners(settings: Settings, count: int) -> dict[str, list[Any]]:
    """Students with enrollments, free courses, and lessons a student has still to complete."""
    conn = await asyncpg.connect(settings.database_url_plain)
    try:
        students = [r[0] for r in await conn.fetch(
            "SELECT DISTINCT student_id FROM learning.enrollments ORDER BY 1 LIMIT $1", count)]
        courses = [r[0] for r in await conn.fetch(
            "SELECT course_id FROM learning.course_facts WHERE status = 'published' "
            "AND price IS NULL ORDER BY random() LIMIT $1", count)]
        pending = [(r[0], r[1]) for r in await conn.fetch(
            "SELECT e.student_id, l.id FROM learning.enrollments e "
            "JOIN learning.course_facts f ON f.course_id = e.course_id "
            "CROSS JOIN LATERAL unnest(f.lesson_ids) AS l(id) "
            "WHERE e.status <> 'completed' AND NOT EXISTS (SELECT 1 FROM "
            "learning.lesson_completions c WHERE c.student_id = e.student_id AND c.lesson_id = l.id)"
            " ORDER BY random() LIMIT $1", count * 20)]
    finally:
        await conn.close()
    return {"students": students, "courses": courses, "pending": pending}


class Tokens:
    """Access tokens minted with the platform's own key, as a login would issue them."""

    def __init__(self, settings: Settings) -> None:
        self.issuer = TokenIssuer(settings, load_keys(settings, need_private=True))
        self.cache: dict[uuid.UUID, str] = {}

    def bearer(self, student_id: uuid.UUID) -> str:
        if student_id not in self.cache:
            self.cache[student_id] = "Bearer " + self.issuer.access_token(
                User(id=student_id, role="student"))
        return self.cache[student_id]


def dashboard_choosers(learners: dict[str, list[Any]], tokens: Tokens) -> dict[str, Any]:
    students = learners["students"]

    def read(rng: random.Random) -> Request:
        return Request("dashboard", "/api/me/dashboard",
                       authorization=tokens.bearer(rng.choice(students)))

    def naive(rng: random.Random) -> Request:
        return Request("dashboard", f"/api/naive/students/{rng.choice(students)}/dashboard")

    return {"bare (constant JSON)": ("bare", lambda rng: Request("bare", "/bare")),
            DASHBOARD_READ: ("read", read), DASHBOARD_NAIVE: ("naive", naive)}


def command_chooser(learners: dict[str, list[Any]], tokens: Tokens) -> Any:
    """Half enrollments of random students in random free courses, half completions of lessons
    not yet done (each pending lesson is completed once, so every completion writes)."""
    pending = list(learners["pending"])
    random.Random(1).shuffle(pending)

    def choose(rng: random.Random) -> Request:
        if pending and rng.random() < 0.5:
            student, lesson = pending.pop()
            return Request("complete lesson", f"/api/lessons/{lesson}/complete", "POST",
                           authorization=tokens.bearer(student))
        student = rng.choice(learners["students"])
        body = orjson.dumps({"course_id": str(rng.choice(learners["courses"]))})
        return Request("enroll", "/api/enrollments", "POST", body, tokens.bearer(student))

    return choose


def start_processors(env: dict[str, str], log_dir: Path, workers: int
                     ) -> tuple[list[psutil.Popen], list[str]]:
    """The relay and `workers` worker processes (each with its metrics on a free port); returns
    them and the workers' metrics URLs."""
    processes, urls = [], []
    for name in ["relay"] + [f"worker-{n}" for n in range(workers)]:
        port = free_port()
        probe = "RELAY_PROBE_PORT" if name == "relay" else "WORKER_PROBE_PORT"
        with (log_dir / f"{name}.log").open("w") as output:
            processes.append(psutil.Popen(
                [sys.executable, "-m", "apps.cli", name.split("-")[0]],
                env={**env, probe: str(port)}, stdout=output, stderr=subprocess.STDOUT,
                cwd=ROOT))
        if name != "relay":
            urls.append(f"http://127.0.0.1:{port}/metrics")
    return processes, urls


async def drain_backlog(settings: Settings, limit_seconds: float = 300) -> dict[str, float]:
    """Waits until every committed event is dispatched and every queued job has run (the closed
    loop leaves a backlog behind); reports how long that took and how many jobs it cleared."""
    conn = await asyncpg.connect(settings.database_url_plain)
    redis = Redis.from_url(settings.redis_url)
    started = time.monotonic()
    try:
        first_jobs = None
        while time.monotonic() - started < limit_seconds:
            undispatched = await conn.fetchval(
                "SELECT count(*) FROM outbox.events WHERE dispatched_at IS NULL")
            queued = await redis.zcard(settings.arq_queue_name)
            first_jobs = queued + undispatched if first_jobs is None else first_jobs
            if undispatched == queued == 0:
                break
            console.print(f"  draining: {undispatched:,} events undispatched, {queued:,} jobs "
                          f"queued after {time.monotonic() - started:.0f}s")
            await asyncio.sleep(5)
        else:
            raise SystemExit(f"the backlog did not drain within {limit_seconds:.0f}s")
    finally:
        await conn.close()
        await redis.aclose()
    seconds = time.monotonic() - started
    return {"seconds": round(seconds, 1), "jobs_and_events_at_start": first_jobs or 0}


async def lag_buckets(metrics_urls: list[str]) -> dict[str, dict[float, float]]:
    """The workers' projection-delay histograms, added up: cumulative counts by upper bound, per
    projection."""
    buckets: dict[str, dict[float, float]] = {}
    async with httpx.AsyncClient(timeout=5) as client:
        for url in metrics_urls:
            for _ in range(100):
                try:
                    text = (await client.get(url)).text
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.2)
            else:
                raise SystemExit(f"a worker's metrics never answered at {url}")
            for family in text_string_to_metric_families(text):
                if family.name != "edu_projection_delay_seconds":
                    continue
                for sample in family.samples:
                    if sample.name.endswith("_bucket"):
                        counts = buckets.setdefault(sample.labels["projection"], {})
                        bound = float(sample.labels["le"])
                        counts[bound] = counts.get(bound, 0.0) + sample.value
    return buckets


def lag_percentiles(before: dict[str, dict[float, float]], after: dict[str, dict[float, float]]
                    ) -> dict[str, dict[str, float | int]]:
    """p50 and p99 per projection over the run, as the upper bound of the bucket holding them."""
    result: dict[str, dict[str, float | int]] = {}
    for projection, counts in after.items():
        delta = {le: n - before.get(projection, {}).get(le, 0.0) for le, n in counts.items()}
        total = delta.get(float("inf"), 0.0)
        if total <= 0:
            continue
        bounds = sorted(delta)
        result[projection] = {"events": int(total), **{
            name: next(le for le in bounds if delta[le] >= share * total)
            for name, share in (("p50_s", 0.5), ("p99_s", 0.99))}}
    return result


async def run(args: argparse.Namespace) -> dict[str, Any]:
    args.data_dir.mkdir(parents=True, exist_ok=True)
    bench = bench_environment(args.data_dir.resolve(), args.concurrency)
    servers: dict[str, tuple[psutil.Popen, str]] = {}
    processors: list[psutil.Popen] = []
    try:
        seed = await prepare(bench, args)
        learners = await sample_learners(bench.settings, 2000)
        if not learners["students"] or not learners["courses"]:
            raise SystemExit("no enrolled student or free course to work with")
        tokens = Tokens(bench.settings)
        servers = await start_servers(bench.env, args.data_dir, LEARNING_SERVERS)
        processors, metrics_urls = start_processors(bench.env, args.data_dir, args.workers)
        results: list[LoadResult] = []
        for name, (server, choose) in dashboard_choosers(learners, tokens).items():
            console.rule(f"{name}: {args.duration:.0f}s at concurrency {args.concurrency}")
            process, url = servers[server]
            results.append(report_run(await drive(name, process, url, choose, args)))
        process, url = servers["write"]
        choose = command_chooser(learners, tokens)
        console.rule(f"{COMMANDS}: {args.duration:.0f}s at concurrency {args.concurrency}")
        closed = report_run(await drive(COMMANDS, process, url, choose, args))
        results.append(closed)
        steady = []
        for share in STEADY_SHARES:
            rate = max(1.0, round(closed.rps * share))
            drain = await drain_backlog(bench.settings)  # each starts from an idle worker
            before = await lag_buckets(metrics_urls)
            steady_name = f"enroll + complete lesson at a steady {rate:.0f}/s"
            console.rule(steady_name)
            results.append(report_run(await drive_open(steady_name, process, url, choose, rate,
                                                       args)))
            await asyncio.sleep(3)  # the last events of the run are projected
            lag = lag_percentiles(before, await lag_buckets(metrics_urls))
            console.print(f"  projection delay: {lag}")
            steady.append({"rate": rate, "share": share, "drain_before": drain, "lag": lag})
        return {"command": "python -m tools.bench_learning " + " ".join(sys.argv[1:]),
                "settings": {k: v for k, v in vars(args).items() if k not in ("out", "data_dir")},
                "machine": await machine_facts(bench.settings), "seed": seed,
                "load": [asdict(result) for result in results], "steady": steady}
    finally:
        await tear_down(bench, servers, processors, keep_read_models=args.keep_read_models)


async def tear_down(bench: BenchEnvironment, servers: dict[str, tuple[psutil.Popen, str]],
                    processors: list[psutil.Popen], *, keep_read_models: bool) -> None:
    """Stops what a benchmark started (by pid) and, unless asked to keep them, drops the read
    models it built."""
    for process in processors:
        stop_process(process)
    for process, _ in servers.values():
        stop_process(process)
    if not keep_read_models:
        await drop_read_models(bench.settings)
    bench.stop()


def targets(report: dict[str, Any]) -> list[list[str]]:
    load = {entry["name"]: entry for entry in report["load"]}
    read, naive = load[DASHBOARD_READ], load[DASHBOARD_NAIVE]
    rows = [["dashboard ≥ 5× naive (measured RPS)", _ratio(read["rps"], naive["rps"]),
             _verdict(read["rps"] >= 5 * naive["rps"])],
            ["dashboard ≥ 5× naive (RPS per core)", _ratio(per_core(read), per_core(naive)),
             _verdict(per_core(read) >= 5 * per_core(naive))]]
    for run in report["steady"]:
        worst = max((lag["p99_s"] for lag in run["lag"].values()), default=float("nan"))
        rows.append([f"lag p99 ≤ 1 s at a steady {run['rate']}/s ({run['share']:.0%} of the "
                     "write API's rate), every projection", f"≤ {worst} s", _verdict(worst <= 1.0)])
    seed = report["seed"]
    if "seconds" in seed:
        total = seed["seconds"] + seed["rebuild_seconds"]
        rows.append(["seeding the full scale < 5 min (COPY + rebuild)",
                     f"{seed['seconds']:.0f} s + {seed['rebuild_seconds']:.0f} s",
                     _verdict(total < 300)])
    return rows


def render_markdown(report: dict[str, Any]) -> str:
    machine, seed, settings = report["machine"], report["seed"], report["settings"]
    load = report["load"]
    parts = [
        "# Learning benchmark: dashboards, commands and projection lag",
        f"Generated by `uv run {report['command']}` on {machine['date']}; the numbers are in "
        "`learning.json` beside this file. Rerun that command to refresh both.",
        "## Machine",
        _table(["nproc", "RAM", "CPU", "Python", "PostgreSQL", "Redis"],
               [[machine["nproc"], f"{machine['ram_gib']} GiB", machine["cpu"],
                 machine["python"], machine["postgres"], machine["redis"]]]),
        "## Data",
        (f"`tools.seed.bulk_seed` (COPY): {seed.get('teachers', 0):,} teachers, "
         f"{seed.get('students', 0):,} students, {seed.get('courses', 0):,} courses, "
         f"{seed.get('enrollments', 0):,} enrollments with {seed.get('completions', 0):,} "
         f"completed lessons in {seed.get('seconds', float('nan')):.0f} s"
         + ("" if seed.get("seeded") else " (by an earlier run, reused)")
         + f"; `edu projections rebuild all` then took {seed['rebuild_seconds']} s."),
        "## HTTP load",
        (f"Closed loop on loopback: {settings['concurrency']} requests in flight for "
         f"{settings['duration']:.0f} s per row after {settings['warmup']:.0f} s of warm-up, from "
         "one `tools/loadgen.py` process on the same machine. The dashboard rows draw one of "
         "2,000 enrolled students per request (the read API with that student's access token; "
         "the naive baseline by id, no token check). The command rows send, half and half, an "
         "enrollment of a random student in a random free course (an existing one answers 409, "
         "counted as an error) and the completion of a lesson that student has not done; the "
         "steady rows offer "
         + " and ".join(f"{share:.0%}" for share in STEADY_SHARES)
         + " of the closed loop's throughput at random moments and count latency from each "
         "planned start. The relay and "
         f"{settings['workers']} worker process(es) run meanwhile and share the cores."),
        _table(["run", "requests", "errors", "RPS", "p50 ms", "p95 ms", "p99 ms",
                "CPU ms/req: app", "Postgres + Redis", "client", "RPS per core", "load avg"],
               [[e["name"], f"{e['requests']:,}", e["errors"], f"{e['rps']:,.0f}", e["p50_ms"],
                 e["p95_ms"], e["p99_ms"], e["cpu_ms_per_request"]["app"],
                 e["cpu_ms_per_request"]["stores"], e["cpu_ms_per_request"]["client"],
                 f"{per_core(e):,.0f}", e["load_average"]] for e in load]),
        "## Projection lag during the steady runs",
        ("Each steady run starts once the worker has cleared the backlog left before it (the "
         "closed loop leaves one: commands arrive faster than one worker projects them). Lag "
         "comes from the worker's `edu_projection_delay_seconds` histogram (commit of the event "
         "to its projection; for an event a reaction recorded, from the commit of the event that "
         "caused it), the difference between before and after the run; a percentile is the "
         "upper bound of the bucket it falls in."),
        _table(["steady rate", "backlog before (jobs, seconds to clear)", "projection", "events",
                "p50 ≤", "p99 ≤"],
               [[f"{run['rate']}/s", f"{run['drain_before']['jobs_and_events_at_start']:,}, "
                 f"{run['drain_before']['seconds']} s", name, f"{lag['events']:,}",
                 f"{lag['p50_s']} s", f"{lag['p99_s']} s"]
                for run in report["steady"] for name, lag in run["lag"].items()]),
        "## Targets",
        _table(["target", "measured", "verdict"], targets(report)),
    ]
    return "\n\n".join(parts) + "\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.bench_learning", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teachers", type=int, default=10_000)
    parser.add_argument("--courses", type=int, default=100_000)
    parser.add_argument("--students", type=int, default=40_000)
    parser.add_argument("--enrollments", type=int, default=200_000)
    parser.add_argument("--payments", type=int, default=50_000)
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--random-seed", type=int, default=2026)
    parser.add_argument("--duration", type=float, default=20, help="seconds of load per row")
    parser.add_argument("--warmup", type=float, default=3, help="unrecorded seconds before each")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (1-8)")
    parser.add_argument("--max-requests", type=int, default=2_000_000)
    parser.add_argument("--reuse", action="store_true",
                        help="keep the benchmark database if it already holds enrollments")
    parser.add_argument("--keep-read-models", action="store_true",
                        help="leave the read models in Redis afterwards")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks")
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".edu-bench")
    args = parser.parse_args(argv)
    if not (0 < args.duration <= 600 and 0 <= args.warmup <= 60 and 0 < args.concurrency <= 512
            and 1 <= args.workers <= 8):
        parser.error("need 0 < duration <= 600, 0 <= warmup <= 60, 0 < concurrency <= 512, "
                     "1 <= workers <= 8")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    report = asyncio.run(run(args))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "learning.json").write_text(json.dumps(report, indent=2, ensure_ascii=False,
                                                       default=str) + "\n")
    (args.out / "learning.md").write_text(render_markdown(report))
    console.print(f"wrote {args.out / 'learning.md'} and learning.json")


if __name__ == "__main__":
    main()
