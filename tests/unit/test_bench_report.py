"""The comparison report's arithmetic, verdicts and rendering, on a made-up run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tools.bench_report import (
    BARE,
    error_rate,
    lag_p99,
    read_p99,
    render_markdown,
    split_read_write,
    targets,
    write_charts,
)


def _path(name: str, rps: float) -> dict[str, Any]:
    return {"name": name, "requests": int(rps * 10), "errors": 0, "rps": rps, "p50_ms": 1.0,
            "p95_ms": 2.0, "p99_ms": 3.0, "cpu_ms_per_request": {"app": 0.1, "stores": 0.01}}


def _group(method: str, name: str, requests: int, p99: float, failures: int = 0) -> dict[str, Any]:
    return {"method": method, "name": name, "requests": requests, "failures": failures,
            "rps": requests / 10, "p50_ms": p99 / 4, "p95_ms": p99 / 2, "p99_ms": p99}


def _report(mix_groups: list[dict[str, Any]], lag: float = 0.3) -> dict[str, Any]:
    requests = sum(g["requests"] for g in mix_groups)
    mix = {"scenario": "mix", "users": 10, "seconds": 10.0, "groups": mix_groups,
           "total": {"requests": requests, "failures": sum(g["failures"] for g in mix_groups),
                     "rps": requests / 10, "p50_ms": 5.0, "p99_ms": 40.0},
           "lag": {"courses": {"events": 5, "p50_s": 0.05, "p99_s": lag}}, "cpu_cores": {"read": 0.7}}
    return {
        "command": "edu bench", "wall_seconds": 600,
        "machine": {"date": "2026-11-27", "nproc": 2, "ram_gib": 24, "cpu": "x", "python": "3.11",
                    "postgres": "15", "redis": "7", "search": "postgres"},
        "settings": {"concurrency": 32, "path_duration": 15, "warmup": 3, "users": 10,
                     "think_time": 0.05, "duration": 10, "workers": 2},
        "paths": [_path(BARE, 4000), _path("course page, read API", 2000),
                  _path("course page, naive", 250)],
        "profiles": [mix],
        "timeline": {"cpu": {"read": [(1.0, 0.5), (2.0, 0.7)]},
                     "rss": {"read": [(1.0, 90.0), (2.0, 91.0)]},
                     "lag_p99": [(1.0, 0.1), (2.0, 0.2)],
                     "marks": [(0.5, "mix starts"), (2.5, "mix ends")]},
    }


def test_targets_say_met_or_by_how_much_they_were_missed() -> None:
    groups = [_group("GET", "GET /api/courses/{id}", 15_000, 30.0),
              _group("POST", "POST /api/enrollments", 1_000, 120.0)]
    verdicts = {row[0]: row[2] for row in targets(_report(groups))}
    # 2,000 of 4,000 rps is 50 % of the bare endpoint: 0.5 / 0.6 of the target.
    assert verdicts["course page ≥ 60 % of the bare endpoint's throughput"] == \
        "**missed** (at 83% of it)"
    assert verdicts["course page ≥ 5× the naive path"] == "met"  # 8×
    assert verdicts["mix sustains ≥ 10× the original 157 RPS"] == "met"  # 1,600 rps
    assert verdicts["mix read p99 ≤ 50 ms (worst read group)"] == "met"  # commands don't count
    assert verdicts["mix projection lag p99 ≤ 1 s"] == "met"
    slow = targets(_report(groups, lag=2.0))
    assert dict((r[0], r[2]) for r in slow)["mix projection lag p99 ≤ 1 s"] == \
        "**missed** (at 50% of it)"


def test_read_latency_ignores_groups_with_a_negligible_share_of_reads() -> None:
    profile = _report([_group("GET", "common", 10_000, 20.0), _group("GET", "rare", 50, 900.0),
                       _group("GET", "busy", 2_000, 45.0)])["profiles"][0]
    assert read_p99(profile) == (45.0, "busy")


def test_error_rate_lag_and_read_write_split() -> None:
    profile = _report([_group("GET", "a", 9_000, 10.0, failures=9),
                       _group("POST", "b", 1_000, 10.0, failures=1)], lag=0.75)["profiles"][0]
    assert error_rate(profile) == 10 / 10_000
    assert lag_p99(profile) == 0.75
    assert split_read_write(profile) == {"read": 900.0, "write": 100.0}
    verdicts = {row[0]: row[2] for row in targets({**_report([]), "profiles": [profile]})}
    assert verdicts["mix error rate < 0.1 %"].startswith("**missed**")  # exactly 0.1 % is not less
    profile["total"]["failures"] = 9
    verdicts = {row[0]: row[2] for row in targets({**_report([]), "profiles": [profile]})}
    assert verdicts["mix error rate < 0.1 %"] == "met"


def test_the_report_renders_with_its_charts(tmp_path: Path) -> None:
    report = _report([_group("GET", "GET /api/courses/{id}", 15_000, 30.0),
                      _group("POST", "POST /api/enrollments", 1_000, 120.0)])
    charts = write_charts(report, tmp_path / "report")
    assert charts == [f"report/{name}.png" for name in
                      ("paths", "profiles", "latency", "lag", "resources")]
    for chart in charts:
        assert (tmp_path / chart).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    markdown = render_markdown(report, charts)
    assert "## Targets" in markdown
    assert "### mix: by endpoint group" in markdown
    assert "| course page, read API | 20,000 | 0 | 2,000 | 0.50 |" in markdown
    assert "![lag](report/lag.png)" in markdown
