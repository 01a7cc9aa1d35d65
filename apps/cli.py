"""The `edu` command: run the platform and operate it."""

from __future__ import annotations

import asyncio
import getpass
import json
import time
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.table import Table

from apps.cli_backup import backup_app
from common.logs import configure_logging
from common.runtime import tune_garbage_collection
from common.settings import Settings

app = typer.Typer(help="EduPlatform: run the CQRS platform locally and operate it.",
                  no_args_is_help=True, add_completion=False)
projections = typer.Typer(help="Inspect read-model projections.", no_args_is_help=True)
dead_letters_app = typer.Typer(help="Inspect and replay dead-lettered jobs.", no_args_is_help=True)
app.add_typer(projections, name="projections")
app.add_typer(dead_letters_app, name="dead-letters")
app.add_typer(backup_app, name="backup")
console = Console()
# Live event streams never finish on their own: on shutdown uvicorn waits this long for open
# requests, then cancels them (clients reconnect elsewhere with Last-Event-ID).
STREAM_GRACE_SECONDS = 3


def operator_settings() -> Settings:
    """The environment's settings; where it names no server and none answers on the default
    port, the embedded servers a running `edu up` keeps in the data folder."""
    from apps.local_services import running_embedded_urls

    settings = Settings()
    found = running_embedded_urls(settings.data_dir, database="edu")
    return settings.model_copy(update=found) if found else settings


@app.command()
def up(
    seed: Annotated[bool, typer.Option(help="Load the small demo data set.")] = True,
    write_port: Annotated[int, typer.Option(help="Port of the write API.")] = 8001,
    read_port: Annotated[int, typer.Option(help="Port of the read API.")] = 8002,
    embedded: Annotated[bool, typer.Option(
        help="Always use embedded Postgres and Redis in the data folder.")] = False,
    web: Annotated[bool, typer.Option(
        help="Serve the web app (built first when missing or outdated; needs Node.js).")] = True,
    web_port: Annotated[int, typer.Option(help="Port of the web app.")] = 3001,
) -> None:
    """Start everything: database, migrations, write API, read API, relay, worker, demo data,
    the web app."""
    from apps.up import Platform

    raise typer.Exit(asyncio.run(Platform(
        write_port=write_port, read_port=read_port, seed=seed, force_embedded=embedded,
        web=web, web_port=web_port).run()))


@app.command()
def serve(
    api: Annotated[str, typer.Argument(help="Which API: 'write' or 'read'.")],
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="Port (default 8001 write, 8002 read).")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Serve the write API (commands) or the read API (queries)."""
    from common.metrics import multiprocess_metrics

    if api not in ("write", "read"):
        raise typer.BadParameter("choose 'write' or 'read'", param_hint="API")
    factory = f"apps.{api}_app:create_{api}_app"
    tune_garbage_collection()
    # Several processes share one /metrics through files in PROMETHEUS_MULTIPROC_DIR.
    with multiprocess_metrics(enabled=workers > 1):
        uvicorn.run(factory, factory=True, host=host,
                    port=port or (8001 if api == "write" else 8002), workers=workers,
                    log_level="info", proxy_headers=False, server_header=False,
                    timeout_graceful_shutdown=STREAM_GRACE_SECONDS)


@app.command()
def migrate() -> None:
    """Apply database migrations (Alembic) to DATABASE_URL."""
    from apps.local_services import ensure_database
    from write.migrate import upgrade

    settings = operator_settings()
    asyncio.run(ensure_database(settings.database_url))
    upgrade(settings.database_url)
    console.print("[green]migrated[/] to the latest revision")


@app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(prompt=True, help="Admin email.")],
    name: Annotated[str, typer.Option(help="Display name.")] = "Administrator",
    password: Annotated[str | None, typer.Option(
        help="Password (prompted when omitted; prefer the prompt).")] = None,
) -> None:
    """Create an admin account. Admins are never created over HTTP."""
    from apps.cli_admin import create_admin_account
    from common.errors import AppError

    secret = password or getpass.getpass("Password: ")
    try:
        user_id = asyncio.run(create_admin_account(operator_settings(), email=email, name=name,
                                                   password=secret))
    except (AppError, ValueError) as exc:
        console.print(f"[red]refused:[/] {exc}")
        raise typer.Exit(1) from exc
    console.print(f"admin created: {user_id}")


@app.command()
def relay() -> None:
    """Run the outbox relay (outbox → arq queue) until interrupted."""
    from apps.relay import run_relay

    configure_logging()
    tune_garbage_collection()
    asyncio.run(run_relay(operator_settings()))


@app.command()
def worker() -> None:
    """Run the arq worker (projections, mail) until interrupted."""
    from apps.worker import build_worker

    configure_logging()
    tune_garbage_collection()
    build_worker(operator_settings()).run()


@projections.command("status")
def projections_status(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Per projection: last event applied, backlog, lag, dead letters."""
    from apps.resources import create_redis
    from read.stores.ops import projection_statuses
    from workers.constants import PROJECT_JOB

    async def read() -> list[dict[str, object]]:
        settings = operator_settings()
        redis = create_redis(settings)
        try:
            statuses = await projection_statuses(redis, settings.arq_queue_name,
                                                 dead_letter_prefix=f"{PROJECT_JOB}:")
            return [s.__dict__ for s in statuses]
        finally:
            await redis.aclose()

    rows = asyncio.run(read())
    if as_json:
        console.print_json(json.dumps(rows))
        return
    table = Table("projection", "last event", "applied", "age", "last lag", "outbox backlog",
                  "relay seen", "queued jobs", "dead letters", "rebuild")
    for row in rows:
        applied_at = row["last_applied_at"]
        age = _ago(applied_at)
        lag = row["last_lag_seconds"]
        table.add_row(str(row["name"]), f"#{row['last_seq']} {row['last_type'] or ''}",
                      str(row["applied_total"]), age,
                      f"{lag * 1000:.0f} ms" if isinstance(lag, float) else "-",
                      f"{row['outbox_backlog']} (oldest {row['oldest_undispatched_age_seconds']:.1f}s)",
                      _ago(row["relay_reported_at"]),
                      str(row["queued_jobs"]), str(row["dead_letters"]),
                      _rebuild_state(row["rebuild"]))
    console.print(table)


def _rebuild_state(rebuild: object) -> str:
    """The latest rebuild: its state, how far it got, and when it last reported."""
    if not isinstance(rebuild, dict) or "state" not in rebuild:
        return "-"
    done, total = int(float(rebuild.get("done", 0))), int(float(rebuild.get("total", 0)))
    return (f"{rebuild['state']} {done:,}/{total:,} at {float(rebuild.get('rate_per_second', 0)):,.0f}/s,"
            f" {_ago(float(rebuild['updated_at'])) if 'updated_at' in rebuild else 'never'}")


def _ago(moment: object) -> str:
    """How long ago a Unix time was; a relay seen long ago is not running."""
    return f"{time.time() - moment:.0f}s ago" if isinstance(moment, float) else "never"


@app.command()
def seed(
    teachers: Annotated[int, typer.Option(help="Verified teachers to create.")] = 10_000,
    courses: Annotated[int, typer.Option(help="Courses to create.")] = 100_000,
    modules: Annotated[int, typer.Option(help="Modules per course.")] = 3,
    lessons: Annotated[int, typer.Option(help="Lessons per module.")] = 4,
    categories: Annotated[int, typer.Option(help="Categories to create.")] = 24,
    students: Annotated[int, typer.Option(
        help="Students to create (with the default teachers, 50,000 users).")] = 40_000,
    enrollments: Annotated[int, typer.Option(
        help="Enrollments in published courses, with progress.")] = 200_000,
    payments: Annotated[int, typer.Option(
        help="Payments (most succeeded and enrolling, some declined or refunded).")] = 50_000,
    reviews: Annotated[int, typer.Option(help="Reviews by enrolled students.")] = 100_000,
    random_seed: Annotated[int, typer.Option(help="Seed of the data generator.")] = 2026,
    rebuild_after: Annotated[bool, typer.Option("--rebuild/--no-rebuild",
                                                help="Rebuild the read models afterwards.")] = True,
) -> None:
    """Bulk-load realistic data (catalog, students, enrollments with progress, payments,
    reviews) with COPY straight into the write schema, then rebuild the read models."""
    from tools.seed import bulk_seed

    settings = operator_settings()
    try:
        result = asyncio.run(bulk_seed(settings, teachers=teachers, courses=courses,
                                       modules_per_course=modules, lessons_per_module=lessons,
                                       categories=categories, students=students,
                                       enrollments=enrollments, payments=payments,
                                       reviews=reviews, random_seed=random_seed))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    console.print(f"seeded {result}")
    if rebuild_after:
        from apps.operator import rebuild_with_progress

        asyncio.run(rebuild_with_progress(settings, "all", grace_seconds=0))


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
             add_help_option=False)
def bench(ctx: typer.Context) -> None:
    """The comparison report: read vs write path, CQRS vs naive, Locust profiles, with charts
    (docs/benchmarks/report.md). `edu bench --help` lists its options."""
    from tools.bench import main as run_bench

    run_bench(ctx.args)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
             add_help_option=False)
def plan(ctx: typer.Context) -> None:
    """Capacity plan per scale tier from the measured figures (`edu plan --help` for options)."""
    from tools.capacity import main as plan_capacity

    plan_capacity(ctx.args)


@projections.command("rebuild")
def projections_rebuild(
    name: Annotated[str, typer.Argument(help="A projection name, or 'all'.")],
    batch_size: Annotated[int, typer.Option(help="Aggregates per batch.")] = 500,
    grace_seconds: Annotated[float, typer.Option(
        help="How long the old generation stays readable after the switch.")] = 5.0,
) -> None:
    """Rebuild into a new generation while the old one serves, then switch atomically."""
    from apps.operator import rebuild_with_progress

    try:
        results = asyncio.run(rebuild_with_progress(operator_settings(), name,
                                                    batch_size=batch_size,
                                                    grace_seconds=grace_seconds))
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0]), param_hint="NAME") from exc
    for result in results:
        rate = result.documents / result.seconds if result.seconds else 0
        console.print(f"[green]{result.projection}[/]: {result.documents} aggregates in "
                      f"{result.seconds:.1f}s ({rate:,.0f}/s), now serving generation "
                      f"{result.generations}")


@projections.command("verify")
def projections_verify(
    name: Annotated[str, typer.Argument(help="A projection name, or 'all'.")],
    sample: Annotated[int | None, typer.Option(
        min=1, help="Check only N aggregates drawn at random.")] = None,
) -> None:
    """Recompute documents from the write model and report drift by id (exit 1 on drift)."""
    from apps.operator import verify_projections

    try:
        drift = asyncio.run(verify_projections(operator_settings(), name, sample=sample))
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0]), param_hint="NAME") from exc
    for projection, differences in drift.items():
        if not differences:
            console.print(f"[green]{projection}[/]: no drift")
        for doc_id, what in sorted(differences.items())[:50]:
            console.print(f"[red]{projection}[/] {doc_id}: {what}")
        if len(differences) > 50:
            console.print(f"… and {len(differences) - 50} more")
    if any(drift.values()):
        raise typer.Exit(1)


@dead_letters_app.command("list")
def dead_letters_list(limit: Annotated[int, typer.Option(help="At most this many.")] = 50) -> None:
    """Show dead-lettered jobs with their error."""
    from apps.resources import create_redis
    from workers.dead_letters import list_letters

    async def read() -> list[dict[str, object]]:
        redis = create_redis(operator_settings())
        try:
            return await list_letters(redis, limit)
        finally:
            await redis.aclose()

    letters = asyncio.run(read())
    if not letters:
        console.print("no dead letters")
    for letter in letters:
        body = letter["body"]
        event_type = body.get("type") if isinstance(body, dict) else "?"
        console.print(f"[bold]{letter['id']}[/] {event_type} tries={letter['tries']}: "
                      f"{letter['error']}")


@dead_letters_app.command("replay")
def dead_letters_replay(
    ids: Annotated[list[str] | None, typer.Argument(help="Letter ids (from `list`).")] = None,
    all_letters: Annotated[bool, typer.Option("--all", help="Replay every letter.")] = False,
) -> None:
    """Enqueue dead-lettered jobs again (after fixing what made them fail)."""
    from apps.resources import create_queue
    from workers.dead_letters import all_letter_ids, replay

    async def run() -> list[str]:
        settings = operator_settings()
        queue = await create_queue(settings)
        try:
            chosen = list(ids or [])
            if all_letters:
                chosen = await all_letter_ids(queue)
            return await replay(queue, settings.arq_queue_name, chosen)
        finally:
            await queue.aclose()

    if not ids and not all_letters:
        raise typer.BadParameter("name letter ids or pass --all")
    replayed = asyncio.run(run())
    console.print(f"replayed {len(replayed)}: {', '.join(replayed) or '-'}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
