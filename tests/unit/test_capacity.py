"""The capacity planner's arithmetic: figures in, cores, memory and engine layouts out."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.capacity import (
    INPUTS,
    REQUIRED,
    STEPS,
    Limits,
    Traffic,
    load_figures,
    main,
    peak_rps,
    plan_tier,
    postgres_plan,
    read_api_cores,
    redis_plan,
    search_plan,
    step_thresholds,
)

FIGURES = load_figures()
TRAFFIC = Traffic()
LIMITS = Limits()


def only(path: str, rate: float) -> dict[str, float]:
    """Peak traffic on one path alone."""
    rps = dict.fromkeys(("course_page", "dashboard", "search", "write"), 0.0)
    rps[path] = rate
    return rps | {"total": rate}


def test_every_committed_figure_says_what_it_is_and_where_it_comes_from() -> None:
    entries = json.loads(INPUTS.read_text())["figures"]
    assert set(REQUIRED) <= set(entries)
    for name, entry in entries.items():
        assert isinstance(entry["value"], int | float), name
        assert entry["value"] > 0, name
        assert entry["unit"], name
        assert entry["source"], name
        assert entry["basis"] in ("measured", "estimate"), name
        assert entry["basis"] == "measured" or entry["reasoning"], name


def test_a_file_without_a_needed_figure_is_refused(tmp_path: Path) -> None:
    document = json.loads(INPUTS.read_text())
    del document["figures"]["worker_jobs_per_core"]
    (tmp_path / "inputs.json").write_text(json.dumps(document))
    with pytest.raises(ValueError, match="worker_jobs_per_core"):
        load_figures(tmp_path / "inputs.json")


def test_peak_rps_follows_the_traffic_model() -> None:
    rps = peak_rps(10_000, TRAFFIC)
    # 10,000 users, 20 % active, 10 % of them online, 4 requests a minute, peak factor 2
    assert rps["total"] == pytest.approx(10_000 * 0.2 * 0.1 * 4 / 60 * 2)
    assert rps["write"] == pytest.approx(rps["total"] * 0.1)
    assert rps["dashboard"] == pytest.approx(rps["total"] * 0.7 * 0.3)


@given(users=st.integers(1_000, 100_000_000))
def test_doubling_users_doubles_every_path(users: int) -> None:
    once, twice = peak_rps(users, TRAFFIC), peak_rps(2 * users, TRAFFIC)
    for path, rate in once.items():
        assert twice[path] == pytest.approx(2 * rate)
    assert sum(rate for path, rate in once.items() if path != "total") == pytest.approx(once["total"])


def test_read_api_cores_are_the_api_share_of_the_measured_per_core_figure() -> None:
    cores = read_api_cores(only("course_page", 10_000), FIGURES, LIMITS)
    app_ms = 1000 / FIGURES["course_page_per_core"] - FIGURES["course_page_redis_ms"]
    assert cores == pytest.approx(10_000 * app_ms / 1000 / LIMITS.target_utilisation)


def test_a_slower_measured_path_needs_more_replicas() -> None:
    measured = plan_tier(10_000_000, TRAFFIC, LIMITS, FIGURES)
    slower = plan_tier(10_000_000, TRAFFIC, LIMITS,
                       FIGURES | {"course_page_per_core": FIGURES["course_page_per_core"] / 2})
    assert slower["read_api_cores"] > measured["read_api_cores"]
    fewer_jobs = plan_tier(10_000_000, TRAFFIC, LIMITS, FIGURES | {"jobs_per_command": 1.5})
    assert fewer_jobs["worker_cores"] == math.ceil(measured["peak_rps"]["write"] * 1.5
                                                   / FIGURES["worker_jobs_per_core"] / 0.6)


def test_redis_becomes_a_cluster_when_memory_outgrows_one_node() -> None:
    users = 500_000
    rps = peak_rps(users, TRAFFIC)
    memory = redis_plan(users, TRAFFIC, rps, FIGURES, LIMITS)["memory_gib"]
    fits = redis_plan(users, TRAFFIC, rps, FIGURES, replace(LIMITS, redis_node_gib=memory * 1.001))
    assert (fits["shards"], fits["layout"]) == (1, "one node")
    over = redis_plan(users, TRAFFIC, rps, FIGURES, replace(LIMITS, redis_node_gib=memory * 0.99))
    assert (over["shards"], over["layout"]) == (2, "Redis Cluster, 2 shards")
    assert over["reason"].startswith("memory")


def test_redis_shards_for_cpu_when_one_thread_is_not_enough() -> None:
    busy = FIGURES | {"course_page_redis_ms": 1.0}  # 1 ms a page: 600 pages/s fill one thread at 60 %
    plan = redis_plan(10_000, TRAFFIC, only("course_page", 1_300), busy, LIMITS)
    assert plan["shards"] == 3
    assert plan["reason"].startswith("CPU")


def test_search_leaves_the_postgres_index_when_it_outgrows_its_server() -> None:
    per_core_at_measured_load = 1000 / FIGURES["search_index_ms"] * FIGURES["search_measured_utilisation"]
    at_limit = LIMITS.search_db_cores * per_core_at_measured_load
    assert search_plan(1_000, only("search", at_limit * 0.999), FIGURES, LIMITS)["engine"] == "postgres"
    moved = search_plan(1_000, only("search", at_limit * 1.01), FIGURES, LIMITS)
    assert (moved["engine"], moved["layout"]) == ("meilisearch", "Meilisearch, one node")
    assert "8 cores" in moved["reason"]


def test_search_leaves_the_postgres_index_past_the_measured_catalog() -> None:
    measured = FIGURES["search_measured_documents"]
    assert search_plan(measured, only("search", 1), FIGURES, LIMITS)["engine"] == "postgres"
    assert search_plan(measured + 1, only("search", 1), FIGURES, LIMITS)["engine"] == "meilisearch"


def test_meilisearch_replicates_for_searches_and_shards_for_size() -> None:
    one_node = (LIMITS.search_node_cores * FIGURES["meilisearch_per_core"]
                * FIGURES["search_measured_utilisation"])
    courses = 200_000
    replicated = search_plan(courses, only("search", one_node * 2.5), FIGURES, LIMITS)
    assert (replicated["shards"], replicated["replicas"]) == (1, 3)
    assert replicated["layout"] == "Meilisearch, 3 replicas"
    node_holds = LIMITS.search_node_gib * 2**30 / FIGURES["meilisearch_bytes_per_course"]
    sharded = search_plan(node_holds * 1.5, only("search", one_node * 2.5), FIGURES, LIMITS)
    assert (sharded["shards"], sharded["replicas"]) == (2, 2)
    assert sharded["layout"] == "Meilisearch, 2 shards × 2 replicas"


def test_postgres_takes_replicas_then_citus_at_the_primary_s_cores() -> None:
    full_ms = FIGURES["command_store_ms_with_projections"]
    command_ms = FIGURES["command_store_ms"]
    fills_primary = LIMITS.pg_primary_cores * LIMITS.target_utilisation * 1000 / full_ms
    assert postgres_plan(only("write", fills_primary * 0.999), FIGURES, LIMITS)["layout"] == "one primary"
    assert postgres_plan(only("write", fills_primary * 1.01), FIGURES, LIMITS)["layout"] == (
        "primary + 1 read replica")
    commands_fill = LIMITS.pg_primary_cores * LIMITS.target_utilisation * 1000 / command_ms
    assert postgres_plan(only("write", commands_fill * 0.999), FIGURES, LIMITS)["layout"].startswith(
        "primary +")
    citus = postgres_plan(only("write", commands_fill * 1.01), FIGURES, LIMITS)
    assert citus["layout"] == f"Citus, {math.ceil(1.01 * full_ms / command_ms)} worker nodes"
    assert citus["write_transactions_per_second"] == pytest.approx(
        commands_fill * 1.01 * (1 + FIGURES["reaction_transactions_per_command"]))


def test_each_step_starts_at_the_threshold_it_reports() -> None:
    thresholds = step_thresholds(TRAFFIC, LIMITS, FIGURES)
    assert set(thresholds) == set(STEPS)
    for step, users in thresholds.items():
        assert users is not None, step
        assert STEPS[step](plan_tier(users, TRAFFIC, LIMITS, FIGURES)), step
        assert not STEPS[step](plan_tier(users * 0.98, TRAFFIC, LIMITS, FIGURES)), step


def test_the_bottleneck_names_the_store_past_one_node() -> None:
    small, large = (plan_tier(users, TRAFFIC, LIMITS, FIGURES) for users in (10_000, 10_000_000))
    assert small["bottleneck"].startswith("none past one node")
    assert large["bottleneck"].startswith("redis: memory")


def test_the_command_prints_four_tiers_as_markdown_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    main([])
    markdown = capsys.readouterr().out
    assert markdown.startswith("| users | 10,000 | 100,000 | 1,000,000 | 10,000,000 |")
    assert "| Redis Cluster |" in markdown
    main(["--format", "json", "--users", "3000000", "--pg-primary-cores", "4"])
    plan = json.loads(capsys.readouterr().out)
    assert [tier["users"] for tier in plan["tiers"]] == [3_000_000]
    assert plan["limits"]["pg_primary_cores"] == 4


def test_a_mix_that_does_not_add_up_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--read-share", "0.8"])
    assert "add up to 1" in capsys.readouterr().err


def test_edu_plan_passes_its_options_and_help_to_the_planner() -> None:
    from typer.testing import CliRunner

    from apps.cli import app

    runner = CliRunner()
    planned = runner.invoke(app, ["plan", "--format", "json", "--users", "10000"])
    assert planned.exit_code == 0, planned.output
    assert json.loads(planned.output)["tiers"][0]["users"] == 10_000
    helped = runner.invoke(app, ["plan", "--help"])
    assert "--enrollments-per-user" in helped.output
