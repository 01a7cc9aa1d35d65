"""Versioned documents in Redis with their index entries, under switchable key generations.

A projection writes whole documents. Each carries the aggregate version it was built from; a
write with an older or equal version is ignored, so late, duplicate or concurrent deliveries
cannot leave an older state behind. Index entries (sorted-set memberships) are replaced in the
same atomic script, so lists always agree with documents.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, NamedTuple, TypeVar

import msgpack
import orjson
from redis.asyncio import Redis

PREFIX = "edu:rm"

# Stored values are `{"v":<version>,"idx":<index entries>,"doc":<document or null>}`, in that
# order, so a script reads the version and the index entries without decoding the document
# (decoding every page and lesson was most of a rebuild's Redis time). A bare `,"doc":` cannot
# occur inside the entries: a quote inside a JSON string is always escaped.
_META = """
local function meta(raw)
  local version, from = string.match(raw, '^{"v":(%-?%d+),"idx":()')
  if not version then
    error('a stored value is not in the versioned layout: flush the read models and rebuild')
  end
  local to = string.find(raw, ',"doc":', from, true)
  return tonumber(version), cjson.decode(string.sub(raw, from, to - 1))
end
local function unindex(idx)
  for _, e in ipairs(idx) do redis.call('ZREM', e[1], e[3]) end
end
local function index(idx)
  for _, e in ipairs(idx) do redis.call('ZADD', e[1], e[2], e[3]) end
end
"""

# Many documents, each written unless a same-or-newer version is stored: KEYS[i] gets the i-th
# value of ARGV[1], a MessagePack list (one argument instead of one per document: packing
# arguments one by one cost the rebuild more than building the documents). The ids written are
# announced on the channel ARGV[2] in the same atomic step (a JSON list), for in-memory copies,
# and returned. With ARGV[2] empty (a rebuild's scan: nobody to tell) only their number is.
_UPSERT = _META + """
local values = cmsgpack.unpack(ARGV[1])
local written = 0
local changed = {}
for i, key in ipairs(KEYS) do
  local version, idx = meta(values[i])
  local current = redis.call('GET', key)
  local stale = false
  if current then
    local old_version, old_idx = meta(current)
    stale = old_version >= version
    if not stale then unindex(old_idx) end
  end
  if not stale then
    index(idx)
    redis.call('SET', key, values[i])
    written = written + 1
    changed[written] = string.match(key, ':doc:(.*)$')
  end
end
if ARGV[2] == '' then return written end
if written > 0 then redis.call('PUBLISH', ARGV[2], cjson.encode(changed)) end
return changed
"""

# The children of one parent (a course's lessons) as one versioned unit: a guard key holds the
# newest parent version written; an older write is refused whole; children missing from a newer
# write get tombstones. Atomic, so a slow writer of an older state can never leave an orphan.
# A child carries its parent's version, and the guard only lets the same or a newer version
# through, so children need no checks of their own: same version, same state, same document.
# Several parents per call: KEYS has (guard, children list) per parent; ARGV[1] is the key prefix
# of the children; ARGV[2] a MessagePack list holding, per parent: version, children ids as a
# JSON list, number of children, and (child id, value) per child.
_REPLACE_CHILDREN = """
local prefix = ARGV[1]
local args = cmsgpack.unpack(ARGV[2])
local at = 1
for parent = 1, #KEYS / 2 do
  local guard, list = KEYS[2 * parent - 1], KEYS[2 * parent]
  local version, ids, count = args[at], args[at + 1], args[at + 2]
  local first = at + 3
  at = first + 2 * count
  if tonumber(redis.call('GET', guard) or '-1') <= version then
    redis.call('SET', guard, version)
    local keep = {}
    for i = first, at - 1, 2 do
      keep[args[i]] = true
      redis.call('SET', prefix .. args[i], args[i + 1])
    end
    local previous = redis.call('GET', list)
    if previous then
      for _, id in ipairs(cjson.decode(previous)) do
        if not keep[id] then
          redis.call('SET', prefix .. id, '{"v":' .. version .. ',"idx":[],"doc":null}')
        end
      end
    end
    redis.call('SET', list, ids)
  end
end
return 1
"""

_READ_CURRENT = """
local gen = redis.call('GET', KEYS[1]) or '1'
return redis.call('GET', ARGV[1] .. gen .. ARGV[2])
"""

# One round trip for a page of a sorted set (a list): the serving generation, the set's size, one
# page of its members (highest score first) and their documents. A member whose document is
# missing comes back as nil and is left out.
_READ_PAGE = """
local base = ARGV[1] .. (redis.call('GET', KEYS[1]) or '1') .. ':'
local members = base .. ARGV[2]
local page = redis.call('ZREVRANGE', members, ARGV[3], ARGV[4])
local reply = {redis.call('ZCARD', members)}
if #page > 0 then
  local keys = {}
  for i, id in ipairs(page) do keys[i] = base .. 'doc:' .. id end
  for _, raw in ipairs(redis.call('MGET', unpack(keys))) do reply[#reply + 1] = raw end
end
return reply
"""


# Compact, and UTF-8 as is: escaping Cyrillic as \\uXXXX would triple its size in Redis. One
# encoder for all calls: `json.dumps` with options builds a new one each time.
_dumps = json.JSONEncoder(separators=(",", ":"), default=str, ensure_ascii=False).encode
# Documents per script call: bounds how long one call keeps Redis from serving reads.
WRITE_CHUNK = 100


def encode(doc: dict[str, Any]) -> str:
    """A document as the JSON text the stores take."""
    return _dumps(doc)

# A deleted aggregate keeps a tombstone with this version: ids are never reused, so nothing
# older may resurrect it.
FINAL_VERSION = 2**31 - 1


class IndexEntry(NamedTuple):
    """One sorted-set membership of a document: which set, with what score, as what member.

    A named tuple: a rebuild makes millions, and it is several times cheaper to make than a
    frozen dataclass.
    """

    set_name: str
    score: float
    member: str


# (document id, aggregate version, document as JSON text or None for a tombstone, index entries)
# (the document may also come as UTF-8 bytes, stored as they are)
DocumentItem = tuple[str, int, str | bytes | None, Sequence[IndexEntry]]
# (parent id, parent version, children as (child id, document as JSON text))
ChildrenGroup = tuple[str, int, Sequence[tuple[str, str]]]
T = TypeVar("T")


def _pack(values: Sequence[str | bytes | int]) -> bytes:
    """MessagePack for the scripts: bytes as strings, since Redis' cmsgpack reads no bin type."""
    packed: bytes = msgpack.packb(values, use_bin_type=False)
    return packed


def _chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[start:start + size] for start in range(0, len(items), size)]


class DocumentSpace:
    """Key layout and atomic writes for one projection's documents (e.g. `users`)."""

    def __init__(self, redis: Redis, projection: str) -> None:
        self.redis = redis
        self.projection = projection
        self._upsert = redis.register_script(_UPSERT)
        self._read_current = redis.register_script(_READ_CURRENT)
        self._replace_children = redis.register_script(_REPLACE_CHILDREN)
        self._read_page = redis.register_script(_READ_PAGE)

    @property
    def generation_key(self) -> str:
        return f"{PREFIX}:{self.projection}:gen"

    @property
    def changes_channel(self) -> str:
        """Where the ids of written documents are announced ("*": everything may have changed)."""
        return f"{PREFIX}:{self.projection}:changed"

    @property
    def building_key(self) -> str:
        return f"{PREFIX}:{self.projection}:building"

    @property
    def started_key(self) -> str:
        """Generations a rebuild started and nothing dropped yet."""
        return f"{PREFIX}:{self.projection}:started"

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

    def _value(self, generation: int, version: int, doc: str | bytes | None,
               entries: Sequence[IndexEntry]) -> str | bytes:
        """The stored value (see _META): the document is spliced in, not encoded again."""
        if entries:
            prefix = self.key(generation, "")
            idx = orjson.dumps([[prefix + set_name, score, member]
                                for set_name, score, member in entries])
        else:
            idx = b"[]"
        if isinstance(doc, bytes):
            return b'{"v":%d,"idx":%b,"doc":%b}' % (version, idx, doc)
        return f'{{"v":{int(version)},"idx":{idx.decode()},"doc":{doc if doc is not None else "null"}}}'

    async def upsert(self, generation: int, doc_id: str, version: int, doc: str | None,
                     entries: Sequence[IndexEntry]) -> bool:
        """Stores the document (JSON text; None: a tombstone) unless a same-or-newer version is there."""
        written = await self._upsert(keys=[self.key(generation, f"doc:{doc_id}")],
                                     args=[_pack([self._value(generation, version, doc,
                                                                      entries)]),
                                           self.changes_channel])
        return bool(written)

    async def upsert_many(self, generation: int, items: Sequence[DocumentItem], *,
                          announce: bool = True) -> set[str]:
        """The same compare-and-set for many documents: a few script calls in one round trip.
        Returns the ids written (not refused as stale) and announced.

        `announce=False` writes a generation no reader has kept pages of (a rebuild's scan): it
        announces nothing and returns no ids (sparing the scan a reply per document).
        """
        channel = self.changes_channel if announce else ""
        async with self.redis.pipeline(transaction=False) as pipe:
            for chunk in _chunks(items, WRITE_CHUNK):
                await self._upsert(
                    keys=[self.key(generation, f"doc:{doc_id}") for doc_id, *_ in chunk],
                    args=[_pack([self._value(generation, version, doc, entries)
                                  for _, version, doc, entries in chunk]),
                          channel],
                    client=pipe)
            written = await pipe.execute()
        return {as_str(doc_id) for ids in written for doc_id in ids} if announce else set()

    async def replace_children(self, generation: int, groups: Sequence[ChildrenGroup]) -> None:
        """For each (parent id, parent version, children): the parent's complete set of children.

        Children are (id, document as JSON text); an older parent version is refused.
        """
        async with self.redis.pipeline(transaction=False) as pipe:
            for chunk in _chunks(groups, WRITE_CHUNK // 10):
                keys: list[str] = []
                args: list[str | bytes | int] = []
                for parent_id, version, children in chunk:
                    keys += [self.key(generation, f"{parent_id}:version"),
                             self.key(generation, f"{parent_id}:children")]
                    args += [version, _dumps([child_id for child_id, _ in children]), len(children)]
                    for child_id, doc in children:
                        args += [child_id, self._value(generation, version, doc, ())]
                await self._replace_children(
                    keys=keys, args=[self.key(generation, "doc:"), _pack(args)], client=pipe)
            await pipe.execute()

    async def members(self, generation: int, set_name: str) -> list[str]:
        return [as_str(m) for m in await self.redis.zrange(self.key(generation, set_name), 0, -1)]

    async def start_generation(self) -> int:
        """A fresh generation that live projectors also write to until `switch_to` is called."""
        current = await self.current_generation()
        counter = f"{PREFIX}:{self.projection}:gen_counter"
        await self.redis.set(counter, current, nx=True)
        generation = int(await self.redis.incr(counter))
        # Numbers only grow, so the new generation holds nothing yet; what a rebuild that never
        # finished (a crash) left behind is found in the record of started generations. Dropping
        # scans the whole keyspace (seconds at a million keys), so only those are dropped.
        for started in await self.redis.smembers(self.started_key):  # type: ignore[misc]
            if int(started) not in (current, generation):
                await self.drop_generation(int(started))
        await self.redis.sadd(self.started_key, generation)  # type: ignore[misc]
        await self.redis.set(self.building_key, generation)
        return generation

    async def switch_to(self, generation: int) -> int:
        """Atomically serves `generation`; returns the previous one (still readable until dropped)."""
        previous = await self.current_generation()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self.generation_key, generation)
            pipe.delete(self.building_key)
            pipe.publish(self.changes_channel, '"*"')
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
        await self.redis.srem(self.started_key, generation)  # type: ignore[misc]
        return dropped

    async def get_current(self, doc_id: str) -> dict[str, Any] | None:
        """One round trip: resolves the serving generation and reads the document."""
        raw = await self._read_current(keys=[self.generation_key],
                                       args=[self.key_prefix, f":doc:{doc_id}"])
        return unwrap_doc(raw)

    async def highest_first(self, set_name: str, *, offset: int, limit: int
                            ) -> tuple[list[dict[str, Any]], int]:
        """One page of a sorted set's documents in the serving generation, highest score first,
        and the set's size."""
        total, *raws = await self._read_page(
            keys=[self.generation_key], args=[self.key_prefix, set_name, offset, offset + limit - 1])
        return [doc for doc in map(unwrap_doc, raws) if doc is not None], int(total)

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
        stored = orjson.loads(raw)
        return int(stored["v"]), stored["doc"]


def unwrap_doc(raw: bytes | str | None) -> dict[str, Any] | None:
    """The document in a stored value, or None for a missing key or a tombstone."""
    if raw is None:
        return None
    doc: dict[str, Any] | None = orjson.loads(raw)["doc"]  # several times faster than json
    return doc


def as_str(value: bytes | str) -> str:
    """A Redis reply as text (clients may return bytes)."""
    return value.decode() if isinstance(value, bytes) else value
