"""The comparison harness's report: PNG charts (matplotlib, no display needed) and markdown.

Pure functions of the report dictionary `tools.bench` builds, so a report can be re-rendered
from a saved report.json: `python -m tools.bench_report docs/benchmarks/report.json`.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

BARE = "bare (constant JSON)"
ORIGINAL_RPS = 157  # the original project's Locust result (seed README)
READ_P99_MS = 50
LAG_P99_S = 1.0
ERROR_RATE = 0.001
# A read group counts for the latency objective when it serves at least this share of reads.
SIGNIFICANT_SHARE = 0.01


def _paths(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in report["paths"]}


def _profiles(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["scenario"]: entry for entry in report["profiles"]}


def split_read_write(profile: dict[str, Any]) -> dict[str, float]:
    """Requests per second of GETs (the read API or naive app) and of commands."""
    reads = sum(g["rps"] for g in profile["groups"] if g["method"] == "GET")
    writes = sum(g["rps"] for g in profile["groups"] if g["method"] != "GET")
    return {"read": reads, "write": writes}


def read_p99(profile: dict[str, Any]) -> tuple[float, str]:
    """The worst p99 among the read groups that serve a significant share of the reads."""
    reads = [g for g in profile["groups"] if g["method"] == "GET" and g["requests"]]
    total = sum(g["requests"] for g in reads)
    significant = [g for g in reads if g["requests"] >= SIGNIFICANT_SHARE * total]
    if not significant:
        return math.nan, "-"
    worst = max(significant, key=lambda g: g["p99_ms"])
    return float(worst["p99_ms"]), str(worst["name"])


def error_rate(profile: dict[str, Any]) -> float:
    total = profile["total"]
    return float(total["failures"]) / max(float(total["requests"]), 1.0)


def lag_p99(profile: dict[str, Any]) -> float:
    lags = [float(d["p99_s"]) for d in profile["lag"].values()]
    return max(lags) if lags else math.nan


def targets(report: dict[str, Any]) -> list[list[str]]:
    """Issue 5's targets for this machine, measured in this run."""
    paths, profiles = _paths(report), _profiles(report)
    bare = paths[BARE]["rps"]
    page, naive = paths["course page, read API"]["rps"], paths["course page, naive"]["rps"]
    rows = [_row("course page ≥ 60 % of the bare endpoint's throughput", page / bare, 0.6,
                 f"{page / bare:.0%} ({page:,.0f} vs {bare:,.0f} rps)"),
            _row("course page ≥ 5× the naive path", page / naive, 5,
                 f"{page / naive:.1f}× ({page:,.0f} vs {naive:,.0f} rps)")]
    light = profiles.get("mix-light")
    if light is not None:
        p99, group = read_p99(light)
        rows.append(_row(f"mix at {light['users']} users (light load): read p99 ≤ {READ_P99_MS} ms",
                         READ_P99_MS, p99, f"{p99:.0f} ms ({group}) at {light['total']['rps']:,.0f} rps"))
    mix = profiles.get("mix")
    if mix is not None:
        p99, group = read_p99(mix)
        rows += [
            _row(f"mix sustains ≥ 10× the original {ORIGINAL_RPS} RPS", mix["total"]["rps"],
                 10 * ORIGINAL_RPS, f"{mix['total']['rps']:,.0f} rps "
                 f"({mix['total']['rps'] / ORIGINAL_RPS:.1f}×)"),
            _row(f"mix read p99 ≤ {READ_P99_MS} ms (worst read group)", READ_P99_MS, p99,
                 f"{p99:.0f} ms ({group})"),
            _row("mix error rate < 0.1 %", ERROR_RATE, error_rate(mix) + 1e-12,
                 f"{error_rate(mix):.3%}"),
            _row(f"mix projection lag p99 ≤ {LAG_P99_S:.0f} s", LAG_P99_S, lag_p99(mix),
                 f"{lag_p99(mix)} s"),
        ]
    return rows


def _row(name: str, value: float, threshold: float, shown: str) -> list[str]:
    """`value >= threshold` is the target; the gap is said when it is missed."""
    if math.isnan(value) or math.isnan(threshold):
        return [name, shown, "not measured"]
    met = value >= threshold
    return [name, shown, "met" if met else f"**missed** (at {value / threshold:.0%} of it)"]


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join([*lines, *("| " + " | ".join(str(c) for c in row) + " |" for row in rows)])


def write_charts(report: dict[str, Any], folder: Path) -> list[str]:
    """Writes the charts; returns their file names (relative to the report's folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for name, draw in (("paths.png", _chart_paths), ("profiles.png", _chart_profiles),
                       ("latency.png", _chart_latency), ("lag.png", _chart_lag),
                       ("resources.png", _chart_resources)):
        figure = draw(report)
        if figure is None:
            continue
        figure.savefig(folder / name, dpi=90, bbox_inches="tight")
        plt.close(figure)
        made.append(f"{folder.name}/{name}")
    return made


def _chart_paths(report: dict[str, Any]) -> Any:
    paths = report["paths"]
    bare = _paths(report)[BARE]["rps"]
    figure, axes = plt.subplots(figsize=(8, 3.2))
    names = [p["name"] for p in paths][::-1]
    values = [p["rps"] for p in paths][::-1]
    bars = axes.barh(names, values, color=["#888" if n == BARE else "#3b7dd8" if "read" in n
                                           else "#d8733b" for n in names])
    for bar, value in zip(bars, values, strict=True):
        axes.text(bar.get_width(), bar.get_y() + bar.get_height() / 2,
                  f" {value:,.0f} ({value / bare:.0%} of bare)", va="center", fontsize=8)
    axes.set_xlabel("requests per second (closed loop, one uvicorn worker each)")
    axes.set_title("Paths: CQRS read API vs naive reads of the write tables")
    axes.set_xlim(0, max(values) * 1.45)
    return figure


def _chart_profiles(report: dict[str, Any]) -> Any:
    profiles = report["profiles"]
    if not profiles:
        return None
    figure, axes = plt.subplots(figsize=(7, 3.2))
    names = [p["scenario"] for p in profiles]
    split = [split_read_write(p) for p in profiles]
    reads, writes = [s["read"] for s in split], [s["write"] for s in split]
    axes.bar(names, reads, label="reads (GET)", color="#3b7dd8")
    axes.bar(names, writes, bottom=reads, label="commands", color="#d8733b")
    bare = _paths(report)[BARE]["rps"]
    for i in range(len(profiles)):
        total = reads[i] + writes[i]
        axes.text(i, total, f"{total:,.0f}\n({total / bare:.0%} of bare)", ha="center",
                  va="bottom", fontsize=8)
    axes.axhline(10 * ORIGINAL_RPS, color="#2a2", linestyle="--", linewidth=1,
                 label=f"10× original ({10 * ORIGINAL_RPS} rps)")
    axes.set_ylabel("requests per second")
    axes.set_title("Locust profiles: throughput, reads vs commands")
    axes.set_ylim(0, max(max(r + w for r, w in zip(reads, writes, strict=True)),
                         10 * ORIGINAL_RPS) * 1.3)
    axes.legend(fontsize=8, loc="upper left")
    return figure


def _chart_latency(report: dict[str, Any]) -> Any:
    profile = _profiles(report).get("mix") or (report["profiles"] or [None])[-1]
    if profile is None:
        return None
    groups = sorted((g for g in profile["groups"] if g["requests"]), key=lambda g: -g["requests"])[:14]
    figure, axes = plt.subplots(figsize=(8, 0.35 * len(groups) + 1.2))
    labels = [f"{g['method']} {g['name']}"[:60] for g in groups][::-1]
    for offset, (key, colour) in enumerate((("p50_ms", "#9ecae1"), ("p95_ms", "#4292c6"),
                                            ("p99_ms", "#08519c"))):
        values = [g[key] for g in groups][::-1]
        axes.barh([i + (offset - 1) * 0.27 for i in range(len(groups))], values, height=0.27,
                  color=colour, label=key.removesuffix("_ms"))
    axes.set_yticks(range(len(groups)), labels, fontsize=7)
    axes.axvline(READ_P99_MS, color="#c22", linestyle="--", linewidth=1, label="50 ms")
    axes.set_xscale("log")
    axes.set_xlabel("milliseconds (log scale)")
    axes.set_title(f"Latency by endpoint group, {profile['scenario']} profile")
    axes.legend(fontsize=7)
    return figure


def _chart_lag(report: dict[str, Any]) -> Any:
    timeline = report["timeline"]
    if not timeline["lag_p99"]:
        return None
    figure, axes = plt.subplots(figsize=(8, 2.8))
    xs, ys = zip(*timeline["lag_p99"], strict=True)
    axes.plot(xs, ys, ".-", linewidth=0.8, markersize=3, color="#6a3d9a")
    _shade_profiles(axes, timeline)
    axes.axhline(LAG_P99_S, color="#c22", linestyle="--", linewidth=1)
    axes.set_ylabel("p99 delay per second (s)")
    axes.set_xlabel("seconds since the harness started")
    axes.set_title("Projection delay (commit → read model), p99 of each second")
    return figure


def _chart_resources(report: dict[str, Any]) -> Any:
    timeline = report["timeline"]
    figure, (cpu, rss) = plt.subplots(2, 1, figsize=(8, 5.5), sharex=True)
    for name, points in sorted(timeline["cpu"].items()):
        if points and max(v for _, v in points) >= 0.05:
            xs, ys = zip(*points, strict=True)
            cpu.plot(xs, ys, linewidth=0.8, label=name)
    for name, points in sorted(timeline["rss"].items()):
        if points:
            xs, ys = zip(*points, strict=True)
            rss.plot(xs, ys, linewidth=0.8, label=name)
    for axes in (cpu, rss):
        _shade_profiles(axes, timeline)
    cpu.set_ylabel("CPU (1 = one core)")
    rss.set_ylabel("RSS (MB; Postgres: PSS)")
    rss.set_xlabel("seconds since the harness started")
    cpu.set_title("CPU and memory per process")
    cpu.legend(fontsize=6, ncol=3, loc="upper left")
    return figure


def _shade_profiles(axes: Any, timeline: dict[str, Any]) -> None:
    starts = {label.removesuffix(" starts"): at for at, label in timeline["marks"]
              if label.endswith(" starts")}
    ends = {label.removesuffix(" ends"): at for at, label in timeline["marks"]
            if label.endswith(" ends")}
    for i, (name, start) in enumerate(starts.items()):
        end = ends.get(name, start)
        axes.axvspan(start, end, color="#eee" if i % 2 else "#f6f6f6", zorder=0)
        axes.text(start, 1.0, name, transform=axes.get_xaxis_transform(), fontsize=7, va="top")


def render_markdown(report: dict[str, Any], charts: list[str]) -> str:
    machine, settings = report["machine"], report["settings"]
    paths, bare = report["paths"], _paths(report)[BARE]["rps"]
    parts = [
        "# Comparison report: read path vs write path, CQRS vs naive, against a bare endpoint",
        f"Generated by `uv run {report['command']}` on {machine['date']} in "
        f"{report.get('wall_seconds', 0) / 60:.1f} minutes; every number is in `report.json` "
        "beside this file. Rerun the command to refresh both (docs/load-testing.md).",
        _table(["nproc", "RAM", "CPU", "Python", "PostgreSQL", "Redis", "search"],
               [[machine["nproc"], f"{machine['ram_gib']} GiB", machine["cpu"], machine["python"],
                 machine["postgres"], machine["redis"], machine["search"]]]),
        "## Targets",
        _table(["target (this 2-core machine, ratios from this run)", "measured", "verdict"],
               targets(report)),
        "## Paths (one endpoint at a time)",
        (f"Closed loop from `tools/loadgen.py`: {settings['concurrency']} requests in flight for "
         f"{settings['path_duration']:.0f} s after {settings['warmup']:.0f} s of warm-up; each "
         "app is one uvicorn worker. The bare endpoint is FastAPI returning a constant JSON with "
         "no middleware: the machine's ceiling for any endpoint, measured in the same run."),
        _table(["path", "requests", "errors", "RPS", "÷ bare", "p50 ms", "p95 ms", "p99 ms",
                "app CPU ms/req", "stores CPU ms/req"],
               [[p["name"], f"{p['requests']:,}", p["errors"], f"{p['rps']:,.0f}",
                 f"{p['rps'] / bare:.2f}", p["p50_ms"], p["p95_ms"], p["p99_ms"],
                 p["cpu_ms_per_request"]["app"], p["cpu_ms_per_request"]["stores"]]
                for p in paths]),
        "## Locust profiles",
        (f"Each profile ran {settings['users']} Locust users (`mix-light`: "
         f"{settings.get('light_users', '-')}; FastHttpUser, mean think time "
         f"{settings['think_time']} s) for {settings['duration']:.0f} s after all had started "
         "(statistics reset then), signed in with seeded accounts, against the write API, the "
         f"read API and the naive app; {settings['workers']} projection workers and the relay ran "
         "throughout. Locust runs on the same two cores as everything it measures."),
    ]
    rows = []
    for p in report["profiles"]:
        split = split_read_write(p)
        p99, _ = read_p99(p)
        rows.append([p["scenario"], f"{p['total']['requests']:,}", f"{error_rate(p):.3%}",
                     f"{p['total']['rps']:,.0f}", f"{p['total']['rps'] / bare:.2f}",
                     f"{split['read']:,.0f}", f"{split['write']:,.0f}", p["total"]["p50_ms"],
                     p["total"]["p99_ms"], p99, lag_p99(p),
                     ", ".join(f"{k} {v}" for k, v in sorted(p["cpu_cores"].items()) if v >= 0.05)])
    parts.append(_table(["profile", "requests", "errors", "RPS", "÷ bare", "read RPS",
                         "command RPS", "p50 ms", "p99 ms", "worst read p99 ms",
                         "lag p99 s", "CPU cores by process"], rows))
    for p in report["profiles"]:
        parts += [f"### {p['scenario']}: by endpoint group",
                  _table(["method", "group", "requests", "failures", "RPS", "p50 ms", "p95 ms",
                          "p99 ms"],
                         [[g["method"], g["name"], f"{g['requests']:,}", g["failures"],
                           f"{g['rps']:,.1f}", g["p50_ms"], g["p95_ms"], g["p99_ms"]]
                          for g in sorted(p["groups"], key=lambda g: -g["requests"])])]
    parts.append("## Charts")
    parts += [f"![{Path(chart).stem}]({chart})" for chart in charts]
    return "\n\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Re-renders report.md and the charts from a saved report.json."""
    source = Path((argv or sys.argv[1:] or ["docs/benchmarks/report.json"])[0])
    report = json.loads(source.read_text())
    charts = write_charts(report, source.parent / "report")
    (source.parent / "report.md").write_text(render_markdown(report, charts))


if __name__ == "__main__":
    main()
