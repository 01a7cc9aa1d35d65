"""Drift: stored read documents compared with their recomputation from the write model."""

from __future__ import annotations

from typing import Any

from read.stores.documents import DocumentSpace


async def compare_documents(space: DocumentSpace, expected: dict[str, dict[str, Any]], *, label: str = ""
                   ) -> dict[str, str]:
    """{id: what differs} between stored documents and their recomputation."""
    generation = await space.current_generation()
    stored_docs = await space.get_many_by_id(generation, list(expected))
    differences: dict[str, str] = {}
    for doc_id, doc in expected.items():
        stored = stored_docs.get(doc_id)
        if stored is None:
            differences[label + doc_id] = "missing"
        elif stored != doc:
            fields = sorted(k for k in doc if stored.get(k) != doc[k])
            differences[label + doc_id] = "differs in " + ", ".join(fields)
    return differences
