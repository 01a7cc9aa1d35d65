"""The comparison harness: the read path against the write path, CQRS read stores against naive
reads of the write tables, every figure also as a ratio to a bare FastAPI endpoint measured in the
same run. Writes docs/benchmarks/report.md, report.json and PNG charts in docs/benchmarks/report/.

    uv run edu bench                # seeds (or --reuse) the full scale, ~12 minutes on 2 cores

Phases, each shown as it runs:
1. data: the full seed of `edu seed` into the benchmark's own database (`edu_bench`) and Redis
   db 9, unless --reuse finds it there; then `edu projections rebuild all`;
2. paths: a closed loop (tools/loadgen.py) against one endpoint at a time: the bare endpoint,
   the course page and the student dashboard from the read API and from the naive app;
3. profiles: the Locust scenarios of tools/locust (read, naive, write, then the 70/20/10 mix),
   each for --duration seconds with --users people, while every process's CPU and RSS and the
   projection delay are sampled each second.
Every request goes to loopback; the processes it starts are stopped by pid at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import resource
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil

from tools import bench_report
from tools.bench_catalog import (
    ROOT,
    bench_environment,
    choosers,
    console,
    cpu_seconds,
    drive,
    has_read_models,
    is_store,
    machine_facts,
    report_run,
    sample_course_ids,
    start_servers,
    stop_process,
)
from tools.bench_learning import (
    LEARNING_SERVERS,
    Tokens,
    dashboard_choosers,
    drain_backlog,
    lag_buckets,
    lag_percentiles,
    prepare,
    sample_learners,
    start_processors,
    tear_down,
)
from tools.public_args import public_args

# The paths phase, in this order; the names are those of tools.bench_catalog's and
# tools.bench_learning's choosers.
BARE = "bare (constant JSON)"
PATHS = (BARE, "course page, read API", "course page, naive", "dashboard, read API",
         "dashboard, naive")
SCENARIOS = ("read", "naive", "write", "mix")


# Postgres connections per process (DB_POOL_SIZE, no overflow): the write API's pool, the read
# API's and the workers' search-database pools, the naive app's pool. With 2 workers and the
# relay that is about 80, under the server's default max_connections of 100.
POOLS = {"write": 20, "read": 16, "naive": 20, "bare": 1, "worker": 4}


def pooled(env: dict[str, str], process: str) -> dict[str, str]:
    return {**env, "DB_POOL_SIZE": str(POOLS[process]), "DB_MAX_OVERFLOW": "0"}


@dataclass
class Timeline:
    """Per-second samples of every process's CPU share and RSS, and of the projection delay."""

    started: float = field(default_factory=time.monotonic)
    cpu: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    rss: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    lag_p99: list[tuple[float, float]] = field(default_factory=list)
    marks: list[tuple[float, str]] = field(default_factory=list)

    def mark(self, label: str) -> None:
        self.marks.append((round(time.monotonic() - self.started, 1), label))


def _store_groups() -> dict[str, list[psutil.Process]]:
    """The benchmark's data stores (see `is_store`), by kind."""
    groups: dict[str, list[psutil.Process]] = {"redis": [], "postgres": []}
    for process in psutil.process_iter(["name", "cmdline"]):
        if is_store(process):
            groups["redis" if process.info["name"].startswith("redis") else "postgres"].append(process)
    return groups


def _cpu_seconds(processes: list[psutil.Process]) -> float:
    return sum(cpu_seconds(process) for process in processes)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _rss_mb(processes: list[psutil.Process], *, shared: bool = False) -> float:
    """Resident memory; for processes that share memory (Postgres backends and their shared
    buffers), the proportional share, so shared pages are not counted once per process."""
    total = 0
    for process in processes:
        try:
            total += process.memory_full_info().pss if shared else process.memory_info().rss
        except psutil.Error:
            continue
    return total / 2**20


async def sample_forever(timeline: Timeline, processes: dict[str, list[psutil.Process]],
                         worker_metrics: list[str]) -> None:
    """Every second: CPU share (1.0 = one core) and RSS per named process group, and the p99 of
    the projection delay of the events projected in that second."""
    previous: dict[str, float] = {}
    last_buckets = await lag_buckets(worker_metrics)
    last = time.monotonic()
    while True:
        await asyncio.sleep(1)
        groups = {**processes, **_store_groups()}
        now = time.monotonic()
        at = round(now - timeline.started, 1)
        for name, members in groups.items():
            seconds = _cpu_seconds(members)
            if name in previous:
                share = max(0.0, seconds - previous[name]) / (now - last)
                timeline.cpu.setdefault(name, []).append((at, round(share, 3)))
            previous[name] = seconds
            memory = _rss_mb(members, shared=name == "postgres")
            timeline.rss.setdefault(name, []).append((at, round(memory, 1)))
        buckets = await lag_buckets(worker_metrics)
        delays = lag_percentiles(last_buckets, buckets)
        if delays:
            timeline.lag_p99.append((at, max(float(d["p99_s"]) for d in delays.values())))
        last_buckets, last = buckets, now


@dataclass
class ProfileResult:
    scenario: str
    users: int
    seconds: float
    groups: list[dict[str, Any]]  # one per endpoint group (Locust's request name)
    total: dict[str, Any]
    lag: dict[str, dict[str, float | int]]
    cpu_cores: dict[str, float]  # mean CPU share per process group during the run

    @property
    def rps(self) -> float:
        return float(self.total["rps"])


def read_locust_stats(path: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Locust's `<prefix>_stats.csv`: one row per request name, then "Aggregated"."""
    groups, total = [], {}
    with path.open() as stats:
        for row in csv.DictReader(stats):
            entry = {"method": row["Type"], "name": row["Name"],
                     "requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
                     "rps": float(row["Requests/s"]), "p50_ms": _number(row["50%"]),
                     "p95_ms": _number(row["95%"]), "p99_ms": _number(row["99%"])}
            if row["Name"] == "Aggregated":
                total = entry
            else:
                groups.append(entry)
    return groups, total


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return float("nan")


async def run_profile(name: str, scenario: str, users: int, hosts: dict[str, str],
                      args: argparse.Namespace,
                      seed: dict[str, Any], timeline: Timeline, worker_metrics: list[str],
                      out_dir: Path, env: dict[str, str],
                      sampled: dict[str, list[psutil.Process]]) -> ProfileResult:
    """One Locust run, headless, stats reset once every user has started."""
    prefix = out_dir / f"locust-{name}"
    command = [sys.executable, "-m", "locust", "-f", str(ROOT / "tools" / "locust" / "locustfile.py"),
               "--headless", "--only-summary", "--reset-stats", "--loglevel", "WARNING",
               "-u", str(users), "-r", str(args.spawn_rate), "-t", f"{args.duration:.0f}s",
               "--csv", str(prefix), "--scenario", scenario, "--accounts", "seed",
               "--seed-students", str(seed.get("students", args.students)),
               "--seed-teachers", str(seed.get("teachers", args.teachers)),
               "--think-time", str(args.think_time),
               "--write-host", hosts["write"], "--read-host", hosts["read"],
               "--naive-host", hosts["naive"], "--host", hosts["read"]]
    before = await lag_buckets(worker_metrics)
    timeline.mark(f"{name} starts")
    with (out_dir / f"locust-{name}.log").open("w") as log:
        process = psutil.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        sampled["locust"] = [process]
        cpu_before = {name: _cpu_seconds(ps) for name, ps in {**sampled, **_store_groups()}.items()}
        children_before = _children_cpu()
        begun = time.monotonic()
        try:
            while process.poll() is None:
                await asyncio.sleep(5)
                elapsed = time.monotonic() - begun
                expected = args.duration + users / args.spawn_rate
                console.print(f"  {name:<6} {elapsed:5.0f}s of ~{expected:.0f}s")
                if elapsed > args.duration + 180:
                    raise SystemExit(f"locust {name} overran; see {log.name}")
        finally:
            stop_process(process)
    seconds = time.monotonic() - begun
    timeline.mark(f"{name} ends")
    await asyncio.sleep(2)  # the last events of the run get projected
    lag = lag_percentiles(before, await lag_buckets(worker_metrics))
    if not (prefix.parent / f"{prefix.name}_stats.csv").exists():
        raise SystemExit(f"locust {name} wrote no statistics; see {out_dir / f'locust-{name}.log'}")
    groups, total = read_locust_stats(prefix.parent / f"{prefix.name}_stats.csv")
    running = {name: ps for name, ps in {**sampled, **_store_groups()}.items() if name != "locust"}
    cores = {name: round(max(0.0, _cpu_seconds(ps) - cpu_before.get(name, 0.0)) / seconds, 2)
             for name, ps in running.items()}
    # Locust has exited by now: its CPU is what this process's reaped children used meanwhile.
    cores["locust"] = round((_children_cpu() - children_before) / seconds, 2)
    result = ProfileResult(name, users, round(seconds, 1), groups, total, lag, cores)
    console.print(f"  {name}: {result.rps:,.0f} rps, {total.get('failures', 0)} failures, "
                  f"p99 {total.get('p99_ms')} ms; projection delay {lag}")
    return result


def profile_runs(args: argparse.Namespace) -> list[tuple[str, str, int]]:
    """(name, Locust scenario, users) per run: each chosen scenario at --users, and the mix
    again at --light-users, a load the machine can keep up with."""
    runs = [(scenario, scenario, args.users) for scenario in args.scenarios]
    if "mix" in args.scenarios and args.light_users:
        runs.append(("mix-light", "mix", args.light_users))
    return runs


async def measure_paths(servers: dict[str, tuple[psutil.Popen, str]], args: argparse.Namespace,
                        course_ids: list[str], learners: dict[str, list[Any]], tokens: Tokens
                        ) -> list[dict[str, Any]]:
    scenarios = {**choosers(course_ids), **dashboard_choosers(learners, tokens)}
    results = []
    for name in PATHS:
        server, choose = scenarios[name]
        process, url = servers[server]
        console.rule(f"path: {name}, {args.path_duration:.0f}s at concurrency {args.concurrency}")
        load_args = argparse.Namespace(duration=args.path_duration, warmup=args.warmup,
                                       concurrency=args.concurrency, max_requests=2_000_000)
        results.append(asdict(report_run(await drive(name, process, url, choose, load_args))))
    return results


async def start_platform(env: dict[str, str], args: argparse.Namespace,
                         servers: dict[str, tuple[psutil.Popen, str]]
                         ) -> tuple[list[psutil.Popen], list[str]]:
    """The apps (added to `servers` as they start), the relay and the workers; returns the
    relay and worker processes and the workers' metrics URLs (`lag_buckets` waits for them)."""
    for name, server in LEARNING_SERVERS.items():
        servers |= await start_servers(pooled(env, name), args.data_dir, {name: server})
    return start_processors(pooled(env, "worker"), args.data_dir, args.workers)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    args.data_dir.mkdir(parents=True, exist_ok=True)
    bench = bench_environment(args.data_dir.resolve(), args.concurrency)
    servers: dict[str, tuple[psutil.Popen, str]] = {}
    processors: list[psutil.Popen] = []
    sampler: asyncio.Task[None] | None = None
    timeline = Timeline()
    try:
        console.rule("1/3 data")
        kept = args.reuse and await has_read_models(bench.settings)
        if kept:
            console.print("reusing the read models an earlier --keep-read-models run left")
        seed = await prepare(bench, args, rebuild=not kept)
        course_ids = await sample_course_ids(bench.settings)
        learners = await sample_learners(bench.settings, 2000)
        processors, worker_metrics = await start_platform(bench.env, args, servers)
        named: dict[str, list[psutil.Process]] = {
            name: [process] for name, (process, _) in servers.items()}
        named |= {("relay" if n == 0 else f"worker {n}"): [p] for n, p in enumerate(processors)}
        named["harness"] = [psutil.Process()]
        sampler = asyncio.create_task(sample_forever(timeline, named, worker_metrics))
        console.rule("2/3 paths")
        timeline.mark("paths")
        paths = await measure_paths(servers, args, course_ids, learners, Tokens(bench.settings))
        console.rule("3/3 profiles")
        hosts = {name: servers[name][1] for name in ("write", "read", "naive")}
        profiles = []
        for name, scenario, users in profile_runs(args):
            await drain_backlog(bench.settings)
            console.rule(f"profile: {name}, {users} users for {args.duration:.0f}s")
            result = await run_profile(name, scenario, users, hosts, args, seed, timeline, worker_metrics,
                                       args.data_dir, bench.env, named)
            profiles.append(asdict(result))
        sampler.cancel()
        return {"command": " ".join(["edu bench", *public_args(args.argv)]),
                "settings": {k: v for k, v in vars(args).items() if k not in ("out", "data_dir", "argv")},
                "machine": await machine_facts(bench.settings), "seed": seed, "paths": paths,
                "profiles": profiles, "timeline": asdict(timeline)}
    finally:
        if sampler is not None:
            sampler.cancel()
        await tear_down(bench, servers, processors, keep_read_models=args.keep_read_models)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="edu bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    data = parser.add_argument_group("data (the full seed of `edu seed` by default)")
    data.add_argument("--teachers", type=int, default=10_000)
    data.add_argument("--courses", type=int, default=100_000)
    data.add_argument("--students", type=int, default=40_000)
    data.add_argument("--enrollments", type=int, default=200_000)
    data.add_argument("--payments", type=int, default=50_000)
    data.add_argument("--reviews", type=int, default=100_000)
    data.add_argument("--random-seed", type=int, default=2026)
    data.add_argument("--reuse", action="store_true",
                      help="keep the benchmark database if it already holds the seed (and the "
                           "read models, if a --keep-read-models run left them)")
    data.add_argument("--keep-read-models", action="store_true",
                      help="leave the read models in Redis afterwards")
    load = parser.add_argument_group("load")
    load.add_argument("--path-duration", type=float, default=15, help="seconds per path")
    load.add_argument("--warmup", type=float, default=3, help="unrecorded seconds before each path")
    load.add_argument("--concurrency", type=int, default=32, help="requests in flight per path")
    load.add_argument("--duration", type=float, default=45, help="seconds per Locust profile")
    load.add_argument("--users", type=int, default=150, help="Locust users per profile")
    load.add_argument("--light-users", type=int, default=15,
                      help="Locust users of a second, lighter mix run (0: none)")
    load.add_argument("--spawn-rate", type=float, default=50, help="Locust users started per second")
    load.add_argument("--think-time", type=float, default=0.05,
                      help="mean pause between a Locust user's tasks, seconds")
    load.add_argument("--scenarios", nargs="*", choices=SCENARIOS, default=list(SCENARIOS))
    load.add_argument("--workers", type=int, default=2, help="projection worker processes (1-8)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks",
                        help="where report.md, report.json and report/*.png go")
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".edu-bench",
                        help="logs and Locust CSVs of this run")
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    if not (0 < args.duration <= 600 and 0 < args.path_duration <= 600 and 0 < args.users <= 2000
            and 0 < args.concurrency <= 512 and 1 <= args.workers <= 8 and args.spawn_rate > 0):
        parser.error("need 0 < duration, path-duration <= 600, 0 < users <= 2000, "
                     "0 < concurrency <= 512, 1 <= workers <= 8, spawn-rate > 0")
    return args


def _interrupt(_signal: int, _frame: object) -> None:
    raise KeyboardInterrupt  # asyncio.run cancels the run, whose cleanup stops every child


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    started = time.monotonic()
    report = asyncio.run(run(args))
    report["wall_seconds"] = round(time.monotonic() - started)
    args.out.mkdir(parents=True, exist_ok=True)
    charts = bench_report.write_charts(report, args.out / "report")
    (args.out / "report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False,
                                                     default=str) + "\n")
    (args.out / "report.md").write_text(bench_report.render_markdown(report, charts))
    console.print(f"wrote {args.out / 'report.md'}, report.json and {len(charts)} charts "
                  f"in {report['wall_seconds'] / 60:.1f} min")


if __name__ == "__main__":
    main()
