"""Browser tests of the web app (apps/web): marker, and what they need from the machine."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

WEB_DIR = Path(__file__).resolve().parents[2] / "apps" / "web"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives the web app in headless Chromium (select with -m browser)")


def browser_requirements(chromium: str) -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "Node.js is not installed (Node 20+ runs apps/web)"
    if not Path(chromium).is_file():
        return f"no Chromium at {chromium} (tools/ensure-browser.sh installs Debian's chromium)"
    if not (WEB_DIR / "node_modules" / ".bin" / "next").is_file():
        return "apps/web has no node_modules: run `npm ci` there (./test.sh does)"
    return None
