"""Published courses with their lessons, learnt once per Locust process outside the statistics.

The write profile sends only commands, yet a student needs course and lesson ids to enroll and
study. Those come from this sample: the most popular courses' pages, read from the read API
before the first command and never counted in the results.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

LIST_PAGE = 50


@dataclass(frozen=True)
class SampleCourse:
    id: str
    paid: bool
    lessons: tuple[str, ...]


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.load(answer)


class CourseSample:
    def __init__(self) -> None:
        self._lock = threading.Lock()  # a gevent lock once Locust has patched the process
        self._courses: list[SampleCourse] | None = None

    def courses(self, read_url: str, size: int) -> list[SampleCourse]:
        with self._lock:
            if self._courses is None:
                self._courses = self._load(read_url, size)
            return self._courses

    @staticmethod
    def _load(read_url: str, size: int) -> list[SampleCourse]:
        cards: list[dict[str, Any]] = []
        cursor = ""
        while len(cards) < size:
            page = _get(f"{read_url}/api/catalog/lists/popular?limit={LIST_PAGE}{cursor}")
            cards += page["items"]
            if not page["next_cursor"]:
                break
            cursor = f"&cursor={quote(page['next_cursor'])}"
        sample = []
        for card in cards[:size]:
            outline = _get(f"{read_url}/api/courses/{card['id']}")["modules"]
            sample.append(SampleCourse(id=card["id"], paid=card["price"] is not None, lessons=tuple(
                lesson["id"] for module in outline for lesson in module["lessons"])))
        return sample


SAMPLE = CourseSample()
