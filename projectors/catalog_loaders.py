"""Explicit loader queries for the catalog projections: categories, ids in batches, counts.

Courses have their own loader, which builds their documents: `catalog_documents`.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
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


async def stream_ids(engine: AsyncEngine, column: Any, batch_size: int
                     ) -> AsyncIterator[list[uuid.UUID]]:
    """Every id of a table in id order, in batches (keyset pagination, constant memory)."""
    last: uuid.UUID | None = None
    while True:
        query = select(column).order_by(column).limit(batch_size)
        if last is not None:
            query = query.where(column > last)
        async with engine.connect() as conn:
            ids = list((await conn.scalars(query)).all())
        if not ids:
            return
        yield ids
        last = ids[-1]


async def sample_ids(engine: AsyncEngine, column: Any, count: int) -> list[uuid.UUID]:
    """`count` ids drawn at random (every id equally likely), in id order."""
    from sqlalchemy import func

    async with engine.connect() as conn:
        ids = (await conn.scalars(select(column).order_by(func.random()).limit(count))).all()
    return sorted(ids)


async def count_rows(engine: AsyncEngine, table: Any) -> int:
    from sqlalchemy import func

    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())
