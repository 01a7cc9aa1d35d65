"""EduPlatform load scenarios; docs/load-testing.md explains profiles, arguments and results.

    uv run locust -f tools/locust/locustfile.py --headless -u 50 -r 10 -t 2m \\
        --scenario mix --accounts demo --csv results/mix

`--scenario` picks the user classes (unless classes are named on the command line):
mix: StudentUser 70, SearchUser 20, TeacherUser 10 (the original project's mix);
read: the same people, GETs of the read API only; write: commands of the write API only;
naive: the reads the naive baseline (apps/naive_app.py) answers from the write tables.
"""

from __future__ import annotations

from typing import Any

from locust import User, events
from locust.env import Environment

from tools.locust.base import RUN
from tools.locust.naive import NaiveSearchUser, NaiveStudentUser, NaiveTeacherUser
from tools.locust.options import add_arguments, options_from
from tools.locust.searchers import SearchUser
from tools.locust.students import ReadOnlyStudentUser, StudentUser, WriteOnlyStudentUser
from tools.locust.teachers import ReadOnlyTeacherUser, TeacherUser, WriteOnlyTeacherUser

SCENARIO_USERS: dict[str, list[type[User]]] = {
    "mix": [StudentUser, SearchUser, TeacherUser],
    "read": [ReadOnlyStudentUser, SearchUser, ReadOnlyTeacherUser],
    "write": [WriteOnlyStudentUser, WriteOnlyTeacherUser],
    "naive": [NaiveStudentUser, NaiveSearchUser, NaiveTeacherUser],
}


def _arguments(parser: Any, **_: Any) -> None:
    add_arguments(parser)


def _choose_users(environment: Environment, **_: Any) -> None:
    options = environment.parsed_options
    if options is None or options.user_classes:
        return  # run as a library, or classes named on the command line: leave the choice alone
    environment.user_classes[:] = SCENARIO_USERS[options.scenario]


def _start(environment: Environment, **_: Any) -> None:
    """Reads the hosts and accounts when a test starts (the web UI may have changed them)."""
    if environment.parsed_options is None:
        return
    options = options_from(environment.parsed_options, environment.host)
    RUN.start(options)
    if not environment.host:  # Locust needs a host for its users; every URL here is absolute
        environment.host = options.targets.write


# Locust's EventHook.add_listener has no annotations.
events.init_command_line_parser.add_listener(_arguments)  # type: ignore[no-untyped-call]
events.init.add_listener(_choose_users)  # type: ignore[no-untyped-call]
events.test_start.add_listener(_start)  # type: ignore[no-untyped-call]
