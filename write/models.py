"""Every write-model table, imported once so Alembic and tests see the whole metadata."""

from write.catalog import models as catalog_models
from write.db import Base
from write.identity import models as identity_models
from write.outbox import OutboxEvent

metadata = Base.metadata

__all__ = ["OutboxEvent", "catalog_models", "identity_models", "metadata"]
