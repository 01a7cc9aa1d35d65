"""Opaque tokens the read API gets back from clients, as pure logic: consistency tokens (issued by
the write API) and admin-list cursors (issued by the read API)."""

from __future__ import annotations

import base64
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.errors import BadRequest
from read.consistency import MAX_EVENTS_PER_TOKEN, parse_token
from read.pagination import MAX_OFFSET, decode_cursor, encode_cursor
from write.outbox import encode_consistency_token

event_ids = st.lists(st.uuids(), min_size=1, max_size=MAX_EVENTS_PER_TOKEN)
GOOD = encode_consistency_token([uuid.UUID(int=7)])[3:]


@given(event_ids)
def test_a_token_from_the_write_api_parses_back_to_its_events(events: list[uuid.UUID]) -> None:
    assert parse_token(encode_consistency_token(events)) == events


@pytest.mark.parametrize("token", [
    "", "garbage", "v1", "v1.", "v2." + GOOD, "V1." + GOOD, "v1.1", "v1.-3", "v1.x",
    f"v1.{GOOD}..{GOOD}", f"v1.{GOOD}.", "." + GOOD, "v1." + GOOD[:-1], "v1." + GOOD + "A",
    "v1." + GOOD[:-1] + "B", "v1." + GOOD[:-1] + "=", "v1." + "+" * 22, "v1." + GOOD[:-2] + "/A",
])
def test_a_malformed_consistency_token_is_a_400_naming_the_header(token: str) -> None:
    with pytest.raises(BadRequest) as exc:
        parse_token(token)
    assert exc.value.status == 400
    assert exc.value.code == "invalid_consistency_token"
    assert exc.value.fields is not None
    assert list(exc.value.fields) == ["X-Consistency-Token"]


def test_a_token_naming_more_events_than_the_cap_is_refused() -> None:
    with pytest.raises(BadRequest):
        parse_token(encode_consistency_token(
            [uuid.UUID(int=i) for i in range(MAX_EVENTS_PER_TOKEN + 1)]))


@given(st.text(max_size=200))
def test_any_header_value_parses_to_event_ids_or_is_a_400(token: str) -> None:
    # Anything else would escape the error handlers as a 500.
    try:
        events = parse_token(token)
    except BadRequest:
        return
    assert 1 <= len(events) <= MAX_EVENTS_PER_TOKEN
    assert encode_consistency_token(events) == token


@given(st.integers(min_value=0, max_value=MAX_OFFSET))
def test_a_cursor_decodes_to_the_offset_it_was_made_from(offset: int) -> None:
    assert decode_cursor(encode_cursor(offset)) == offset


@pytest.mark.parametrize("cursor", [None, ""])
def test_no_cursor_is_the_first_page(cursor: str | None) -> None:
    assert decode_cursor(cursor) == 0


@given(st.one_of(st.integers(max_value=-1), st.integers(min_value=MAX_OFFSET + 1)))
def test_a_cursor_tampered_out_of_range_is_refused(offset: int) -> None:
    with pytest.raises(ValueError, match="out of range"):
        decode_cursor(encode_cursor(offset))


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("cursor", [
    "!!!!", "x", "zz", "é", encode_cursor(5) + "A", b64url(b"x:1"), b64url(b"o:one"),
    b64url(b"o:"), b64url(b"o:1.5"), b64url(b"\xff\xfe"),
])
def test_a_tampered_cursor_is_refused(cursor: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the router turns any ValueError into a 422
        decode_cursor(cursor)


@given(st.text(max_size=64))
def test_any_cursor_decodes_to_an_offset_in_range_or_is_refused(cursor: str) -> None:
    # The router answers 422 on ValueError only; anything else would be a 500.
    try:
        offset = decode_cursor(cursor)
    except ValueError:
        return
    assert 0 <= offset <= MAX_OFFSET
