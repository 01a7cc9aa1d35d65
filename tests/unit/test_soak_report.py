"""The soak and overload report: growth, worst backlog, failures and statuses from the samples."""

from __future__ import annotations

from tests.faults.load import Answer
from tools.soak import Sample, _percentile, report


def sample(at: float, write_mb: float, backlog: int, failed: int) -> Sample:
    return Sample(at, {"write": write_mb, "redis": 5.0}, backlog, queued=3, redis_keys=900,
                  expiring_keys=600, answered=100,
                  failed=failed, p50_ms=4.0, p99_ms=40.0)


def test_percentiles_pick_from_the_ordered_latencies_in_milliseconds() -> None:
    ordered = [i / 1000 for i in range(1, 101)]  # 1 ms .. 100 ms
    assert _percentile(ordered, 0.50) == 51.0
    assert _percentile(ordered, 0.99) == 100.0
    assert _percentile([], 0.99) == 0.0


def test_the_report_states_growth_worst_backlog_failures_and_every_status() -> None:
    answers = [Answer("page", 0.0, 0.01, 200), Answer("page", 0.1, 0.01, 200),
               Answer("enroll", 0.2, 0.02, 409), Answer("page", 0.3, 10.0, None, failure="ReadError")]
    text = report([sample(30, 130, 2, 0), sample(60, 134, 7, 1)], answers, minutes=1, seed=7,
                  clients=48, command="uv run python -m tools.soak --clients 48")
    assert text.startswith("# Overload run")
    assert "48 command loops and 48 read loops" in text
    assert "write +4 MB, redis +0 MB" in text
    assert "Largest outbox backlog: 7" in text
    assert "requests failed (no answer or 5xx): 1 of 200" in text
    assert "200: 2, 409: 1, no answer: 1" in text
    assert "| 60 | 134 | 5 | 7 | 3 | 900 | 600 | 100 | 1 | 4 | 40 |" in text


def test_one_client_of_each_kind_is_a_soak() -> None:
    text = report([sample(30, 130, 0, 0)], [], minutes=30, seed=1, clients=1,
                  command="uv run python -m tools.soak --minutes 30")
    assert text.startswith("# Soak run")
    assert "one command loop and one read loop" in text
