"""Lesson markdown → safe HTML, rendered when read (raw HTML in markdown is not passed through,
and the output is sanitized). Rendering on read keeps rebuilds cheap and Redis small; a cache
makes repeated views of the same lesson free."""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
         "code", "pre", "blockquote", "hr", "table", "thead", "tbody", "tr", "th", "td", "img"}
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}}


@lru_cache(maxsize=2048)
def markdown_to_html(markdown: str) -> str:
    return nh3.clean(_markdown.render(markdown), tags=_TAGS, attributes=_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer nofollow")
