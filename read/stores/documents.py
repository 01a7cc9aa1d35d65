"""Versioned documents in Redis with their index entries, under switchable key generations.

A projection writes whole documents. Each carries the aggregate version it was built from; a
write with an older or equal version is ignored, so late, duplicate or concurrent deliveries
cannot leave an older state behind. Index entries (sorted-set memberships) are replaced in the
same atomic script, so lists always agree with documents.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

PREFIX = "edu:rm"

_UPSERT = """
local incoming = cjson.decode(ARGV[1])
local current = redis.call('GET', KEYS[1])
if current then
  local old = cjson.decode(current)
  if tonumber(old.v) >= tonumber(incoming.v) then return 0 end
  for _, e in ipairs(old.idx) do redis.call('ZREM', e[1], e[3]) end
end
for _, e in ipairs(incoming.idx) do redis.call('ZADD', e[1], e[2], e[3]) end
redis.call('SET', KEYS[1], ARGV[1])
return 1
"""

# The children of one parent (a course's lessons) as one versioned unit: a guard key holds the
# newest parent version written; an older write is refused whole; children missing from a newer
# write get tombstones. Atomic, so a slow writer of an older state can never leave an orphan.
_REPLACE_CHILDREN = """
local version = tonumber(ARGV[1])
if tonumber(redis.call('GET', KEYS[1]) or '-1') > version then return 0 end
redis.call('SET', KEYS[1], version)
local keep = {}
for i = 3, #ARGV do keep[cjson.decode(ARGV[i]).id] = ARGV[i] end
local function unindex(raw)
  for _, e in ipairs(cjson.decode(raw).idx) do redis.call('ZREM', e[1], e[3]) end
end
for _, member in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if not keep[member] then
    local key = ARGV[2] .. member
    local current = redis.call('GET', key)
    if current then unindex(current) end
    redis.call('ZREM', KEYS[2], member)
    redis.call('SET', key, '{"v":' .. version .. ',"doc":null,"idx":[]}')
  end
end
for id, payload in pairs(keep) do
  local key = ARGV[2] .. id
  local current = redis.call('GET', key)
  if not current or tonumber(cjson.decode(current).v) < version then
    if current then unindex(current) end
    for _, e in ipairs(cjson.decode(payload).idx) do redis.call('ZADD', e[1], e[2], e[3]) end
    redis.call('SET', key, payload)
  end
end
return 1
"""

_READ_CURRENT = """
local gen = redis.call('GET', KEYS[1]) or '1'
return redis.call('GET', ARGV[1] .. gen .. ARGV[2])
"""

# Compact, and UTF-8 as is: escaping Cyrillic as \\uXXXX would triple its size in Redis.
_dumps = functools.partial(json.dumps, separators=(",", ":"), default=str, ensure_ascii=False)

# A deleted aggregate keeps a tombstone with this version: ids are never reused, so nothing
# older may resurrect it.
FINAL_VERSION = 2**31 - 1


@dataclass(frozen=True)
class IndexEntry:
    """One sorted-set membership of a document: which set, with what score, as what member."""

    set_name: str
    score: float
    member: str


class DocumentSpace:
    """Key layout and atomic writes for one projection's documents (e.g. `users`)."""

    def __init__(self, redis: Redis, projection: str) -> None:
        self.redis = redis
        self.projection = projection
        self._upsert = redis.register_script(_UPSERT)
        self._read_current = redis.register_script(_READ_CURRENT)
        self._replace_children = redis.register_script(_REPLACE_CHILDREN)

    @property
    def generation_key(self) -> str:
        return f"{PREFIX}:{self.projection}:gen"

    @property
    def building_key(self) -> str:
        return f"{PREFIX}:{self.projection}:building"

    @property
    def key_prefix(self) -> str:
        """`<prefix>` such that `<prefix><generation>:<suffix>` is a key of this space."""
        return f"{PREFIX}:{self.projection}:"

    def key(self, generation: int, suffix: str) -> str:
        return f"{PREFIX}:{self.projection}:{generation}:{suffix}"

    async def current_generation(self) -> int:
        value = await self.redis.get(self.generation_key)
        return int(value) if value else 1

    async def write_generations(self) -> list[int]:
        """The serving generation, plus the one a rebuild is filling, if any."""
        current, building = await self.redis.mget(self.generation_key, self.building_key)
        generations = [int(current) if current else 1]
        if building and int(building) not in generations:
            generations.append(int(building))
        return generations

    def _payload(self, generation: int, version: int, doc: dict[str, Any] | None,
                 entries: Sequence[IndexEntry]) -> str:
        return _dumps({
            "v": version,
            "doc": doc,
            "idx": [[self.key(generation, e.set_name), e.score, e.member] for e in entries],
        })

    async def upsert(self, generation: int, doc_id: str, version: int, doc: dict[str, Any] | None,
                     entries: Sequence[IndexEntry]) -> bool:
        """Stores the document (None: a tombstone) unless a same-or-newer version is there."""
        written = await self._upsert(keys=[self.key(generation, f"doc:{doc_id}")],
                                     args=[self._payload(generation, version, doc, entries)])
        return bool(written)

    async def upsert_many(self, generation: int,
                          items: Sequence[tuple[str, int, dict[str, Any] | None,
                                                Sequence[IndexEntry]]]) -> None:
        """The same compare-and-set for many documents in one pipelined round trip."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for doc_id, version, doc, entries in items:
                await self._upsert(keys=[self.key(generation, f"doc:{doc_id}")],
                                   args=[self._payload(generation, version, doc, entries)],
                                   client=pipe)
            await pipe.execute()

    async def replace_children(self, generation: int,
                               groups: Sequence[tuple[str, int, Sequence[tuple[str, dict[str, Any],
                                                                             Sequence[IndexEntry]]]]]
                               ) -> None:
        """For each (parent id, parent version, children): the parent's complete set of children.

        Children are indexed in the set `<parent id>:children`; an older parent version is refused.
        """
        async with self.redis.pipeline(transaction=False) as pipe:
            for parent_id, version, children in groups:
                members = f"{parent_id}:children"
                payloads = [_dumps({
                    "id": child_id, "v": version, "doc": doc,
                    "idx": [[self.key(generation, e.set_name), e.score, e.member]
                            for e in [IndexEntry(members, 0, child_id), *entries]],
                }) for child_id, doc, entries in children]
                await self._replace_children(
                    keys=[self.key(generation, f"{parent_id}:version"),
                          self.key(generation, members)],
                    args=[version, self.key(generation, "doc:"), *payloads], client=pipe)
            await pipe.execute()

    async def members(self, generation: int, set_name: str) -> list[str]:
        return [as_str(m) for m in await self.redis.zrange(self.key(generation, set_name), 0, -1)]

    async def start_generation(self) -> int:
        """A fresh generation that live projectors also write to until `switch_to` is called."""
        current = await self.current_generation()
        counter = f"{PREFIX}:{self.projection}:gen_counter"
        await self.redis.set(counter, current, nx=True)
        generation = int(await self.redis.incr(counter))
        await self.drop_generation(generation)  # leftovers of an interrupted rebuild
        await self.redis.set(self.building_key, generation)
        return generation

    async def switch_to(self, generation: int) -> int:
        """Atomically serves `generation`; returns the previous one (still readable until dropped)."""
        previous = await self.current_generation()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self.generation_key, generation)
            pipe.delete(self.building_key)
            await pipe.execute()
        return previous

    async def abandon_generation(self, generation: int) -> None:
        await self.redis.delete(self.building_key)
        await self.drop_generation(generation)

    async def drop_generation(self, generation: int) -> int:
        """Deletes every key of one generation, in batches; returns how many."""
        dropped = 0
        batch: list[bytes | str] = []
        async for key in self.redis.scan_iter(match=f"{PREFIX}:{self.projection}:{generation}:*",
                                              count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                dropped += await self.redis.unlink(*batch)
                batch = []
        if batch:
            dropped += await self.redis.unlink(*batch)
        return dropped

    async def get_current(self, doc_id: str) -> dict[str, Any] | None:
        """One round trip: resolves the serving generation and reads the document."""
        raw = await self._read_current(keys=[self.generation_key],
                                       args=[self.key_prefix, f":doc:{doc_id}"])
        return unwrap_doc(raw)

    async def get_many(self, generation: int, doc_ids: Sequence[str]) -> list[dict[str, Any]]:
        if not doc_ids:
            return []
        raws = await self.redis.mget([self.key(generation, f"doc:{i}") for i in doc_ids])
        return [doc for doc in map(unwrap_doc, raws) if doc is not None]

    async def get_many_by_id(self, generation: int, doc_ids: Sequence[str]
                             ) -> dict[str, dict[str, Any]]:
        """Stored documents by id (missing ids and tombstones left out), one MGET."""
        if not doc_ids:
            return {}
        raws = await self.redis.mget([self.key(generation, f"doc:{i}") for i in doc_ids])
        return {i: doc for i, doc in zip(doc_ids, map(unwrap_doc, raws), strict=True)
                if doc is not None}

    async def get_versioned(self, generation: int, doc_id: str
                            ) -> tuple[int, dict[str, Any] | None] | None:
        """(version, document or None for a tombstone), or None when nothing is stored."""
        raw = await self.redis.get(self.key(generation, f"doc:{doc_id}"))
        if raw is None:
            return None
        stored = json.loads(raw)
        return int(stored["v"]), stored["doc"]


def unwrap_doc(raw: bytes | str | None) -> dict[str, Any] | None:
    """The document in a stored value, or None for a missing key or a tombstone."""
    if raw is None:
        return None
    doc: dict[str, Any] | None = json.loads(raw)["doc"]
    return doc


def as_str(value: bytes | str) -> str:
    """A Redis reply as text (clients may return bytes)."""
    return value.decode() if isinstance(value, bytes) else value
