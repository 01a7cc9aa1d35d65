"""Searchers: anonymous visitors who type queries (prefixes while typing, typos, Russian and
English), click filters and sorts, page on with the cursor and open what they find."""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import urlencode

from tools.locust.base import PlatformUser, weighted
from tools.locust.queries import filters, keystrokes, phrase

PAGE = 12


class Searcher(PlatformUser):
    """An anonymous visitor with a search box; reads only."""

    abstract = True
    weight = 20
    signs_in = False
    commands = False

    def on_start(self) -> None:
        self.rng = random.Random()
        self.categories: list[str] = []
        found = self.call("GET", "/api/categories", "GET /api/categories")
        if found is not None:
            self.categories = [category["id"] for category in found.body]

    def search(self, params: dict[str, str], name: str) -> Any:
        page = self.call("GET", f"/api/courses?{urlencode({**params, 'limit': PAGE})}", name)
        return page.body if page is not None else None

    def type_query(self) -> None:
        """Types a query: the box searches on each pause; the last query may get a sort or a
        filter, a second page, and a click on a result."""
        typed = keystrokes(self.rng, phrase(self.rng))
        for text in typed[:-1]:
            self.search({"q": text}, "GET /api/courses?q=…")
        final: dict[str, str] = {"q": typed[-1]}
        if self.rng.random() < 0.3:
            final |= filters(self.rng, self.categories)
        page = self.search(final, "GET /api/courses?q=…")
        self.follow(page, final)

    def filter_catalog(self) -> None:
        """No text: filters and a sort from the sidebar."""
        params = filters(self.rng, self.categories)
        self.follow(self.search(params, "GET /api/courses?filters"), params)

    def follow(self, page: Any, params: dict[str, str]) -> None:
        if not page:
            return
        if page.get("next_cursor") and self.rng.random() < 0.3:
            self.search({**params, "cursor": page["next_cursor"]}, "GET /api/courses?cursor=…")
        if page["items"] and self.rng.random() < 0.5:
            self.open(self.rng.choice(page["items"])["id"])

    def open(self, course_id: str) -> None:
        self.call("GET", f"/api/courses/{course_id}", "GET /api/courses/{id}")

    def categories_menu(self) -> None:
        self.call("GET", "/api/categories", "GET /api/categories")


class SearchUser(Searcher):
    """The original mix's searcher (20 %); the read profile has it as it is."""

    tasks = weighted((Searcher.type_query, 5), (Searcher.filter_catalog, 3), (Searcher.categories_menu, 1))
