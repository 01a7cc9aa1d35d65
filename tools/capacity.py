"""Capacity planner: from the measured per-core figures in docs/benchmarks/capacity-inputs.json and
a traffic model, the cores, Redis memory, search index and Postgres write rate each scale tier
needs, which distributed engine takes over, and the limit that forces each step.

    uv run edu plan                       # 10K, 100K, 1M, 10M users, markdown
    uv run edu plan --users 3000000 --format json

Every quantity is linear in users; a step happens where a demand crosses the capacity of one node.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

INPUTS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks" / "capacity-inputs.json"
TIERS = (10_000, 100_000, 1_000_000, 10_000_000)
GIB = 2**30
REQUIRED = (
    "course_page_per_core", "course_page_redis_ms", "dashboard_per_core", "dashboard_redis_ms",
    "search_per_core", "search_index_ms", "search_measured_documents", "search_measured_utilisation",
    "meilisearch_per_core", "command_per_core", "command_store_ms", "command_store_ms_with_projections",
    "worker_jobs_per_core", "jobs_per_command", "reaction_transactions_per_command", "redis_job_ms",
    "rebuild_courses_per_second", "redis_bytes_per_course", "redis_bytes_per_user",
    "redis_bytes_per_enrollment", "redis_bytes_per_payment", "redis_bytes_per_review",
    "redis_notification_bytes_per_enrollment", "redis_memory_overhead", "payments_per_enrollment",
    "reviews_per_enrollment", "search_bytes_per_course", "meilisearch_bytes_per_course",
)
Figures = dict[str, float]


def _option(default: float, help_text: str) -> Any:
    return field(default=default, metadata={"help": help_text})


@dataclass(frozen=True)
class Traffic:
    """Who uses the platform and how hard, per registered user."""

    daily_active_share: float = _option(0.2, "share of registered users active on a day")
    peak_concurrent_share: float = _option(
        0.1, "share of the daily actives online at once in the busiest hour")
    requests_per_minute: float = _option(4.0, "requests per online user per minute (a page every 15 s)")
    peak_factor: float = _option(2.0, "bursts above the busiest hour's average")
    read_share: float = _option(0.7, "share of requests that read pages and dashboards")
    search_share: float = _option(0.2, "share of requests that search the catalog")
    write_share: float = _option(0.1, "share of requests that are commands (enroll, complete, edit, pay)")
    dashboard_share: float = _option(0.3, "share of the reads that are student dashboards")
    courses_per_1k_users: float = _option(20.0, "published courses per 1,000 registered users")
    enrollments_per_user: float = _option(5.0, "enrollments per registered user")


@dataclass(frozen=True)
class Limits:
    """What one node of each kind offers: choices about hardware, not measurements."""

    target_utilisation: float = _option(0.6, "share of every core to plan for (room for a node to fail)")
    redis_node_gib: float = _option(25.0, "GiB of data per Redis node (of 32: fork and rebuild need room)")
    pg_primary_cores: int = _option(16, "cores of the biggest Postgres primary to run")
    search_db_cores: int = _option(8, "cores of the Postgres server holding the search read index")
    search_node_cores: int = _option(8, "cores of a Meilisearch node")
    search_node_gib: float = _option(16.0, "GiB of RAM of a Meilisearch node the index should fit in")


def load_figures(path: Path = INPUTS) -> Figures:
    """The `value` of every figure; refuses a file without one the planner needs."""
    figures = {name: float(entry["value"])
               for name, entry in json.loads(path.read_text())["figures"].items()}
    missing = [name for name in REQUIRED if name not in figures]
    if missing:
        raise ValueError(f"{path.name} lacks {', '.join(missing)}")
    return figures


def peak_rps(users: float, traffic: Traffic) -> dict[str, float]:
    """Requests per second at the peak, by path."""
    online = users * traffic.daily_active_share * traffic.peak_concurrent_share
    total = online * traffic.requests_per_minute / 60 * traffic.peak_factor
    reads = total * traffic.read_share
    return {"course_page": reads * (1 - traffic.dashboard_share),
            "dashboard": reads * traffic.dashboard_share,
            "search": total * traffic.search_share, "write": total * traffic.write_share,
            "total": total}


def app_ms(per_core: float, store_ms: float) -> float:
    """CPU of the API process alone per request: a per-core figure counts the store's CPU too."""
    return 1000 / per_core - store_ms


def read_api_cores(rps: dict[str, float], f: Figures, limits: Limits) -> float:
    busy_ms = (rps["course_page"] * app_ms(f["course_page_per_core"], f["course_page_redis_ms"])
               + rps["dashboard"] * app_ms(f["dashboard_per_core"], f["dashboard_redis_ms"])
               + rps["search"] * app_ms(f["search_per_core"], f["search_index_ms"]))
    return busy_ms / 1000 / limits.target_utilisation


def write_api_cores(rps: dict[str, float], f: Figures, limits: Limits) -> float:
    return (rps["write"] * app_ms(f["command_per_core"], f["command_store_ms"]) / 1000
            / limits.target_utilisation)


def worker_cores(rps: dict[str, float], f: Figures, limits: Limits) -> float:
    return (rps["write"] * f["jobs_per_command"] / f["worker_jobs_per_core"]
            / limits.target_utilisation)


def redis_plan(users: float, traffic: Traffic, rps: dict[str, float], f: Figures,
               limits: Limits) -> dict[str, Any]:
    """Memory (with room to rebuild the largest projection beside the old one) and CPU (Redis runs
    commands on one thread, so one core per node); the larger need sets the shard count."""
    enrollments = users * traffic.enrollments_per_user
    courses_bytes = users / 1000 * traffic.courses_per_1k_users * f["redis_bytes_per_course"]
    enrollment_bytes = enrollments * (f["redis_bytes_per_enrollment"]
                                      + f["redis_notification_bytes_per_enrollment"])
    dataset = (courses_bytes + enrollment_bytes + users * f["redis_bytes_per_user"]
               + enrollments * (f["payments_per_enrollment"] * f["redis_bytes_per_payment"]
                                + f["reviews_per_enrollment"] * f["redis_bytes_per_review"]))
    memory_gib = (dataset + max(courses_bytes, enrollment_bytes)) * f["redis_memory_overhead"] / GIB
    busy_ms = (rps["course_page"] * f["course_page_redis_ms"]
               + rps["dashboard"] * f["dashboard_redis_ms"]
               + rps["write"] * f["jobs_per_command"] * f["redis_job_ms"])
    cpu_cores = busy_ms / 1000 / limits.target_utilisation
    by_memory, by_cpu = memory_gib / limits.redis_node_gib, cpu_cores
    shards = max(1, math.ceil(by_memory), math.ceil(by_cpu))
    reason = (f"memory {memory_gib:,.1f} GiB of {limits.redis_node_gib:g} GiB per node"
              if by_memory >= by_cpu else f"CPU {cpu_cores:.2f} cores of one thread per node")
    return {"memory_gib": memory_gib, "cpu_cores": cpu_cores, "shards": shards,
            "layout": "one node" if shards == 1 else f"Redis Cluster, {shards} shards",
            "pressure": max(by_memory, by_cpu), "reason": reason}


def search_plan(courses: float, rps: dict[str, float], f: Figures, limits: Limits) -> dict[str, Any]:
    """The Postgres read index while the catalog is no larger than the one measured and the index
    fits its server (each search ranks and counts facets over every match, so its cost at a
    larger catalog is unknown); Meilisearch beyond, sharded when the index outgrows a node's RAM and
    replicated when the searches outgrow its cores. Sized at the utilisation the p95 was measured
    at."""
    utilisation = f["search_measured_utilisation"]
    pg_cores = rps["search"] * f["search_index_ms"] / 1000 / utilisation
    pg_pressure = max(pg_cores / limits.search_db_cores, courses / f["search_measured_documents"])
    if pg_pressure <= 1:
        return {"engine": "postgres", "layout": "Postgres read index", "cores": pg_cores,
                "index_gib": courses * f["search_bytes_per_course"] / GIB, "shards": 1,
                "replicas": 1, "pressure": pg_pressure,
                "reason": f"index {pg_cores:.1f} of {limits.search_db_cores} cores"}
    index_gib = courses * f["meilisearch_bytes_per_course"] / GIB
    cores = rps["search"] / f["meilisearch_per_core"] / utilisation
    shards = max(1, math.ceil(index_gib / limits.search_node_gib))
    replicas = max(1, math.ceil(cores / limits.search_node_cores / shards))
    layout = ("Meilisearch, one node" if shards == replicas == 1
              else f"Meilisearch, {replicas} replicas" if shards == 1
              else f"Meilisearch, {shards} shards × {replicas} replicas")
    pressure = max(index_gib / limits.search_node_gib, cores / limits.search_node_cores)
    reason = (f"Postgres index would need {pg_cores:.1f} of {limits.search_db_cores} cores"
              if pg_cores > limits.search_db_cores
              else f"{courses:,.0f} courses, more than the {f['search_measured_documents']:,.0f} measured")
    return {"engine": "meilisearch", "layout": layout, "cores": cores, "index_gib": index_gib,
            "shards": shards, "replicas": replicas, "pressure": pressure, "reason": reason}


def postgres_plan(rps: dict[str, float], f: Figures, limits: Limits) -> dict[str, Any]:
    """One primary while commands and the projections' reads fit it; read replicas take the
    projections' loader reads, rebuilds and verify while the commands alone fit; Citus beyond."""
    commands = rps["write"]
    command_cores = commands * f["command_store_ms"] / 1000 / limits.target_utilisation
    projection_cores = (commands * (f["command_store_ms_with_projections"] - f["command_store_ms"])
                        / 1000 / limits.target_utilisation)
    primary = limits.pg_primary_cores
    if command_cores + projection_cores <= primary:
        layout, reason = "one primary", f"{command_cores + projection_cores:.1f} of {primary} cores"
    elif command_cores <= primary:
        replicas = math.ceil(projection_cores / primary)
        layout = f"primary + {replicas} read replica{'s' if replicas > 1 else ''}"
        reason = (f"commands {command_cores:.1f} + projection reads {projection_cores:.1f} cores "
                  f"over {primary}")
    else:
        nodes = math.ceil((command_cores + projection_cores) / primary)
        layout = f"Citus, {nodes} worker nodes"
        reason = f"commands alone {command_cores:.1f} cores over one {primary}-core primary"
    return {"commands_per_second": commands,
            "write_transactions_per_second": commands * (1 + f["reaction_transactions_per_command"]),
            "command_cores": command_cores, "projection_cores": projection_cores, "layout": layout,
            "pressure": (command_cores + projection_cores) / primary, "reason": reason}


def plan_tier(users: float, traffic: Traffic, limits: Limits, f: Figures) -> dict[str, Any]:
    rps = peak_rps(users, traffic)
    courses = users / 1000 * traffic.courses_per_1k_users
    stores = {"redis": redis_plan(users, traffic, rps, f, limits),
              "search": search_plan(courses, rps, f, limits),
              "postgres": postgres_plan(rps, f, limits)}
    name, worst = max(stores.items(), key=lambda item: item[1]["pressure"])
    bottleneck = (f"{name}: {worst['reason']} → {worst['layout']}" if worst["pressure"] > 1
                  else f"none past one node; closest: {name} ({worst['reason']})")
    return {"users": users, "courses": courses,
            "online_at_peak": users * traffic.daily_active_share * traffic.peak_concurrent_share,
            "peak_rps": rps,
            "read_api_cores": math.ceil(read_api_cores(rps, f, limits)),
            "write_api_cores": math.ceil(write_api_cores(rps, f, limits)),
            "worker_cores": math.ceil(worker_cores(rps, f, limits)),
            "rebuild_courses_minutes": courses / f["rebuild_courses_per_second"] / 60,
            **stores, "bottleneck": bottleneck}


STEPS: dict[str, Callable[[dict[str, Any]], bool]] = {
    "Redis Cluster": lambda tier: tier["redis"]["shards"] > 1,
    "Meilisearch instead of the Postgres index": lambda tier: tier["search"]["engine"] == "meilisearch",
    "Meilisearch replicas": lambda tier: tier["search"]["replicas"] > 1,
    "Meilisearch shards": lambda tier: tier["search"]["shards"] > 1,
    "Postgres read replicas": lambda tier: tier["postgres"]["layout"] != "one primary",
    "Citus": lambda tier: tier["postgres"]["layout"].startswith("Citus"),
}


def step_thresholds(traffic: Traffic, limits: Limits, f: Figures,
                    highest: float = 1e9) -> dict[str, int | None]:
    """The fewest users (to 1%) at which each step is needed; None when not below `highest`."""
    found: dict[str, int | None] = {}
    for step, needed in STEPS.items():
        low, high = 1000.0, highest
        if not needed(plan_tier(high, traffic, limits, f)):
            found[step] = None
            continue
        while high / low > 1.01:
            middle = math.sqrt(low * high)
            low, high = (low, middle) if needed(plan_tier(middle, traffic, limits, f)) else (middle, high)
        found[step] = round(high)
    return found


def _rounded(value: Any) -> Any:
    """Floats to three decimals, for a readable JSON plan."""
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    return [_rounded(item) for item in value] if isinstance(value, list) else value


def _about(users: int | None) -> str:
    """Two significant digits: the thresholds are no more precise than the figures."""
    return f"{float(f'{users:.2g}'):,.0f} users" if users else "beyond 1e9 users"


def _n(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def render_markdown(tiers: list[dict[str, Any]], thresholds: dict[str, int | None]) -> str:
    rows: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("online at peak", lambda t: _n(t["online_at_peak"])),
        ("peak RPS, all", lambda t: _n(t["peak_rps"]["total"])),
        ("— course pages / dashboards", lambda t: f"{_n(t['peak_rps']['course_page'])} / "
                                                   f"{_n(t['peak_rps']['dashboard'])}"),
        ("— searches / commands", lambda t: f"{_n(t['peak_rps']['search'])} / {_n(t['peak_rps']['write'])}"),
        ("read-API replicas (cores)", lambda t: str(t["read_api_cores"])),
        ("write-API cores", lambda t: str(t["write_api_cores"])),
        ("worker cores", lambda t: str(t["worker_cores"])),
        ("Redis memory", lambda t: f"{_n(t['redis']['memory_gib'])} GiB"),
        ("Redis CPU", lambda t: f"{t['redis']['cpu_cores']:.2f} cores"),
        ("Redis layout", lambda t: t["redis"]["layout"]),
        ("courses (search documents)", lambda t: _n(t["courses"])),
        ("search index", lambda t: f"{t['search']['index_gib']:.2f} GiB, {_n(t['search']['cores'])} cores"),
        ("search layout", lambda t: t["search"]["layout"]),
        ("Postgres commands/s", lambda t: _n(t["postgres"]["commands_per_second"])),
        ("Postgres write transactions/s", lambda t: _n(t["postgres"]["write_transactions_per_second"])),
        ("Postgres cores: commands + projection reads",
         lambda t: f"{_n(t['postgres']['command_cores'])} + {_n(t['postgres']['projection_cores'])}"),
        ("Postgres layout", lambda t: t["postgres"]["layout"]),
        ("course rebuild, one process", lambda t: f"{_n(t['rebuild_courses_minutes'])} min"),
        ("bottleneck", lambda t: t["bottleneck"]),
    ]
    lines = ["| users | " + " | ".join(_n(t["users"]) for t in tiers) + " |",
             "|---|" + "---|" * len(tiers)]
    lines += [f"| {label} | " + " | ".join(cell(t) for t in tiers) + " |" for label, cell in rows]
    lines += ["", "| step | needed from about |", "|---|---|"]
    in_order = sorted(thresholds.items(), key=lambda item: item[1] or math.inf)
    lines += [f"| {step} | {_about(users)} |" for step, users in in_order]
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="edu plan", description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, action="append",
                        help="registered users (repeatable; default 10K, 100K, 1M, 10M)")
    parser.add_argument("--format", choices=("md", "json"), default="md", help="markdown (default) or JSON")
    parser.add_argument("--inputs", type=Path, default=None,
                        help="the measured figures (default: docs/benchmarks/capacity-inputs.json)")
    for group, defaults in (("traffic model", Traffic()), ("one node's capacity", Limits())):
        options = parser.add_argument_group(group)
        for option in fields(defaults):
            default = getattr(defaults, option.name)
            options.add_argument("--" + option.name.replace("_", "-"), type=type(default),
                                 default=default, help=option.metadata["help"] + " (default: %(default)s)")
    args = parser.parse_args(argv)
    mix = args.read_share + args.search_share + args.write_share
    if not math.isclose(mix, 1.0, abs_tol=1e-6):
        parser.error(f"read, search and write shares must add up to 1 (they add up to {mix:g})")
    if not 0 < args.target_utilisation <= 1:
        parser.error("the target utilisation must be in (0, 1]")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    traffic = Traffic(**{option.name: getattr(args, option.name) for option in fields(Traffic)})
    limits = Limits(**{option.name: getattr(args, option.name) for option in fields(Limits)})
    figures = load_figures(args.inputs or INPUTS)
    tiers = [plan_tier(users, traffic, limits, figures) for users in args.users or TIERS]
    thresholds = step_thresholds(traffic, limits, figures)
    if args.format == "json":
        print(json.dumps(_rounded({"traffic": asdict(traffic), "limits": asdict(limits),
                                   "tiers": tiers, "steps_from_users": thresholds}), indent=2))
    else:
        print(render_markdown(tiers, thresholds), end="")


if __name__ == "__main__":
    main()
