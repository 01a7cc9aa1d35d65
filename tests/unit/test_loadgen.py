"""The load client's HTTP/1.1 response framing as pure logic: bytes in, finished responses out."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.loadgen import LoadClient, ProtocolError, Response, ResponseParser, ServerDisconnected

STATUSES = (200, 201, 301, 404, 422, 500, 503)


@st.composite
def responses(draw: st.DrawFn) -> tuple[bytes, Response]:
    """One serialized response with random framing, header spelling and body, and what it means."""
    framing = draw(st.sampled_from(["length", "chunked", "no body"]))
    status = draw(st.sampled_from((204, 304) if framing == "no body" else STATUSES))
    close = draw(st.booleans())
    headers = [b"Date: Thu, 26 Nov 2026 10:00:00 GMT", b"Content-Type: application/json"]
    body = draw(st.binary(max_size=300))
    if framing == "length":
        name = draw(st.sampled_from([b"Content-Length", b"content-length", b"CONTENT-LENGTH"]))
        headers.append(name + b":" + draw(st.sampled_from([b"", b" ", b"\t"])) + str(len(body)).encode())
        payload = body
    elif framing == "chunked":
        coding = draw(st.sampled_from([b"chunked", b"Chunked", b"gzip, chunked"]))
        headers.append(b"Transfer-Encoding: " + coding)
        payload = chunked(body, draw(st.lists(st.integers(1, 64), max_size=8)),
                          extension=draw(st.booleans()), trailer=draw(st.booleans()))
    else:
        payload = b""
    if close:
        headers.append(b"Connection: " + draw(st.sampled_from([b"close", b"Close", b"keep-alive, close"])))
    draw(st.randoms()).shuffle(headers)
    head = b"\r\n".join([b"HTTP/1.1 %d Reason Phrase" % status, *headers]) + b"\r\n\r\n"
    return head + payload, Response(status, keep_alive=not close)


def chunked(body: bytes, sizes: list[int], *, extension: bool = False, trailer: bool = False) -> bytes:
    """`body` in chunks of the given sizes (the rest in one more chunk), then the last chunk."""
    out, pos = [], 0
    for size in [*sizes, len(body)]:
        piece = body[pos:pos + size]
        pos += len(piece)
        if piece:
            out.append(b"%x%s\r\n%s\r\n" % (len(piece), b";name=value" if extension else b"", piece))
    out.append(b"0\r\n" + (b"X-Checksum: abc\r\n" if trailer else b"") + b"\r\n")
    return b"".join(out)


def feed_in_pieces(data: bytes, cuts: list[int]) -> list[Response]:
    parser = ResponseParser()
    found: list[Response] = []
    bounds = [0, *sorted(c % (len(data) + 1) for c in cuts), len(data)]
    for start, stop in itertools.pairwise(bounds):
        found += parser.feed(data[start:stop])
    assert parser.idle
    assert parser.feed_eof() is None
    return found


@given(st.lists(responses(), min_size=1, max_size=5), st.lists(st.integers(0, 10_000), max_size=40))
def test_responses_split_at_any_points_come_out_whole_and_in_order(
        sent: list[tuple[bytes, Response]], cuts: list[int]) -> None:
    data = b"".join(raw for raw, _ in sent)
    assert feed_in_pieces(data, cuts) == [expected for _, expected in sent]


@given(st.lists(responses(), min_size=1, max_size=5))
def test_several_responses_in_one_read_all_come_out(sent: list[tuple[bytes, Response]]) -> None:
    assert ResponseParser().feed(b"".join(raw for raw, _ in sent)) == [expected for _, expected in sent]


@given(responses())
def test_a_response_fed_one_byte_at_a_time_completes_only_at_its_last_byte(
        sent: tuple[bytes, Response]) -> None:
    raw, expected = sent
    parser = ResponseParser()
    for i in range(len(raw) - 1):
        assert parser.feed(raw[i:i + 1]) == []
    assert parser.feed(raw[-1:]) == [expected]


def test_a_large_body_split_across_many_reads_is_skipped_without_being_kept() -> None:
    body = b"x" * 100_000
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + body
    parser = ResponseParser()
    found = [r for i in range(0, len(raw), 4096) for r in parser.feed(raw[i:i + 4096])]
    assert found == [Response(200, True)]
    assert parser.idle


def test_204_and_304_have_no_body_even_with_a_content_length() -> None:
    raw = (b"HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n"
           b"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\nETag: \"a\"\r\n\r\n"
           b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    assert ResponseParser().feed(raw) == [Response(204, True), Response(304, True), Response(200, True)]


def test_interim_1xx_responses_are_skipped() -> None:
    raw = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    assert ResponseParser().feed(raw) == [Response(200, True)]


def test_a_body_without_length_or_chunking_runs_to_the_close() -> None:
    parser = ResponseParser()
    assert parser.feed(b"HTTP/1.1 200 OK\r\n\r\nsome") == []
    assert parser.feed(b" more") == []
    assert parser.feed_eof() == Response(200, keep_alive=False)


@pytest.mark.parametrize(("head", "keep_alive"), [
    (b"HTTP/1.1 200 OK", True),
    (b"HTTP/1.1 200 OK\r\nConnection: close", False),
    (b"HTTP/1.1 200", True),
    (b"HTTP/1.0 200 OK", False),
    (b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive", True),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nTransfer-Encoding: chunked", False),
])
def test_keep_alive_follows_the_version_and_the_connection_header(head: bytes, keep_alive: bool) -> None:
    body = b"0\r\n\r\n" if b"chunked" in head else b""
    length = b"" if b"Length" in head or body else b"\r\nContent-Length: 0"
    assert ResponseParser().feed(head + length + b"\r\n\r\n" + body) == [Response(200, keep_alive)]


@pytest.mark.parametrize("raw", [
    b"HTTP/2 200 OK\r\n\r\n",
    b"HTTP/1.1 2000 OK\r\n\r\n",
    b"HTTP/1.1 abc OK\r\n\r\n",
    b"SSH-2.0-OpenSSH_9.6\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
    b"HTTP/1.1 101 Switching Protocols\r\n\r\n",
])
def test_malformed_responses_are_refused(raw: bytes) -> None:
    with pytest.raises(ProtocolError):
        ResponseParser().feed(raw)


def test_an_endless_head_is_refused() -> None:
    parser = ResponseParser()
    filler = b"X-Filler: " + b"a" * 1000 + b"\r\n"
    assert parser.feed(b"HTTP/1.1 200 OK\r\n" + filler * 60) == []
    with pytest.raises(ProtocolError, match="too long"):
        parser.feed(filler * 10)


@pytest.mark.parametrize("partial", [b"HTTP/1.1 200", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab",
                                     b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"])
def test_a_close_in_the_middle_of_a_response_is_a_disconnect(partial: bytes) -> None:
    parser = ResponseParser()
    assert parser.feed(partial) == []
    with pytest.raises(ServerDisconnected):
        parser.feed_eof()


@pytest.mark.parametrize("url", ["http://10.0.0.1:8000", "http://example.com", "https://127.0.0.1:8443",
                                 "http://user@127.0.0.1:8000", "127.0.0.1:8000"])
def test_the_client_refuses_anything_but_plain_http_to_loopback(url: str) -> None:
    with pytest.raises(ValueError, match=r"refusing|plain http"):
        LoadClient(url, 1)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000",
                                 "http://127.0.0.2"])
def test_the_client_accepts_loopback(url: str) -> None:
    LoadClient(url, 1)


@pytest.mark.parametrize("path", ["no-slash", "/a b", "/a\r\nX-Injected: 1", ""])
async def test_a_path_that_is_not_a_request_target_is_refused(path: str) -> None:
    with pytest.raises(ValueError, match="request target"):
        await LoadClient("http://127.0.0.1:9", 1).get(path)
