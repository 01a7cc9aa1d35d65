"""The deployment files as far as this machine can check them without a Docker engine: Prometheus
config, recording and alert rules (with promtool's unit tests), the compose file (Debian's
docker-compose 1.29), Grafana dashboards, the Dockerfile's structure, and the nginx gateway's
routing by method against two stub APIs.

promtool and docker-compose come from tools/ensure-ops-tools.sh (test.sh sources it); a missing
tool fails these tests. nginx is optional: its tests are skipped when no nginx binary is found.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import subprocess
import tomllib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer.main
import yaml
from fastapi import FastAPI, Request, Response

from apps.cli import app as edu_cli
from common.net import free_port
from common.settings import Settings
from common.tokens import generate_private_pem, public_pem_of
from tests.harness import serve

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PROMETHEUS = DEPLOY / "prometheus"
DASHBOARDS = DEPLOY / "grafana" / "dashboards"
OPS_TOOLS = ROOT / ".cache" / "ops-tools"

# The Python processes compose runs from deploy/Dockerfile, and the ones scaled with --scale.
EDU_SERVICES = ("migrate", "write-api", "read-api", "relay", "worker")
SCALED_SERVICES = ("read-api", "worker")
LONG_RUNNING = ("postgres", "redis", "meilisearch", "mailpit", "write-api", "read-api", "relay",
                "worker", "gateway", "prometheus", "grafana")

# Series Prometheus itself provides.
BUILTIN_SERIES = {"up", "ALERTS"}
METRIC_DEFINITION = re.compile(
    r"\b(Counter|Gauge|Histogram|Summary)\(\s*\"(edu_[a-z0-9_]+)\"", re.MULTILINE)
QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
SERIES_NAME = re.compile(r"(?<![\w:])([A-Za-z_][A-Za-z0-9_]*:[A-Za-z0-9_:]+|edu_[a-z0-9_]+|up|ALERTS)"
                         r"(?![\w(])")


def tool(name: str) -> str:
    """A tool from PATH or the unpacked Debian packages; fails (never skips) when missing."""
    found = shutil.which(name) or next(
        (str(p) for p in (OPS_TOOLS / "usr" / "bin" / name, OPS_TOOLS / "usr" / "sbin" / name)
         if p.exists()), None)
    if found is None:
        pytest.fail(f"{name} not found: run `source tools/ensure-ops-tools.sh` first")
    return found


def run(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=60, check=False,
                            env=env)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


# ---------------------------------------------------------------- Prometheus


def test_prometheus_config_and_its_rule_files_are_valid() -> None:
    output = run(tool("promtool"), "check", "config", str(PROMETHEUS / "prometheus.yml")).stdout
    assert "2 rule files found" in output


def test_recording_and_alert_rules_are_valid() -> None:
    run(tool("promtool"), "check", "rules", str(PROMETHEUS / "rules.yml"),
        str(PROMETHEUS / "alerts.yml"))


def test_alert_rules_pass_their_unit_tests() -> None:
    output = run(tool("promtool"), "test", "rules",
                 str(PROMETHEUS / "tests" / "alerts_test.yml")).stdout
    assert "SUCCESS" in output


def alert_rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def test_every_alert_is_unit_tested_and_explained_in_the_runbook() -> None:
    tested = {case["alertname"]
              for test in yaml.safe_load((PROMETHEUS / "tests" / "alerts_test.yml").read_text())["tests"]
              for case in test.get("alert_rule_test", []) if case["exp_alerts"]}
    headings = {line.removeprefix("### ").strip().lower()
                for line in (ROOT / "docs" / "deploy.md").read_text().splitlines()
                if line.startswith("### ")}
    for rule in alert_rules():
        name = rule["alert"]
        assert name in tested, f"{name} has no promtool test that makes it fire"
        assert rule["labels"]["severity"] in ("page", "ticket"), name
        assert rule["annotations"]["runbook"] == f"docs/deploy.md#{name.lower()}", name
        assert name.lower() in headings, f"docs/deploy.md has no section ### {name}"


# ---------------------------------------------------------------- metric names


def python_sources() -> Iterator[Path]:
    """The project's Python packages (pyproject's wheel packages), without apps/web."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for package in project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]:
        for folder, subfolders, files in os.walk(ROOT / package):
            subfolders[:] = [d for d in subfolders
                             if d != "__pycache__" and Path(folder) / d != ROOT / "apps" / "web"]
            yield from (Path(folder) / f for f in files if f.endswith(".py"))


def known_metrics() -> set[str]:
    """Every series name a query may use: the code's metrics, histogram series, recording rules,
    Prometheus's own series."""
    histograms: set[str] = set()
    names: set[str] = set()
    for source in python_sources():
        for kind, name in METRIC_DEFINITION.findall(source.read_text()):
            names.add(name if kind != "Counter" or name.endswith("_total") else f"{name}_total")
            if kind in ("Histogram", "Summary"):
                histograms.add(name)
    names |= {f"{name}_{suffix}" for name in histograms for suffix in ("bucket", "count", "sum")}
    recorded = {rule["record"] for group in yaml.safe_load((PROMETHEUS / "rules.yml").read_text())
                ["groups"] for rule in group["rules"] if "record" in rule}
    return names | recorded | BUILTIN_SERIES


def series_in(expr: str) -> set[str]:
    return set(SERIES_NAME.findall(QUOTED.sub('""', expr)))


def test_series_names_are_found_in_queries() -> None:
    expr = ('sum by (service, le) (rate(edu_http_request_duration_seconds_bucket{route!~"edu_x"}'
            '[5m])) / service:edu_http_errors:ratio_rate5m and on() up')
    assert series_in(expr) == {"edu_http_request_duration_seconds_bucket",
                               "service:edu_http_errors:ratio_rate5m", "up"}


def test_the_code_defines_the_metrics_the_contract_calls_existing() -> None:
    known = known_metrics()
    for name in ("edu_http_requests_total", "edu_http_request_duration_seconds_bucket",
                 "edu_outbox_backlog_events", "edu_outbox_oldest_undispatched_age_seconds",
                 "edu_relay_dispatched_events_total", "edu_jobs_total",
                 "edu_projection_delay_seconds_bucket", "edu_projection_lag_seconds",
                 "edu_dead_letters"):
        assert name in known


def test_rules_use_only_known_metrics() -> None:
    known = known_metrics()
    for path in (PROMETHEUS / "rules.yml", PROMETHEUS / "alerts.yml"):
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                used = series_in(rule["expr"])
                assert used, f"{path.name}: no metric in {rule['expr']}"
                assert used <= known, f"{path.name}: unknown {sorted(used - known)}"


# ---------------------------------------------------------------- Grafana


def dashboards() -> dict[str, dict[str, Any]]:
    return {path.name: json.loads(path.read_text()) for path in sorted(DASHBOARDS.glob("*.json"))}


def queries(dashboard: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            yield panel["title"], target["expr"]


def test_four_dashboards_with_unique_uids_on_the_provisioned_datasource() -> None:
    found = dashboards()
    assert set(found) == {"overview.json", "cqrs.json", "read-stores.json", "slo.json"}
    uids = [d["uid"] for d in found.values()]
    assert len(set(uids)) == len(uids)
    datasource = yaml.safe_load(
        (DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text())
    ds_uid = datasource["datasources"][0]["uid"]
    for name, dashboard in found.items():
        ids = [panel["id"] for panel in dashboard["panels"]]
        assert len(set(ids)) == len(ids), name
        for panel in dashboard["panels"]:
            if panel["type"] != "row":
                assert panel["datasource"]["uid"] == ds_uid, (name, panel["title"])
                assert panel["targets"], (name, panel["title"])


def test_dashboards_query_only_known_metrics() -> None:
    known = known_metrics()
    for name, dashboard in dashboards().items():
        for title, expr in queries(dashboard):
            used = series_in(expr)
            assert used, f"{name} / {title}: no metric in {expr}"
            assert used <= known, f"{name} / {title}: unknown {sorted(used - known)}"


def test_dashboard_queries_are_valid_promql(tmp_path: Path) -> None:
    # promtool parses every expression of a rule file: the queries, with Grafana's interval
    # variables filled in, become recording rules of a throwaway file.
    rules = [{"record": f"dashboard:query_{i}",
              "expr": expr.replace("$__rate_interval", "1m").replace("$__range", "1h")}
             for i, (_, expr) in enumerate(q for d in dashboards().values() for q in queries(d))]
    path = tmp_path / "dashboard-queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    assert f"{len(rules)} rules found" in run(tool("promtool"), "check", "rules", str(path)).stdout


# ---------------------------------------------------------------- compose


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """The compose model as docker-compose resolves it (every profile, defaults interpolated)."""
    run(tool("docker-compose"), "-f", "compose.yaml", "config", "-q")
    output = run(tool("docker-compose"), "-f", "compose.yaml", "--profile", "web", "--profile",
                 "load", "config").stdout
    model: dict[str, Any] = yaml.safe_load(output)
    return model


def test_compose_runs_every_part_of_the_stack(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {*LONG_RUNNING, "migrate", "web", "locust"}
    assert services["web"]["profiles"] == ["web"]
    assert services["locust"]["profiles"] == ["load"]
    assert all("profiles" not in services[name] for name in (*LONG_RUNNING, "migrate"))
    for name in LONG_RUNNING:
        assert "healthcheck" in services[name], name
        assert "limits" in services[name]["deploy"]["resources"], name
    assert container_ports(services["gateway"]) == {8080}


def container_ports(service: dict[str, Any]) -> set[int]:
    """Published container ports; docker-compose 1.29 prints "ip:host:container/tcp" strings
    when a host address is given, v2 mappings."""
    return {int(port.split("/")[0].rsplit(":", 1)[-1]) if isinstance(port, str) else port["target"]
            for port in service.get("ports", [])}


def test_migrations_run_once_before_the_platform_starts(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["migrate"]["command"] == ["migrate"]
    assert services["migrate"]["restart"] == "no"
    for name in ("write-api", "read-api", "relay", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"}, name
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_scaled_services_have_no_fixed_name_or_host_port(compose: dict[str, Any]) -> None:
    for name in SCALED_SERVICES:
        service = compose["services"][name]
        assert "container_name" not in service, name
        assert "ports" not in service, name


def test_python_services_run_real_edu_commands(compose: dict[str, Any]) -> None:
    commands = typer.main.get_command(edu_cli).commands
    for name in EDU_SERVICES:
        service = compose["services"][name]
        assert service["build"]["dockerfile"] == "deploy/Dockerfile", name
        command, *args = service["command"]
        assert command in commands, f"{name}: `edu {command}` does not exist"
        options = {opt for param in commands[command].params for opt in param.opts}
        assert {arg for arg in args if arg.startswith("--")} <= options, name


def test_python_services_environment_is_read_by_the_settings(
        compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    fields = {name.upper() for name in Settings.model_fields} | {"LOG_LEVEL"}
    for name in EDU_SERVICES:
        environment = compose["services"][name]["environment"]
        assert set(environment) <= fields, f"{name}: unknown {sorted(set(environment) - fields)}"
        with monkeypatch.context() as env:
            for key, value in environment.items():
                if value is not None:
                    env.setenv(key, str(value))
            settings = Settings()
        assert settings.search_backend == "meilisearch"
        assert settings.meili_url == "http://meilisearch:7700"
        assert settings.database_url.startswith("postgresql+asyncpg://edu:")
        assert settings.smtp_host == "mailpit"
        assert settings.probe_host == "0.0.0.0"


def bind_mounts(service: dict[str, Any]) -> dict[str, str]:
    """{host path: container path}; docker-compose 1.29 prints the short syntax, v2 the long."""
    mounts = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            source, target, *_ = volume.split(":")
        else:
            source, target = volume["source"], volume["target"]
        if source.startswith("/"):
            mounts[source] = target
    return mounts


def test_production_keys_reach_only_the_processes_that_need_them(
        monkeypatch: pytest.MonkeyPatch) -> None:
    private_pem = generate_private_pem()
    env = {**os.environ, "EDU_ENVIRONMENT": "production", "JWT_PRIVATE_KEY": private_pem,
           "JWT_PUBLIC_KEY": public_pem_of(private_pem)}
    model = yaml.safe_load(run(tool("docker-compose"), "-f", "compose.yaml", "config",
                               env=env).stdout)
    for name in EDU_SERVICES:
        environment = model["services"][name]["environment"]
        assert ("JWT_PRIVATE_KEY" in environment) == (name == "write-api"), name
        with monkeypatch.context() as patched:
            for key, value in environment.items():
                if value is not None:  # `KEY:` left unset in the shell: compose passes nothing
                    patched.setenv(key, str(value))
            settings = Settings()  # production refuses to start without a key
        assert settings.environment == "production"
        assert settings.jwt_public_key == env["JWT_PUBLIC_KEY"]


def test_every_dashboard_and_rule_file_is_mounted(compose: dict[str, Any]) -> None:
    mounts = {source: target for name in ("prometheus", "grafana", "gateway")
              for source, target in bind_mounts(compose["services"][name]).items()}
    assert mounts[str(PROMETHEUS)] == "/etc/prometheus"
    assert mounts[str(DASHBOARDS)] == "/var/lib/grafana/dashboards"
    assert mounts[str(DEPLOY / "nginx" / "default.conf")] == "/etc/nginx/conf.d/default.conf"


# ---------------------------------------------------------------- Dockerfile


def stages(dockerfile: Path) -> dict[str, list[str]]:
    """Instructions per build stage (line continuations joined), by stage name."""
    text = re.sub(r"\\\n\s*", " ", dockerfile.read_text())
    result: dict[str, list[str]] = {}
    current: list[str] = []  # instructions before the first FROM (global ARGs) are dropped
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("FROM "):
            current = result.setdefault(line.split()[-1], [])
        elif line and not line.startswith("#"):
            current.append(line)
    return result


def test_python_image_is_multi_stage_non_root_and_locked() -> None:
    dockerfile = DEPLOY / "Dockerfile"
    found = stages(dockerfile)
    assert list(found)[-1] == "runtime", "the default (last) stage is the runtime image"
    builder, runtime = " ".join(found["builder"]), found["runtime"]
    assert "uv sync --frozen --no-dev --no-group load" in builder
    users = [line.split()[1] for line in runtime if line.startswith("USER ")]
    assert users, "the runtime names its user"
    assert users[-1] not in ("root", "0"), "the runtime runs as an unprivileged user"
    assert any(line.startswith("COPY --from=builder") and "/app/.venv" in line for line in runtime)
    runtime_text = " ".join(runtime + found["base"])
    for build_tool in ("apt-get install", "gcc", "build-essential", "uv "):
        assert build_tool not in runtime_text, f"{build_tool!r} in the runtime image"
    assert dockerfile.read_text().count("\nFROM ") >= 3


def test_python_image_copies_every_package_and_the_context_keeps_them() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    copied = {source.split("/")[0] for line in stages(DEPLOY / "Dockerfile")["builder"]
              if line.startswith("COPY ") and "--from" not in line
              for source in line.split()[1:-1]}
    assert {*packages, "pyproject.toml", "uv.lock", "README.md"} <= copied
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert not ignored & {*packages, "pyproject.toml", "uv.lock", "README.md"}


# ---------------------------------------------------------------- nginx gateway


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (str(p) for p in (OPS_TOOLS / "usr" / "sbin" / "nginx",) if p.exists()), None)
    if found is None:
        pytest.skip("no nginx binary (Debian package `nginx`) to check the gateway with")
    return found


def gateway_config(tmp_path: Path, *, port: int, read_api: str, write_api: str) -> Path:
    """The compose gateway's server config on a loopback port, with the two API names pointed
    at the given host:port, inside a minimal main config whose files all live in tmp_path."""
    server = (DEPLOY / "nginx" / "default.conf").read_text()
    server = server.replace("read-api:8002", read_api).replace("write-api:8001", write_api)
    server = server.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    (tmp_path / "default.conf").write_text(server)
    temp = "".join(f"{kind}_temp_path {tmp_path / kind};\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    main = tmp_path / "nginx.conf"
    main.write_text(f"daemon off;\nmaster_process off;\npid {tmp_path / 'nginx.pid'};\n"
                    f"error_log stderr warn;\nevents {{}}\n"
                    f"http {{\n{temp}include {tmp_path / 'default.conf'};\n}}\n")
    return main


def test_gateway_config_is_valid_nginx(tmp_path: Path) -> None:
    nginx = nginx_binary()
    main = gateway_config(tmp_path, port=free_port(), read_api="read-api:8002",
                          write_api="write-api:8001")
    # Unresolvable names pass: they are resolved per request through Docker's DNS.
    run(nginx, "-e", "stderr", "-p", str(tmp_path), "-c", str(main), "-t")


def stub_api(name: str) -> FastAPI:
    app = FastAPI()

    @app.api_route("/{path:path}", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE",
                                            "OPTIONS"])
    async def anything(path: str, request: Request) -> Response:
        return Response(json.dumps({"api": name, "method": request.method, "path": f"/{path}"}),
                        media_type="application/json", headers={"X-Stub-Api": name})

    return app


@contextlib.asynccontextmanager
async def running_gateway(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    nginx = nginx_binary()
    async with serve(stub_api("read")) as read_url, serve(stub_api("write")) as write_url:
        port = free_port()
        main = gateway_config(tmp_path, port=port, read_api=read_url.removeprefix("http://"),
                              write_api=write_url.removeprefix("http://"))
        process = await asyncio.create_subprocess_exec(
            nginx, "-e", "stderr", "-p", str(tmp_path), "-c", str(main),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
                for _ in range(100):
                    with contextlib.suppress(httpx.TransportError):
                        await client.get("/healthz")
                        break
                    assert process.returncode is None, await process.stderr.read()
                    await asyncio.sleep(0.05)
                yield client
        finally:
            process.terminate()
            await process.wait()


@pytest.mark.parametrize(("method", "preflight_for", "api"), [
    ("GET", None, "read"), ("HEAD", None, "read"),
    ("POST", None, "write"), ("PUT", None, "write"), ("PATCH", None, "write"),
    ("DELETE", None, "write"),
    ("OPTIONS", "GET", "read"), ("OPTIONS", "POST", "write"), ("OPTIONS", "DELETE", "write"),
])
async def test_gateway_routes_queries_to_the_read_api_and_commands_to_the_write_api(
        tmp_path: Path, method: str, preflight_for: str | None, api: str) -> None:
    headers = {"Access-Control-Request-Method": preflight_for} if preflight_for else {}
    async with running_gateway(tmp_path) as gateway:
        answer = await gateway.request(method, "/api/courses/42?q=x", headers=headers)
    assert answer.status_code == 200
    assert answer.headers["X-Stub-Api"] == api
    if method != "HEAD":
        assert answer.json() == {"api": api, "method": method, "path": "/api/courses/42"}


async def test_gateway_answers_its_own_paths_and_refuses_big_bodies(tmp_path: Path) -> None:
    async with running_gateway(tmp_path) as gateway:
        health = await gateway.get("/healthz")
        read_ready = await gateway.get("/readyz/read")
        write_ready = await gateway.get("/readyz/write")
        elsewhere = await gateway.get("/admin")
        too_big = await gateway.post("/api/courses", content=b"x" * 300_000,
                                     headers={"Content-Type": "application/json"})
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert read_ready.json() == {"api": "read", "method": "GET", "path": "/readyz"}
    assert write_ready.json() == {"api": "write", "method": "GET", "path": "/readyz"}
    assert elsewhere.status_code == 404
    assert elsewhere.json()["error"]["code"] == "not_found"
    assert too_big.status_code == 413
