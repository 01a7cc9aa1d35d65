"""Explicit loader queries for the catalog projections: categories, ids in batches, counts.

Courses have their own loader, which builds their documents: `catalog_documents`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from write.catalog.models import Category

Row = dict[str, Any]


def _rows(result: Any) -> list[Row]:
    return [dict(r._mapping) for r in result]


async def load_categories(engine: AsyncEngine, category_ids: Sequence[uuid.UUID]
                          ) -> dict[uuid.UUID, Row]:
    async with engine.connect() as conn:
        rows = _rows(await conn.execute(
            select(Category.__table__).where(Category.id.in_(list(category_ids)))))
    return {row["id"]: row for row in rows}
