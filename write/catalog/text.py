"""Text rules of the catalog: sanitized description HTML, plain-text titles, slugs."""

from __future__ import annotations

import re
import unicodedata

import nh3

ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "u", "ul", "ol", "li", "a", "h3", "h4",
                "code", "pre", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
# C0 controls except tab and line breaks, DEL, and the C1 controls (terminal escapes such as CSI).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r",
     "s", "t", "u", "f", "h", "ts", "ch", "sh", "sch", "", "y", "", "e", "yu", "ya"],
    strict=True,
))


def sanitize_html(html: str) -> str:
    """Keeps an allow-list of tags and attributes; links get rel="noopener noreferrer nofollow"."""
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer nofollow")


def no_control_characters(value: str) -> str:
    """Multi-line text as written; tabs and line breaks are fine, other control characters are not
    (Postgres cannot even store NUL)."""
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


def plain_text(value: str) -> str:
    """A single-line plain text: control characters refused, whitespace collapsed."""
    return " ".join(no_control_characters(value).split())


def slugify(name: str) -> str:
    """A URL slug: Cyrillic transliterated, other letters stripped of accents, words joined by '-'."""
    lowered = "".join(_CYRILLIC.get(ch, ch) for ch in name.lower())
    ascii_text = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode()
    # Cut before stripping: a cut can end on a dash, which a slug may not.
    return re.sub(r"[^a-z0-9]+", "-", ascii_text)[:80].strip("-")
