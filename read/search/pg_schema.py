"""The embedded Postgres search index's database and DDL: a live table, a "next" one, helpers.

The `russian` configuration stems Cyrillic words with the Russian snowball stemmer and Latin
words with the English one, so one pass covers both languages; `simple` adds the unstemmed title
and teacher-name words. Those two fields are first normalized by `search.norm` (lower case,
accents and ё folded by `unaccent` when the server has it). Typo candidates come from a
vocabulary of title and teacher-name words: a trigram GiST index finds the nearest words, and an
edit distance with transpositions applies Meilisearch's rule (1 typo from 5 letters, 2 from 9).
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

SCHEMA = "search"
LIVE = f"{SCHEMA}.courses"
NEXT = f"{SCHEMA}.courses_next"
# A whole-server lock id (any constant) so concurrent ensure/rebuild calls run one at a time.
DDL_LOCK = 7_346_011
# Character classes and case mapping must know Cyrillic; a C-locale cluster (the embedded one is
# initialised with --no-locale) would leave "Ж" upper-case and give Cyrillic words no trigrams.
UNICODE_LOCALE = "C.UTF-8"

_log = logging.getLogger(__name__)


async def ensure_database(url: str) -> None:
    """Create the search database with a Unicode-aware locale if it does not exist yet."""
    target = make_url(url)
    name = target.database
    if not name:
        raise ValueError("the search database URL names no database")
    engine = create_async_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT",
                                 poolclass=NullPool, connect_args={"timeout": 5})
    try:
        async with engine.connect() as conn:
            if not await _database_exists(conn, name):
                await _create_database(conn, name)
    finally:
        await engine.dispose()


async def _database_exists(conn: AsyncConnection, name: str) -> bool:
    return bool(await conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                  {"name": name}))


async def _create_database(conn: AsyncConnection, name: str) -> None:
    quoted = conn.dialect.identifier_preparer.quote(name)
    unicode = (f"TEMPLATE template0 ENCODING 'UTF8' "
               f"LC_COLLATE '{UNICODE_LOCALE}' LC_CTYPE '{UNICODE_LOCALE}'")
    for options in (unicode, ""):
        try:
            await conn.exec_driver_sql(f"CREATE DATABASE {quoted} {options}")
            return
        except DBAPIError:
            if await _database_exists(conn, name):
                return  # another process created it between our check and CREATE
            if not options:
                raise
            _log.warning("locale %s is not available; the search database uses the server "
                         "default, so Cyrillic case folding and typo search may degrade",
                         UNICODE_LOCALE)


async def create_schema(conn: AsyncConnection) -> None:
    """Extensions, the schema, its functions and vocabulary, and the live table (idempotent)."""
    await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DDL_LOCK})
    await conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    unaccent = await _unaccent_schema(conn)
    await conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    await conn.exec_driver_sql(
        f"CREATE TABLE IF NOT EXISTS {SCHEMA}.words (word text PRIMARY KEY)")
    await conn.exec_driver_sql(
        f"CREATE INDEX IF NOT EXISTS words_trgm ON {SCHEMA}.words USING gist (word gist_trgm_ops)")
    for statement in _functions(unaccent):
        await conn.exec_driver_sql(statement)
    if not await conn.scalar(text("SELECT to_regclass(:table) IS NOT NULL"), {"table": LIVE}):
        await create_table(conn, LIVE)
    if not await conn.scalar(text("SELECT lower('Ж') = 'ж'")):
        _log.warning("the search database's locale does not fold Cyrillic case; create it with "
                     "LC_CTYPE %s", UNICODE_LOCALE)


async def _unaccent_schema(conn: AsyncConnection) -> str | None:
    available = await conn.scalar(text(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'unaccent'"))
    if not available:
        return None
    await conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS unaccent")
    schema: str = await conn.scalar(text(
        "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'unaccent'"))
    return schema


def _functions(unaccent: str | None) -> list[str]:
    folded = (f"lower({unaccent}.unaccent('{unaccent}.unaccent'::regdictionary, $1))" if unaccent
              else "replace(lower($1), 'ё', 'е')")
    return [
        # IMMUTABLE (unaccent itself is only STABLE) so generated columns may use it; the
        # dictionary is named explicitly, which is what makes that promise safe.
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.norm(text) RETURNS text
            LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT {folded} $$""",
        f"CREATE OR REPLACE AGGREGATE {SCHEMA}.tsquery_or_all(tsquery) "
        "(SFUNC = tsquery_or, STYPE = tsquery)",
        f"CREATE OR REPLACE AGGREGATE {SCHEMA}.tsquery_and_all(tsquery) "
        "(SFUNC = tsquery_and, STYPE = tsquery)",
        _EDIT_DISTANCE,
        _MATCH_QUERY,
    ]


MIN_PREFIX = 3

# Optimal string alignment distance: Levenshtein plus adjacent transpositions ("pyhton"), as
# Meilisearch counts typos. Only ever run on a few dozen vocabulary candidates per query word.
_EDIT_DISTANCE = f"""
CREATE OR REPLACE FUNCTION {SCHEMA}.edit_distance(a text, b text) RETURNS int
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  la int := length(a); lb int := length(b);
  before int[]; prev int[]; cur int[]; cost int;
BEGIN
  prev := array_fill(0, ARRAY[lb + 1], ARRAY[0]);
  FOR j IN 0..lb LOOP prev[j] := j; END LOOP;
  before := prev;
  FOR i IN 1..la LOOP
    cur := array_fill(0, ARRAY[lb + 1], ARRAY[0]);
    cur[0] := i;
    FOR j IN 1..lb LOOP
      cost := CASE WHEN substr(a, i, 1) = substr(b, j, 1) THEN 0 ELSE 1 END;
      cur[j] := least(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      IF i > 1 AND j > 1 AND substr(a, i, 1) = substr(b, j - 1, 1)
         AND substr(a, i - 1, 1) = substr(b, j, 1) THEN
        cur[j] := least(cur[j], before[j - 2] + 1);
      END IF;
    END LOOP;
    before := prev;
    prev := cur;
  END LOOP;
  RETURN prev[lb];
END $$"""

# Every query word must match: by its stem, as written, as a prefix (the last word, typed so
# far, once it has MIN_PREFIX letters) or, with `typos`, as a vocabulary word within the allowed
# edit distance. Words arrive already split into letters and digits only, so quoting them for
# to_tsquery is safe. A one- or two-letter prefix would match a large share of every lexeme
# ("c" of "C++", "go"): it costs tens of milliseconds and ranks nothing usefully, so such a
# word matches as a whole word only.
_MATCH_QUERY = f"""
CREATE OR REPLACE FUNCTION {SCHEMA}.match_query(words text[], typos boolean) RETURNS tsquery
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT {SCHEMA}.tsquery_and_all(per_word.alternatives)
  FROM (
    SELECT {SCHEMA}.tsquery_or_all(alt.q) AS alternatives
    FROM unnest(words) WITH ORDINALITY AS u(word, ord)
    CROSS JOIN LATERAL (SELECT {SCHEMA}.norm(u.word) AS w) AS n
    CROSS JOIN LATERAL (
      SELECT plainto_tsquery('russian', n.w)
      UNION ALL SELECT plainto_tsquery('simple', n.w)
      UNION ALL SELECT to_tsquery('simple', '''' || n.w || ''':*')
        WHERE u.ord = cardinality(words) AND length(n.w) >= {MIN_PREFIX}
      UNION ALL SELECT plainto_tsquery('simple', v.word)
        FROM (SELECT word FROM {SCHEMA}.words ORDER BY word <-> n.w LIMIT 32) AS v
        CROSS JOIN LATERAL (SELECT CASE WHEN length(n.w) >= 9 THEN 2 ELSE 1 END AS allowed) AS k
        WHERE typos AND length(n.w) >= 5 AND abs(length(v.word) - length(n.w)) <= k.allowed
          AND {SCHEMA}.edit_distance(v.word, n.w) <= k.allowed
    ) AS alt(q)
    GROUP BY u.ord
  ) AS per_word
$$"""

# Facets need every match anyway, so sort-key indexes would not spare a scan; only the text
# match and the category filter (the selective one) get indexes. Tombstones stay out of them.
_INDEXES = {
    "text": "USING gin (search_vector) WHERE listed",
    "category": "(category_id) WHERE listed",
}
INDEX_SUFFIXES = tuple(_INDEXES)


async def create_table(conn: AsyncConnection, table: str) -> None:
    """One generation of the index: filter and sort columns, the document, its text vector."""
    name = table.removeprefix(f"{SCHEMA}.")
    await conn.exec_driver_sql(f"""
        CREATE TABLE {table} (
            id uuid NOT NULL,
            version bigint NOT NULL,
            listed boolean NOT NULL,
            category_id uuid,
            level text NOT NULL,
            language text NOT NULL,
            is_free boolean NOT NULL,
            price_value numeric NOT NULL,
            rating double precision NOT NULL,
            rating_count integer NOT NULL,
            students_count integer NOT NULL,
            published_at timestamptz,
            doc jsonb NOT NULL,
            search_vector tsvector NOT NULL,
            CONSTRAINT {name}_pkey PRIMARY KEY (id)
        )""")
    for suffix, definition in _INDEXES.items():
        await conn.exec_driver_sql(f"CREATE INDEX {name}_{suffix} ON {table} {definition}")
