"""The enrollments projection: enrollment documents and each student's set of courses."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from projectors.base import Stores, Targets
from projectors.compare import compare_documents
from projectors.scan import ScansTable
from read.stores.documents import DocumentItem, DocumentSpace, encode
from read.stores.learning import ENROLLMENTS, EnrollmentDoc, enrollment_entries
from write.events import EnrollmentEvent, Event
from write.learning.models import Enrollment


async def load_enrollments(engine: AsyncEngine, ids: Sequence[uuid.UUID]
                           ) -> list[tuple[EnrollmentDoc, float]]:
    """The enrollments' current state, with when each began (epoch seconds)."""
    if not ids:
        return []
    async with engine.connect() as conn:
        rows = (await conn.execute(select(
            Enrollment.id, Enrollment.student_id, Enrollment.course_id, Enrollment.status,
            Enrollment.version, Enrollment.created_at).where(Enrollment.id.in_(list(ids))))).all()
    return [(EnrollmentDoc(id=r.id, student_id=r.student_id, course_id=r.course_id,
                           status=r.status, version=r.version), r.created_at.timestamp())
            for r in rows]


class EnrollmentsProjection(ScansTable):
    """State-based like the others: re-reads the enrollment and writes its newest version."""

    name = ENROLLMENTS
    spaces: tuple[str, ...] = (ENROLLMENTS,)
    uses_search = False
    id_column = Enrollment.__table__.c.id

    def handles(self, event: Event) -> bool:
        return isinstance(event, EnrollmentEvent)

    def ids_of(self, event: Event) -> list[uuid.UUID]:
        assert isinstance(event, EnrollmentEvent)
        return [event.enrollment_id]

    async def write(self, stores: Stores, ids: Sequence[uuid.UUID], targets: Targets) -> None:
        items: list[DocumentItem] = [
            (str(doc.id), doc.version, encode(doc.model_dump(mode="json")),
             enrollment_entries(doc, enrolled_at=enrolled_at))
            for doc, enrolled_at in await load_enrollments(stores.engine, ids)]
        space = DocumentSpace(stores.redis, ENROLLMENTS)
        for generation in targets.generations.get(ENROLLMENTS, ()):
            await space.upsert_many(generation, items)

    async def drift(self, stores: Stores, ids: Sequence[uuid.UUID]) -> dict[str, str]:
        expected = {str(doc.id): doc.model_dump(mode="json")
                    for doc, _ in await load_enrollments(stores.engine, ids)}
        return await compare_documents(DocumentSpace(stores.redis, ENROLLMENTS), expected)
