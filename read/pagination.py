"""Opaque offset cursors shared by every paginated query of the read API."""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import Query

from common.errors import Invalid

MAX_OFFSET = 10_000
# The page size and cursor query parameters of the catalog's lists.
Limit = Annotated[int, Query(ge=1, le=50)]
Cursor = Annotated[str | None, Query(max_length=64)]


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """Opaque cursor → offset; raises ValueError when it was not made by encode_cursor."""
    if not cursor:
        return 0
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    if not raw.startswith("o:") or not raw[2:].removeprefix("-").isdecimal():
        raise ValueError("bad cursor")
    offset = int(raw[2:])
    if not 0 <= offset <= MAX_OFFSET:
        raise ValueError("cursor out of range")
    return offset


def offset_from(cursor: str | None) -> int:
    """decode_cursor for endpoints: a bad cursor is a 422 naming the parameter."""
    try:
        return decode_cursor(cursor)
    except ValueError as exc:
        raise Invalid("cursor is invalid", fields={"cursor": "not a cursor from this API"}) from exc


def next_cursor(offset: int, limit: int, total: int) -> str | None:
    """A cursor to the following page, if there is one the API would accept."""
    following = offset + limit
    return encode_cursor(following) if following < total and following <= MAX_OFFSET else None
