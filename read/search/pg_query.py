"""SQL for the Postgres search index: the bulk versioned merge and the one-statement search."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, TextClause, text

from read.search.documents import SearchHit, SearchQuery, SearchResult, empty_facets, next_offset
from read.search.pg_schema import SCHEMA

MAX_QUERY_WORDS = 8
# Letters and digits only: what reaches to_tsquery can never carry tsquery syntax.
_WORD = re.compile(r"[^\W_]+")

_COLUMNS = ("id, version, listed, category_id, level, language, is_free, price_value, rating, "
            "rating_count, students_count, published_at, doc, search_vector")


def upsert_statement(table: str) -> TextClause:
    """Merge JSON documents by id, keeping the higher version, and grow the typo vocabulary."""
    updates = ", ".join(f"{column} = excluded.{column}" for column in _COLUMNS.split(", ")[1:])
    # Text vectors are the costly part, so they are computed once, in this statement, and only
    # for documents newer than the stored ones (ON CONFLICT still guards against racing writers).
    # Descriptions are only stemmed (a prefix typed so far matches their stems), and not run
    # through `norm`: the stemmer lowercases and folds ё itself, and skipping unaccent on the
    # longest field is a tenth of the merge's cost (accented Latin words there match as written).
    return text(f"""
        WITH incoming AS MATERIALIZED (  -- parsed once, not once per use of a field
            SELECT d::jsonb AS d FROM unnest(CAST(:docs AS text[])) AS t(d)
        ), fresh AS (
            SELECT i.d, to_tsvector('simple', n.title) AS title_words,
                   to_tsvector('simple', n.teacher) AS teacher_words,
                   setweight(to_tsvector('russian', n.title), 'A')
                   || setweight(to_tsvector('russian', n.teacher), 'B')
                   || setweight(to_tsvector('russian', i.d->>'description_text'), 'C') AS stems
            FROM incoming AS i
            CROSS JOIN LATERAL (SELECT {SCHEMA}.norm(i.d->>'title') AS title,
                                       {SCHEMA}.norm(i.d->>'teacher_name') AS teacher) AS n
            WHERE NOT EXISTS (SELECT 1 FROM {table} AS c WHERE c.id = (i.d->>'id')::uuid
                                                         AND c.version >= (i.d->>'version')::bigint)
        ), merged AS (
            INSERT INTO {table} AS c ({_COLUMNS})
            SELECT (d->>'id')::uuid, (d->>'version')::bigint, (d->>'listed')::boolean,
                   (d->>'category_id')::uuid, d->>'level', d->>'language',
                   coalesce((d->>'price')::numeric, 0) = 0, coalesce((d->>'price')::numeric, 0),
                   (d->>'rating')::float8, (d->>'rating_count')::int, (d->>'students_count')::int,
                   (d->>'published_at')::timestamptz, d,
                   stems || setweight(title_words, 'A') || setweight(teacher_words, 'B')
            FROM fresh
            ON CONFLICT (id) DO UPDATE SET {updates}
            WHERE c.version < excluded.version
        )
        INSERT INTO {SCHEMA}.words (word)
        SELECT DISTINCT lexeme
        FROM fresh, unnest(tsvector_to_array(title_words || teacher_words)) AS lexeme
        WHERE (d->>'listed')::boolean AND length(lexeme) >= 5
        ORDER BY lexeme
        ON CONFLICT DO NOTHING""")


def query_words(q: str | None) -> list[str]:
    return _WORD.findall(q)[:MAX_QUERY_WORDS] if q else []


_ORDER = {
    "popular": "students_count DESC, id",
    "rating": "rating DESC, rating_count DESC, id",
    "newest": "published_at DESC NULLS LAST, id",
    "price_asc": "price_value ASC, id",
    "price_desc": "price_value DESC, id",
}
_BY_RANK = "rank DESC, students_count DESC, id"

# Each present filter adds one fixed fragment; values only ever travel as bind parameters.
_FILTERS = {
    "category_id": "c.category_id = :category_id",
    "level": "c.level = :level",
    "language": "c.language = :language",
    "price_min": "c.price_value >= :price_min",
    "price_max": "c.price_value <= :price_max",
    "rating_min": "c.rating >= :rating_min",
}
_PRICE = {"free": "c.is_free", "paid": "NOT c.is_free"}

# Typo expansions match too, but a document matching the words as typed ranks higher.
_RANK = ("ts_rank(c.search_vector, (SELECT strict FROM q)) * 2 "
         "+ ts_rank(c.search_vector, (SELECT fuzzy FROM q))")
_MATCH = f"""q AS MATERIALIZED (
    SELECT {SCHEMA}.match_query(CAST(:words AS text[]), false) AS strict,
           {SCHEMA}.match_query(CAST(:words AS text[]), true) AS fuzzy
), """

_FACETS = """
    SELECT CASE WHEN GROUPING(category_id) = 0 THEN 'category'
                WHEN GROUPING(level) = 0 THEN 'level'
                WHEN GROUPING(language) = 0 THEN 'language'
                WHEN GROUPING(is_free) = 0 THEN 'price'
                ELSE 'total' END AS facet,
           coalesce(category_id::text, level, language,
                    CASE WHEN is_free THEN 'free' WHEN NOT is_free THEN 'paid' END) AS value,
           count(*) AS n
    FROM matched
    GROUP BY GROUPING SETS ((category_id), (level), (language), (is_free), ())"""


def search_statement(query: SearchQuery, table: str) -> tuple[TextClause, dict[str, Any]]:
    """One statement, one snapshot: facet counts and the total over all matches, plus the page."""
    params: dict[str, Any] = {"limit": query.limit, "offset": query.offset}
    conditions = ["c.listed"]
    words = query_words(query.q)
    if words:
        params["words"] = words
        conditions.append("c.search_vector @@ (SELECT fuzzy FROM q)")
    for name, fragment in _FILTERS.items():
        value = getattr(query, name)
        if value is not None:
            params[name] = value
            conditions.append(fragment)
    if query.price is not None:
        conditions.append(_PRICE[query.price])
    # Relevance orders by rank when there is text to rank by, and by newest otherwise.
    order = _ORDER.get(query.sort) or (_BY_RANK if words else _ORDER["newest"])
    statement = f"""
        WITH {_MATCH if words else ""}matched AS MATERIALIZED (
            SELECT c.id, c.category_id, c.level, c.language, c.is_free, c.price_value, c.rating,
                   c.rating_count, c.students_count, c.published_at,
                   {_RANK if words else "0"} AS rank
            FROM {table} AS c
            WHERE {" AND ".join(conditions)}
        ), page AS (
            SELECT id, row_number() OVER (ORDER BY {order}) AS pos
            FROM matched ORDER BY {order} LIMIT :limit OFFSET :offset
        )
        SELECT f.facet, f.value, f.n, NULL::bigint AS pos, NULL::text AS doc FROM ({_FACETS}) AS f
        UNION ALL
        SELECT NULL, NULL, NULL, p.pos, c.doc::text FROM page AS p JOIN {table} AS c ON c.id = p.id"""
    return text(statement), params


def search_result(query: SearchQuery, rows: Sequence[Row[Any]]) -> SearchResult:
    facets = empty_facets()
    total = 0
    page: list[tuple[int, SearchHit]] = []
    for facet, value, n, pos, doc in map(tuple, rows):
        if doc is not None:
            page.append((pos, SearchHit.model_validate_json(doc)))
        elif facet == "total":
            total = n
        elif value is not None:
            facets[facet][value] = n
    items = [hit for _, hit in sorted(page, key=lambda entry: entry[0])]
    return SearchResult(items=items, total=total, facets=facets,
                        next_offset=next_offset(query, len(items), total))
