"""Metrics of the relay and the worker; only those processes import this module."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

OUTBOX_BACKLOG = Gauge(
    "edu_outbox_backlog_events", "Outbox events committed but not yet dispatched to the queue."
)
OUTBOX_OLDEST_AGE = Gauge(
    "edu_outbox_oldest_undispatched_age_seconds", "Age of the oldest undispatched outbox event."
)
RELAY_DISPATCHED = Counter("edu_relay_dispatched_events_total", "Events moved from outbox to queue.")
RELAY_CLEANED = Counter("edu_relay_cleaned_events_total", "Dispatched outbox rows deleted.")
JOBS = Counter(
    "edu_jobs_total", "Worker jobs by handler and outcome.", ["handler", "outcome"]
)
JOB_DURATION = Histogram(
    "edu_job_duration_seconds", "Worker job duration by handler.", ["handler"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0),
)
PROJECTION_LAG = Gauge(
    "edu_projection_lag_seconds",
    "Seconds between an event's commit and its projection, for the last applied event.",
    ["projection"],
)
# Every applied event, so percentiles of the lag can be read from the buckets (the gauge above
# only shows the last one).
PROJECTION_LAG_SECONDS = Histogram(
    "edu_projection_delay_seconds",
    "Seconds between an event's commit and its projection, per projection.",
    ["projection"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0,
             3.0, 5.0, 10.0, 30.0),
)
DEAD_LETTERS = Gauge("edu_dead_letters", "Events parked in the dead-letter store.")
PROJECTION_LAST_APPLIED = Gauge(
    "edu_projection_last_applied_timestamp_seconds",
    "Unix time at which the projection last applied an event.",
    ["projection"],
)
QUEUE_DEPTH = Gauge(
    "edu_queue_depth_jobs",
    "Jobs in the arq queue: waiting, deferred for a retry, or running (sampled by the relay).",
    ["queue"],
)
JOB_RETRIES = Counter(
    "edu_job_retries_total", "Failed job tries that were scheduled to run again, by handler.",
    ["handler"],
)
DEAD_LETTERED = Counter(
    "edu_dead_lettered_events_total", "Jobs parked in the dead-letter store (poison or out of tries)."
)
REBUILD_PROGRESS = Gauge(
    "edu_rebuild_progress_ratio",
    "Share of the aggregates the running (or last) rebuild has written; 1 once it switched.",
    ["projection"],
)
REBUILD_DOCUMENTS = Counter(
    "edu_rebuild_documents_total", "Aggregates written into new generations by rebuilds.",
    ["projection"],
)
REDIS_WIPES = Counter(
    "edu_redis_wipes_recovered_total",
    "Times the relay found Redis restarted empty and started recovery (redelivery and rebuild).",
)
