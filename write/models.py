"""Every write-model table, imported once so Alembic and tests see the whole metadata."""

from write.billing import models as billing_models
from write.catalog import models as catalog_models
from write.catalog import review_models
from write.db import Base
from write.identity import models as identity_models
from write.learning import models as learning_models
from write.notifications import models as notification_models
from write.outbox import OutboxEvent

metadata = Base.metadata
# One Postgres schema per context (DESIGN §4); what migrations manage.
SCHEMAS = ("identity", "outbox", "catalog", "learning", "billing", "notifications")

__all__ = ["SCHEMAS", "OutboxEvent", "billing_models", "catalog_models", "identity_models",
           "learning_models", "metadata", "notification_models", "review_models"]
