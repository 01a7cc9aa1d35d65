"""The web app under `edu up`: installed and built only when missing or older than its sources
(a Next.js build takes minutes), then served by `next start` against the local APIs."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

WEB_DIR = Path(__file__).resolve().parent / "web"
# What a build is made from: a change to any of these makes the last build outdated.
SOURCES = ("app", "components", "lib", "public", "package.json", "package-lock.json",
           "next.config.ts", "tsconfig.json", "postcss.config.mjs")


def missing_tools(web_dir: Path) -> str | None:
    """Why the web app cannot be served here, or None when it can."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "Node.js and npm are not installed (Node 20 or newer serves the web app)"
    if not (web_dir / "package.json").is_file():
        return f"there is no web app in {web_dir}"
    return None


def _newest_mtime(paths: list[Path]) -> float:
    newest = 0.0
    for path in paths:
        files = path.rglob("*") if path.is_dir() else [path]
        for file in files:
            if file.is_file():
                newest = max(newest, file.stat().st_mtime)
    return newest


def needs_install(web_dir: Path) -> bool:
    """No dependencies installed, or a lock file newer than the installed ones."""
    installed = web_dir / "node_modules" / ".package-lock.json"
    if not (web_dir / "node_modules" / ".bin" / "next").is_file() or not installed.is_file():
        return True
    return (web_dir / "package-lock.json").stat().st_mtime > installed.stat().st_mtime


def needs_build(web_dir: Path) -> bool:
    """No build yet, or a source changed since the last one."""
    build_id = web_dir / ".next" / "BUILD_ID"
    if not build_id.is_file():
        return True
    sources = [web_dir / name for name in SOURCES if (web_dir / name).exists()]
    return _newest_mtime(sources) > build_id.stat().st_mtime


@dataclass(frozen=True)
class WebPlan:
    """The commands that bring the web app up, in order; the last one serves it."""

    steps: list[tuple[str, list[str]]]
    serve: list[str]
    env: dict[str, str]


def plan(web_dir: Path, env: Mapping[str, str], *, port: int, read_url: str, write_url: str
         ) -> WebPlan:
    steps = []
    if needs_install(web_dir):
        steps.append(("npm ci", ["npm", "ci", "--no-audit", "--no-fund"]))
    if steps or needs_build(web_dir):
        steps.append(("npm run build", ["npm", "run", "build"]))
    return WebPlan(
        steps=steps,
        serve=[str(web_dir / "node_modules" / ".bin" / "next"), "start",
               "--hostname", "127.0.0.1", "--port", str(port)],
        env={**env, "READ_API_URL": read_url, "WRITE_API_URL": write_url,
             "NEXT_TELEMETRY_DISABLED": "1"},
    )
