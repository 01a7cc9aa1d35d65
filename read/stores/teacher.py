"""The teacher dashboard's read model: each course's students, completions, rating and revenue
(one small document per course, `teacher_stats`), read with the teacher's course cards."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from pydantic import BaseModel, Field
from redis.asyncio import Redis

from read.stores.catalog import COURSES, CourseCard
from read.stores.documents import DocumentSpace, unwrap_doc

TEACHER_STATS = "teacher_stats"

# One round trip for the whole dashboard, however many courses: the teacher's courses (last
# changed first), one page of their cards, and the stats of every one of them (for the totals).
# MGET in chunks: Lua's unpack has a bounded stack.
_READ_TEACHER_COURSES = """
local courses = ARGV[1] .. (redis.call('GET', KEYS[1]) or '1') .. ':'
local stats = ARGV[5] .. (redis.call('GET', KEYS[2]) or '1') .. ':doc:'
local ids = redis.call('ZREVRANGE', courses .. ARGV[2], 0, -1)
local function mget(keys)
  local values = {}
  for from = 1, #keys, 1000 do
    local chunk = redis.call('MGET', unpack(keys, from, math.min(from + 999, #keys)))
    for _, value in ipairs(chunk) do values[#values + 1] = value end
  end
  return values
end
local page, stat_keys = {}, {}
for i, id in ipairs(ids) do
  if i > tonumber(ARGV[3]) and i <= tonumber(ARGV[4]) then page[#page + 1] = courses .. 'doc:' .. id end
  stat_keys[i] = stats .. id
end
return {#ids, mget(page), mget(stat_keys)}
"""


def average_rating(rating_sum: int, rating_count: int) -> float:
    """The average rounded to two decimals, half up (as the course pages show it)."""
    if not rating_count:
        return 0.0
    return float((Decimal(rating_sum) / rating_count).quantize(Decimal("0.01"), ROUND_HALF_UP))


class CourseStats(BaseModel):
    """What a teacher sees of one course's audience and income."""

    students: int = 0  # active enrollments (revoked ones left)
    completions: int = 0  # enrollments that reached 100%
    rating: float = 0.0
    rating_count: int = 0
    rating_sum: int = 0
    # Succeeded, not refunded payments per currency (decimal strings in JSON).
    revenue: dict[str, Decimal] = Field(default_factory=dict)


class CourseStatsDoc(CourseStats):
    id: UUID  # the course's
    teacher_id: UUID
    # Built from the sources' versions (ADR 0013): used by the compare-and-set, not shown.
    version: int = Field(exclude=True)


class TeacherCourse(CourseCard):
    stats: CourseStats


class TeacherCoursesPage(BaseModel):
    items: list[TeacherCourse]
    total: int
    totals: CourseStats  # over all the teacher's courses, not only this page
    next_cursor: str | None = None


def totals_of(all_stats: Iterable[CourseStats]) -> CourseStats:
    total = CourseStats()
    for stats in all_stats:
        total.students += stats.students
        total.completions += stats.completions
        total.rating_count += stats.rating_count
        total.rating_sum += stats.rating_sum
        for currency, amount in stats.revenue.items():
            total.revenue[currency] = total.revenue.get(currency, Decimal("0.00")) + amount
    total.rating = average_rating(total.rating_sum, total.rating_count)
    return total


class TeacherReadStore:
    """The teacher dashboard for the read API; Redis only."""

    def __init__(self, redis: Redis) -> None:
        self.courses = DocumentSpace(redis, COURSES)
        self.stats = DocumentSpace(redis, TEACHER_STATS)
        self._read = redis.register_script(_READ_TEACHER_COURSES)

    async def courses_of(self, teacher_id: UUID, *, limit: int, offset: int
                         ) -> TeacherCoursesPage:
        """One page of the teacher's courses with their stats, and totals over all of them."""
        total, pages, stats = await self._read(
            keys=[self.courses.generation_key, self.stats.generation_key],
            args=[self.courses.key_prefix, f"teacher:{teacher_id}", offset, offset + limit,
                  self.stats.key_prefix])
        by_course = {doc["id"]: CourseStats.model_validate(doc)
                     for doc in map(unwrap_doc, stats) if doc is not None}
        cards = [card for card in map(unwrap_doc, pages) if card is not None]
        items = [TeacherCourse.model_validate(
            {**card, "stats": by_course.get(card["id"], CourseStats())}) for card in cards]
        return TeacherCoursesPage(items=items, total=int(total),
                                  totals=totals_of(by_course.values()))
