"""When `edu up` installs and builds the web app: only when missing or older than its sources."""

from __future__ import annotations

import os
from pathlib import Path

from apps.up_web import needs_build, needs_install, plan


def web_app(root: Path, *, built_at: float | None, installed_at: float | None) -> Path:
    """A web app folder with sources dated 1000, and a build and dependencies if dated."""
    for name, text in (("package.json", "{}"), ("package-lock.json", "{}"),
                       ("app/page.tsx", "export default 1")):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
        os.utime(root / name, (1000, 1000))
    if built_at is not None:
        (root / ".next").mkdir()
        (root / ".next" / "BUILD_ID").write_text("x")
        os.utime(root / ".next" / "BUILD_ID", (built_at, built_at))
    if installed_at is not None:
        (root / "node_modules" / ".bin").mkdir(parents=True)
        (root / "node_modules" / ".bin" / "next").write_text("")
        (root / "node_modules" / ".package-lock.json").write_text("{}")
        os.utime(root / "node_modules" / ".package-lock.json", (installed_at, installed_at))
    return root


def test_a_fresh_checkout_is_installed_then_built(tmp_path: Path) -> None:
    web = web_app(tmp_path, built_at=None, installed_at=None)
    assert (needs_install(web), needs_build(web)) == (True, True)
    steps = plan(web, {}, port=3001, read_url="http://r", write_url="http://w").steps
    assert [name for name, _ in steps] == ["npm ci", "npm run build"]


def test_a_current_build_is_served_as_it_is(tmp_path: Path) -> None:
    web = web_app(tmp_path, built_at=2000, installed_at=2000)
    served = plan(web, {"HOME": "/home/x"}, port=3005, read_url="http://r", write_url="http://w")
    assert served.steps == []
    assert served.serve[-4:] == ["--hostname", "127.0.0.1", "--port", "3005"]
    assert served.env == {"HOME": "/home/x", "READ_API_URL": "http://r",
                          "WRITE_API_URL": "http://w", "NEXT_TELEMETRY_DISABLED": "1"}


def test_a_changed_source_or_lock_file_is_rebuilt(tmp_path: Path) -> None:
    web = web_app(tmp_path, built_at=2000, installed_at=2000)
    os.utime(web / "app" / "page.tsx", (3000, 3000))
    assert (needs_install(web), needs_build(web)) == (False, True)
    os.utime(web / "package-lock.json", (4000, 4000))
    assert [name for name, _ in plan(web, {}, port=1, read_url="", write_url="").steps] == [
        "npm ci", "npm run build"]
