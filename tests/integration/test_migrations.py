"""The migrations build exactly the tables the models describe (no drift either way)."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from write.models import SCHEMAS, metadata


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={
        "include_schemas": True, "compare_type": True,
        "include_name": lambda name, type_, _: name in SCHEMAS if type_ == "schema" else True,
    })
    return list(compare_metadata(context, metadata))


async def test_migrated_schema_matches_the_models(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        assert await conn.run_sync(_differences) == []
