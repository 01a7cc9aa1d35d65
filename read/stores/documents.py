"""Versioned documents in Redis with their index entries, under switchable key generations.

A projection writes whole documents. Each carries the aggregate version it was built from; a
write with an older or equal version is ignored, so late, duplicate or concurrent deliveries
cannot leave an older state behind. Index entries (sorted-set memberships) are replaced in the
same atomic script, so lists always agree with documents.
"""

from __future__ import annotations

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

_READ_CURRENT = """
local gen = redis.call('GET', KEYS[1]) or '1'
return redis.call('GET', ARGV[1] .. gen .. ARGV[2])
"""


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

    @property
    def generation_key(self) -> str:
        return f"{PREFIX}:{self.projection}:gen"

    @property
    def building_key(self) -> str:
        return f"{PREFIX}:{self.projection}:building"

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

    async def upsert(self, generation: int, doc_id: str, version: int, doc: dict[str, Any],
                     entries: Sequence[IndexEntry]) -> bool:
        """Stores the document unless a same-or-newer version is already there."""
        payload = json.dumps({
            "v": version,
            "doc": doc,
            "idx": [[self.key(generation, e.set_name), e.score, e.member] for e in entries],
        }, separators=(",", ":"))
        written = await self._upsert(keys=[self.key(generation, f"doc:{doc_id}")], args=[payload])
        return bool(written)

    async def get_current(self, doc_id: str) -> dict[str, Any] | None:
        """One round trip: resolves the serving generation and reads the document."""
        raw = await self._read_current(
            keys=[self.generation_key], args=[f"{PREFIX}:{self.projection}:", f":doc:{doc_id}"]
        )
        return _unwrap(raw)

    async def get_many(self, generation: int, doc_ids: Sequence[str]) -> list[dict[str, Any]]:
        if not doc_ids:
            return []
        raws = await self.redis.mget([self.key(generation, f"doc:{i}") for i in doc_ids])
        return [doc for doc in map(_unwrap, raws) if doc is not None]

    async def get_versioned(self, generation: int, doc_id: str) -> tuple[int, dict[str, Any]] | None:
        raw = await self.redis.get(self.key(generation, f"doc:{doc_id}"))
        if raw is None:
            return None
        stored = json.loads(raw)
        return int(stored["v"]), stored["doc"]


def _unwrap(raw: bytes | str | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    doc: dict[str, Any] = json.loads(raw)["doc"]
    return doc
