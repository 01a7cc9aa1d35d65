"""Soak or overload: the platform under a mixed load for N minutes, sampling memory and backlog.

    uv run python -m tools.soak --minutes 30 --sample-seconds 30                 # steady soak
    uv run python -m tools.soak --minutes 10 --clients 48 --out docs/benchmarks/overload.md

It runs the fault suite's private stack (`tests/faults/stack.py`: its own Postgres cluster and
Redis server in temporary folders, the write API, read API, relay and worker as `edu` processes)
and its load driver (`tests/faults/load.py`: sign-ups, logins, enrollments, payments, lesson
completions, course authoring, page, list and search reads), so it touches no shared server and
sends nothing off loopback. `--clients N` runs N command loops and N read loops at once (the soak
runs one of each, a steady load the machine keeps up with; dozens overload it). Every sample
records each process's resident memory, the outbox backlog, the queued jobs, the answers since
the previous sample and their latency; the report is written to docs/benchmarks/soak.md (or
`--out`).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psutil
from redis.asyncio import Redis
from sqlalchemy import text

from tests.faults.load import Answer, Load, free_lessons
from tests.faults.stack import Stack, running_stack
from tests.shop import open_shop

REPORT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks" / "soak.md"


@dataclass(frozen=True)
class Sample:
    at_seconds: float
    rss_mb: dict[str, float]
    backlog: int
    queued: int
    redis_keys: int
    expiring_keys: int  # of those, keys with a time to live (mostly finished jobs' results)
    answered: int
    failed: int  # no answer, or a 5xx
    p50_ms: float
    p99_ms: float


def _tree_mb(pid: int | None, *, private: bool = False) -> float:
    """Memory of a process and its children (Postgres's backends, uvicorn's worker): resident,
    or with `private` only the pages no other process maps (USS; for Postgres, what its backends
    allocated apart from the shared buffers every backend maps)."""
    if pid is None:
        return 0.0
    try:
        root = psutil.Process(pid)
        tree = [root, *root.children(recursive=True)]
        return sum(p.memory_full_info().uss if private else p.memory_info().rss
                   for p in tree) / 2**20
    except psutil.NoSuchProcess:
        return 0.0


async def take_sample(stack: Stack, load: Load, started: float, seen: int) -> Sample:
    postgres = stack.postgres.proc.pid if stack.postgres.proc else None
    rss = {name: _tree_mb(proc.pid) for name, proc in stack.fleet.procs.items()}
    rss["postgres"] = _tree_mb(postgres)
    rss["postgres private"] = _tree_mb(postgres, private=True)
    rss["redis"] = _tree_mb(stack.redis.proc.pid if stack.redis.proc else None)
    async with stack.engine.connect() as conn:
        backlog = int(await conn.scalar(text(
            "SELECT count(*) FROM outbox.events WHERE dispatched_at IS NULL")) or 0)
    redis = Redis.from_url(stack.settings.redis_url)
    try:
        queued = int(await redis.zcard(stack.settings.arq_queue_name))
        db = redis.connection_pool.connection_kwargs.get("db", 0)
        space = (await redis.info("keyspace")).get(f"db{db}", {})
        keys, expiring = int(space.get("keys", 0)), int(space.get("expires", 0))
    finally:
        await redis.aclose()
    new = load.answers[seen:]
    failed = sum(1 for a in new if a.status is None or a.status >= 500)
    latencies = sorted(a.seconds for a in new)
    return Sample(round(asyncio.get_running_loop().time() - started, 1), rss, backlog, queued,
                  keys, expiring, len(new), failed, _percentile(latencies, 0.50),
                  _percentile(latencies, 0.99))


def _percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


async def soak(minutes: float, every: float, seed: int, clients: int = 1) -> tuple[list[Sample], Load]:
    samples: list[Sample] = []
    async with running_stack(Path(tempfile.mkdtemp(prefix="edu-soak-"))) as stack:
        shop = await open_shop(stack.platform)
        load = Load(stack.platform, shop, await free_lessons(shop), random.Random(seed))
        loop = asyncio.get_running_loop()
        started = loop.time()
        async with load.running(clients):
            while loop.time() - started < minutes * 60:
                await asyncio.sleep(every)
                samples.append(await take_sample(stack, load, started,
                                                 sum(s.answered for s in samples)))
                print(_progress(samples[-1]), flush=True)
    return samples, load


def _progress(s: Sample) -> str:
    rss = " ".join(f"{name} {mb:.0f}" for name, mb in s.rss_mb.items())
    return (f"{s.at_seconds:7.0f}s  RSS MB: {rss}  backlog {s.backlog}  queued {s.queued}  "
            f"keys {s.redis_keys} ({s.expiring_keys} expiring)  answers {s.answered}  "
            f"failed {s.failed}  p99 {s.p99_ms:.0f} ms")


def _statuses(answers: list[Answer]) -> str:
    counts = Counter("no answer" if a.status is None else str(a.status) for a in answers)
    return ", ".join(f"{status}: {n:,}" for status, n in sorted(counts.items()))


def report(samples: list[Sample], answers: list[Answer], *, minutes: float, seed: int, clients: int,
           command: str) -> str:
    names = list(samples[0].rss_mb) if samples else []
    head = ("| s | " + " | ".join(f"{n} MB" for n in names)
            + " | backlog | queued | Redis keys | with TTL | answers | failed | p50 ms | p99 ms |")
    rows = [head, "|" + "---|" * (len(names) + 9)]
    for s in samples:
        rows.append(f"| {s.at_seconds:.0f} | " + " | ".join(f"{s.rss_mb[n]:.0f}" for n in names)
                    + f" | {s.backlog} | {s.queued} | {s.redis_keys} | {s.expiring_keys} "
                    f"| {s.answered} | {s.failed} "
                    f"| {s.p50_ms:.0f} | {s.p99_ms:.0f} |")
    growth = ", ".join(f"{n} {samples[-1].rss_mb[n] - samples[0].rss_mb[n]:+.0f} MB"
                       for n in names) if len(samples) > 1 else "-"
    kind = "Soak run" if clients == 1 else "Overload run"
    mix = ("its steady mix (one command loop and one read loop)" if clients == 1 else
           f"{clients} command loops and {clients} read loops at once, more than the machine "
           "serves")
    return "\n".join([
        f"# {kind}", "",
        f"`{command}` (seed {seed}, {minutes:g} minutes), "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {psutil.cpu_count()} cores. The fault suite's "
        f"private stack under {mix} (tools/soak.py). Memory is each process's resident "
        "set plus its children's; Postgres's sums its backends, so shared buffers count once per "
        "backend that touched them; \"postgres private\" counts only the pages no other process "
        "maps (what the backends allocated themselves). Redis holds the data the load creates "
        "plus each finished job's result for an hour (the relay's job ids rely on them to refuse "
        "a duplicate), so it grows with the traffic for the first hour of any run.", "",
        f"Resident memory from the first to the last sample: {growth}. Largest outbox backlog: "
        f"{max((s.backlog for s in samples), default=0)}; largest queue: "
        f"{max((s.queued for s in samples), default=0)}; requests failed (no answer or 5xx): "
        f"{sum(s.failed for s in samples)} of {sum(s.answered for s in samples)}.", "",
        f"Answers by status over the whole run: {_statuses(answers)}.", "",
        *rows, ""])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--sample-seconds", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--clients", type=int, default=1,
                        help="command loops and read loops each (1: steady soak; more: overload)")
    parser.add_argument("--out", type=Path, default=REPORT)
    args = parser.parse_args(argv)
    if args.clients < 1:
        parser.error("--clients must be at least 1")
    samples, load = asyncio.run(soak(args.minutes, args.sample_seconds, args.seed, args.clients))
    command = "uv run python -m tools.soak " + " ".join(argv if argv is not None else sys.argv[1:])
    args.out.write_text(report(samples, load.answers, minutes=args.minutes, seed=args.seed,
                               clients=args.clients, command=command.strip()))
    print(f"wrote {args.out} ({len(samples)} samples)")


if __name__ == "__main__":
    main()
