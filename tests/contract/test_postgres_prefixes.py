"""The embedded Postgres index's own rule: the last word is a prefix only from three letters on.

Meilisearch expands even a single letter; the embedded index matches one- and two-letter words
whole, since their expansions ("c" of "C++", "go") reach a large share of the vocabulary and
cost tens of milliseconds a search (read/search/pg_schema.py, MIN_PREFIX).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from common.settings import Settings
from read.search.documents import SearchQuery
from read.search.port import SearchIndex, create_search_index
from tests.contract.builders import course


@pytest.fixture
async def postgres_index(postgres_settings: Settings) -> AsyncIterator[SearchIndex]:
    index = await create_search_index(postgres_settings)
    await index.drop()
    await index.ensure()
    yield index
    await index.drop()
    await index.close()


async def test_short_words_match_whole_and_longer_ones_as_prefixes(
        postgres_index: SearchIndex) -> None:
    c, cooking = course(title="C for beginners"), course(title="Cooking at home")
    go, google = course(title="Go in practice"), course(title="Google Sheets")
    await postgres_index.upsert([c, cooking, go, google])

    async def found(q: str) -> set[str]:
        result = await postgres_index.search(SearchQuery(q=q))
        return {hit.title for hit in result.items}

    assert await found("c") == {c.title}
    assert await found("go") == {go.title}
    assert await found("goo") == {google.title}
    assert await found("coo") == {cooking.title}
