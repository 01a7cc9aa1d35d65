"""Queue, job and key names shared by the relay, the worker and the operator commands."""

from uuid import UUID

PROJECT_JOB = "project_event"
EMAIL_JOB = "send_email"
DEAD_LETTERS_KEY = "edu:deadletters"
PROJECTION_STATUS_PREFIX = "edu:proj:status:"
EMAIL_SENT_PREFIX = "edu:email:sent:"


def job_id(job: str, event_id: UUID) -> str:
    """One arq job per (handler, event): unique, so a re-dispatch never hides a newer event.

    Keyed by the event's UUID, not its outbox seq: seqs can repeat after a restore from backup.
    """
    return f"{job}:{event_id.hex}"
