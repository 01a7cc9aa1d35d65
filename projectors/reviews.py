"""The reviews projection: visible reviews with their authors' names, listed per course."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from projectors.base import Stores, Targets
from projectors.compare import compare_documents
from projectors.scan import ScansTable
from read.stores.documents import FINAL_VERSION, DocumentItem, DocumentSpace, encode
from read.stores.reviews import REVIEWS, ReviewDoc, review_entries
from write.catalog.review_models import Review
from write.events import Event, ReviewEvent
from write.identity.models import User


async def load_reviews(engine: AsyncEngine, ids: Sequence[uuid.UUID]
                       ) -> dict[uuid.UUID, tuple[int, ReviewDoc | None]]:
    """Each existing review's version and document (None while it is hidden)."""
    if not ids:
        return {}
    async with engine.connect() as conn:
        rows = (await conn.execute(select(Review).where(Review.id.in_(list(ids))))).all()
        # Authors live in identity: a second query, never a join across contexts.
        author_ids = list({row.author_id for row in rows if not row.hidden})
        names = {row.id: row.name for row in await conn.execute(select(User.id, User.name).where(
            User.id.in_(author_ids)))} if author_ids else {}
    return {row.id: (row.version, None if row.hidden else ReviewDoc(
        id=row.id, course_id=row.course_id, author_id=row.author_id,
        author_name=names.get(row.author_id, ""), rating=row.rating,
        comment_html=row.comment_html, created_at=row.created_at, updated_at=row.updated_at,
        version=row.version)) for row in rows}


class ReviewsProjection(ScansTable):
    """A hidden review becomes a tombstone at its version, a deleted one a final tombstone: both
    leave the course's list."""

    name = REVIEWS
    spaces: tuple[str, ...] = (REVIEWS,)
    uses_search = False
    id_column = Review.__table__.c.id

    def handles(self, event: Event) -> bool:
        return isinstance(event, ReviewEvent)

    def ids_of(self, event: Event) -> list[uuid.UUID]:
        assert isinstance(event, ReviewEvent)
        return [event.review_id]

    async def write(self, stores: Stores, ids: Sequence[uuid.UUID], targets: Targets) -> None:
        found = await load_reviews(stores.engine, ids)
        items: list[DocumentItem] = []
        for review_id in ids:
            version, doc = found.get(review_id, (FINAL_VERSION, None))
            items.append((str(review_id), version, None, []) if doc is None else
                         (str(review_id), version, encode(doc.model_dump(mode="json")),
                          review_entries(doc)))
        space = DocumentSpace(stores.redis, REVIEWS)
        for generation in targets.generations.get(REVIEWS, ()):
            await space.upsert_many(generation, items, announce=targets.announce)

    async def drift(self, stores: Stores, ids: Sequence[uuid.UUID]) -> dict[str, str]:
        found = await load_reviews(stores.engine, ids)
        space = DocumentSpace(stores.redis, REVIEWS)
        differences = await compare_documents(space, {
            str(review_id): doc.model_dump(mode="json")
            for review_id, (_, doc) in found.items() if doc is not None})
        hidden = [str(review_id) for review_id, (_, doc) in found.items() if doc is None]
        shown = await space.get_many_by_id(await space.current_generation(), hidden)
        return differences | {review_id: "hidden but shown" for review_id in shown}
