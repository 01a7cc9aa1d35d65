"""Background processes: the outbox relay and the arq worker (projections, mail)."""
