"""Queue, job and key names shared by the relay, the worker and the operator commands."""

from uuid import UUID

from read.stores.ops import DEAD_LETTERS_KEY, PROJECTION_STATUS_PREFIX

__all__ = [
    "DEAD_LETTERS_KEY",
    "EMAIL_JOB",
    "EMAIL_SENT_PREFIX",
    "PROJECTED_PREFIX",
    "PROJECTION_STATUS_PREFIX",
    "PROJECT_JOB",
    "REACT_JOB",
    "REBUILD_JOB",
    "RETRY_PAYMENTS_JOB",
    "job_id",
]

PROJECT_JOB = "project_event"
REACT_JOB = "react_to_event"
EMAIL_JOB = "send_email"
REBUILD_JOB = "rebuild_projection"
RETRY_PAYMENTS_JOB = "retry_pending_payments"
EMAIL_SENT_PREFIX = "edu:email:sent:"
PROJECTED_PREFIX = "edu:projected:"


def job_id(job: str, event_id: UUID) -> str:
    """One arq job per (handler, event): unique, so a re-dispatch never hides a newer event.

    Keyed by the event's UUID, not its outbox seq: seqs can repeat after a restore from backup.
    """
    return f"{job}:{event_id.hex}"
