"""The scenarios' own command-line arguments and the run settings read from them.

Locust parses these next to its own (`--host`, `-u`, `-r`, `-t`, `--csv`, …); the web UI shows
them in its start form. Locust already has a `--profile` (a label for the run), so the profile
of this toolkit is chosen with `--scenario`.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

SCENARIOS = ("mix", "read", "write", "naive")
ACCOUNT_SOURCES = ("seed", "demo", "register")
# `edu up` serves the write API on 8001 and the read API on 8002; the naive baseline is not part
# of the platform and has no fixed port: 8003 is where docs/load-testing.md starts it.
LOCAL_WRITE, LOCAL_READ, LOCAL_NAIVE = ("http://127.0.0.1:8001", "http://127.0.0.1:8002",
                                        "http://127.0.0.1:8003")


def add_arguments(parser: Any) -> None:
    """Registers the arguments on Locust's parser (its own add_argument knows the web UI flags);
    each can also be set as LOCUST_<NAME>, e.g. LOCUST_SCENARIO=read."""
    def argument(name: str, **options: Any) -> None:
        parser.add_argument(name, env_var="LOCUST_" + name.lstrip("-").upper().replace("-", "_"), **options)

    argument("--scenario", choices=SCENARIOS, default="mix", include_in_web_ui=False,
             help="mix (students 70, searchers 20, teachers 10), read (GETs only), "
                  "write (commands only) or naive (reads of the naive baseline app)")
    argument("--write-host", default="",
             help="write API base URL (default: --host, else http://127.0.0.1:8001)")
    argument("--read-host", default="",
             help="read API base URL (default: --host, else http://127.0.0.1:8002)")
    argument("--naive-host", default="",
             help="naive baseline base URL (default: --host, else http://127.0.0.1:8003)")
    argument("--accounts", choices=ACCOUNT_SOURCES, default="demo",
             help="seed: accounts of `edu seed`; demo: those of `edu up`; register: "
                  "fresh accounts (teachers verified with --admin-email)")
    argument("--seed-run", default="r1", help="which `edu seed` run's accounts (r1, r2, …)")
    argument("--seed-students", type=int, default=40_000,
             help="students in that seed run (`edu seed --students`)")
    argument("--seed-teachers", type=int, default=10_000,
             help="teachers in that seed run (`edu seed --teachers`)")
    argument("--admin-email", default="",
             help="admin who verifies registered teachers (default: `edu up`'s demo admin)")
    argument("--admin-password", default="", is_secret=True, help="that admin's password")
    argument("--think-time", type=float, default=1.0,
             help="mean pause between a user's tasks in seconds (uniform from half to one and a half times)")
    argument("--decline-share", type=float, default=0.1,
             help="share of first payment attempts made with the mock provider's "
                  "declining test card (the student then retries)")
    argument("--refresh-margin", type=float, default=60.0,
             help="refresh the access token this many seconds before it expires")
    argument("--sample-courses", type=int, default=50,
             help="write profile: published courses it learns (unmeasured) at start")


@dataclass(frozen=True)
class Targets:
    write: str
    read: str
    naive: str


@dataclass(frozen=True)
class RunOptions:
    scenario: str
    targets: Targets
    accounts: str
    seed_run: str
    seed_students: int
    seed_teachers: int
    admin: tuple[str, str]
    think_time: float
    decline_share: float
    refresh_margin: float
    sample_courses: int


def _base(url: str) -> str:
    return url.rstrip("/")


def options_from(parsed: argparse.Namespace, host: str | None) -> RunOptions:
    """The settings of one run: explicit hosts first, then the one `--host`, then `edu up`'s ports."""
    def target(explicit: str, local: str) -> str:
        return _base(explicit or host or local)

    return RunOptions(
        scenario=parsed.scenario,
        targets=Targets(write=target(parsed.write_host, LOCAL_WRITE),
                        read=target(parsed.read_host, LOCAL_READ),
                        naive=target(parsed.naive_host, LOCAL_NAIVE)),
        accounts=parsed.accounts, seed_run=parsed.seed_run,
        seed_students=max(parsed.seed_students, 1), seed_teachers=max(parsed.seed_teachers, 1),
        admin=(parsed.admin_email, parsed.admin_password),
        think_time=max(parsed.think_time, 0.0), decline_share=min(max(parsed.decline_share, 0.0), 1.0),
        refresh_margin=max(parsed.refresh_margin, 0.0), sample_courses=max(parsed.sample_courses, 1))
