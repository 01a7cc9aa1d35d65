"""Keyword-only builders of search documents and a small catalog with known facet counts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from read.search.documents import CourseSearchDoc, Level

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
PROGRAMMING = UUID("00000000-0000-4000-8000-00000000c001")
DESIGN = UUID("00000000-0000-4000-8000-00000000c002")


def course(*, title: str, teacher_name: str = "Анна Смирнова", description: str = "",
           category_id: UUID | None = None, level: Level = "beginner", language: str = "ru",
           price: str | None = None, rating: float = 0.0, rating_count: int = 0,
           students: int = 0, published_days_ago: int = 1, version: int = 1,
           listed: bool = True, course_id: UUID | None = None) -> CourseSearchDoc:
    published = NOW - timedelta(days=published_days_ago)
    return CourseSearchDoc(
        id=course_id or uuid.uuid4(), title=title, description_text=description,
        teacher_id=uuid.uuid5(uuid.NAMESPACE_URL, teacher_name), teacher_name=teacher_name,
        category_id=category_id,
        level=level, language=language, price=None if price is None else Decimal(price),
        currency=None if price is None else "USD", rating=rating, rating_count=rating_count,
        students_count=students, lessons_count=12, duration_minutes=340, cover_url=None,
        published_at=published, updated_at=published, version=version, listed=listed,
    )


@dataclass(frozen=True)
class Catalog:
    """Five listed courses whose every filter, sort key and facet value is known."""

    python: CourseSearchDoc
    go: CourseSearchDoc
    sql: CourseSearchDoc
    figma: CourseSearchDoc
    color: CourseSearchDoc

    @property
    def docs(self) -> list[CourseSearchDoc]:
        return [self.python, self.go, self.sql, self.figma, self.color]


def catalog() -> Catalog:
    return Catalog(
        python=course(title="Python для начинающих", description="Переменные, циклы и функции.",
                      category_id=PROGRAMMING, price=None, rating=4.8, rating_count=120,
                      students=900, published_days_ago=30),
        go=course(title="Программирование на Go", description="Горутины, каналы и тесты.",
                  category_id=PROGRAMMING, level="intermediate", price="49.90", rating=4.5,
                  rating_count=40, students=300, published_days_ago=10),
        sql=course(title="SQL for analysts", teacher_name="John Smith", language="en",
                   description="Joins, window functions and indexes.", category_id=PROGRAMMING,
                   level="advanced", price="19.00", rating=4.1, rating_count=15, students=150,
                   published_days_ago=5),
        figma=course(title="Figma: интерфейсы с нуля", description="Макеты и прототипы.",
                     category_id=DESIGN, price="99.00", rating=3.9, rating_count=8, students=60,
                     published_days_ago=2),
        color=course(title="Color theory", teacher_name="Jane Doe", language="en",
                     description="Palettes and contrast for screens.", rating=0.0, students=5,
                     published_days_ago=1),
    )
