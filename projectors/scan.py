"""Scanning a projection's aggregates: every id in batches, a random sample, a count.

A projection whose aggregates are the rows of one table gets rebuild and verify's needs from
`ScansTable` by naming the table's id column.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any, ClassVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine


async def stream_ids(engine: AsyncEngine, column: Any, batch_size: int, *,
                     where: Any = None) -> AsyncIterator[list[uuid.UUID]]:
    """Every id of a table (or of the rows `where` selects) in id order, in batches (keyset
    pagination, constant memory)."""
    last: uuid.UUID | None = None
    while True:
        query = select(column).order_by(column).limit(batch_size)
        if where is not None:
            query = query.where(where)
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
    async with engine.connect() as conn:
        ids = (await conn.scalars(select(column).order_by(func.random()).limit(count))).all()
    return sorted(ids)


async def count_rows(engine: AsyncEngine, table: Any) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


class ScansTable:
    """`stream_ids`, `count` and `sample_ids` over the rows of the table `id_column` belongs to."""

    # A table column (`Model.__table__.c.id`), not the mapped attribute: that one is a descriptor
    # and would look for an ORM instance when read through `self`.
    id_column: ClassVar[Any]

    def stream_ids(self, engine: AsyncEngine, batch_size: int
                   ) -> AsyncIterator[list[uuid.UUID]]:
        return stream_ids(engine, self.id_column, batch_size)

    async def count(self, engine: AsyncEngine) -> int:
        return await count_rows(engine, self.id_column.table)

    async def sample_ids(self, engine: AsyncEngine, count: int) -> list[uuid.UUID]:
        return await sample_ids(engine, self.id_column, count)
