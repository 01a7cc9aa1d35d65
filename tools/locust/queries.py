"""What searchers type: words of the seeded catalog (tools/seed_data.py) and of the demo courses,
in Russian word forms and in English, arriving as prefixes while typing, sometimes with a typo."""

from __future__ import annotations

import random
from collections.abc import Callable

from tools.seed_data import TOOLS, TOPICS

DEMO_WORDS = ("Python", "pandas", "asyncio", "typography", "анализ данных", "программирование")
LEVELS = ("beginner", "intermediate", "advanced")
LANGUAGES = ("ru", "en")
SORTS = ("relevance", "popular", "rating", "newest", "price_asc", "price_desc")
FILTER_SORTS = SORTS[1:]  # relevance needs text
MIN_PREFIX = 3


def phrase(rng: random.Random) -> str:
    """A query someone means to type: a topic in some Russian case or English, a tool, or both."""
    topic = rng.choice(TOPICS)
    russian = rng.choice((topic.nom, topic.gen, topic.dat, topic.ins))
    return rng.choice((russian, topic.en, rng.choice(TOOLS), f"{rng.choice(TOOLS)} {topic.en}",
                       f"основы {topic.gen}", rng.choice(DEMO_WORDS)))


def typo(rng: random.Random, word: str) -> str:
    """One slip of the finger in a longer word: a letter dropped, doubled or two swapped."""
    if len(word) < 5 or not word.isalpha():
        return word
    at = rng.randrange(1, len(word) - 1)
    slip = rng.choice(("drop", "double", "swap"))
    if slip == "drop":
        return word[:at] + word[at + 1:]
    if slip == "double":
        return word[:at] + word[at] + word[at:]
    return word[:at - 1] + word[at] + word[at - 1] + word[at + 1:]


def keystrokes(rng: random.Random, text: str, *, typo_share: float = 0.3) -> list[str]:
    """The queries a search-as-you-type box sends while `text` is typed: one or two prefixes of
    the last word, then the whole text, whose longest word has a typo some of the time."""
    words = text.split()
    if rng.random() < typo_share:
        longest = max(range(len(words)), key=lambda i: len(words[i]))
        words[longest] = typo(rng, words[longest])
    head, last = " ".join(words[:-1]), words[-1]
    cuts = sorted({rng.randrange(MIN_PREFIX, len(last)) for _ in range(2)}) if len(last) > MIN_PREFIX else []
    typed = [f"{head} {last[:cut]}".strip() for cut in cuts]
    return [*typed, " ".join(words)]


def filters(rng: random.Random, categories: list[str]) -> dict[str, str]:
    """Two or three catalog filters and a sort, as someone clicks them in the sidebar."""
    chosen: dict[str, str] = {"sort": rng.choice(FILTER_SORTS)}
    options: dict[str, Callable[[], str]] = {
        "category": lambda: rng.choice(categories) if categories else "",
        "level": lambda: rng.choice(LEVELS),
        "language": lambda: rng.choice(LANGUAGES),
        "price": lambda: rng.choice(("free", "paid")),
        "rating_min": lambda: rng.choice(("3", "4", "4.5")),
        "price_max": lambda: rng.choice(("20", "50", "1000")),
    }
    for name in rng.sample(list(options), k=rng.randint(1, 2)):
        value = options[name]()
        if value:
            chosen[name] = value
    return chosen
