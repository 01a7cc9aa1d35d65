"""A lean HTTP/1.1 load client for the benchmarks: keep-alive, loopback only.

httpx spent more CPU per request than the cheap endpoints it measured, so it, not the server,
set the benchmark's ceiling. This client does only what a load loop needs: a pool of
persistent connections to one host and port, one request in flight per connection (no
pipelining), a timeout per request, and a status code per answer. Bodies are read in full (the
connection is reused) and thrown away.

    async with LoadClient("http://127.0.0.1:8002", connections=32) as client:
        status = await client.get_status("/api/courses")   # "200", or e.g. "TimeoutError"

`ResponseParser` is the HTTP/1.1 response framing as pure logic (bytes in, finished responses
out), so it is tested without a network.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
from types import TracebackType
from typing import NamedTuple, Self
from urllib.parse import urlsplit

# A head larger than this is not a response we expect from our apps; it also bounds the buffer.
MAX_HEAD_BYTES = 64 * 1024
MAX_LINE_BYTES = 8 * 1024

# Parser states: plain ints are cheaper to compare than Enum members on the per-response path.
_HEAD, _LENGTH, _CHUNK_SIZE, _CHUNK_DATA, _CHUNK_END, _TRAILER, _UNTIL_CLOSE = range(7)
_HEX = frozenset(b"0123456789abcdefABCDEF")
# Control characters and spaces would let a path smuggle its own request line or headers.
_BAD_TARGET = re.compile(r"[\x00-\x20\x7f]")
_BAD_HEADER = re.compile(r"[\x00-\x1f\x7f]")


class ProtocolError(Exception):
    """The server sent something that is not a well-formed HTTP/1.1 response."""


class ServerDisconnected(ConnectionError):
    """The connection closed before the whole response arrived."""


class Response(NamedTuple):
    """A finished response: its status and whether the connection may carry another request."""

    status: int
    keep_alive: bool


class ResponseParser:
    """Incremental HTTP/1.1 response framing for answers to GET requests.

    `feed` takes bytes as they arrive, in pieces of any size, and returns the responses they
    complete (several if several arrived at once); `feed_eof` says the peer closed. Bodies are
    counted and skipped, never kept. Interim 1xx responses are skipped too.
    """

    __slots__ = ("_buffer", "_keep_alive", "_remaining", "_state", "_status")

    def __init__(self) -> None:
        self._buffer = b""  # an unfinished head or chunk line; body bytes are never buffered
        self._state = _HEAD
        self._remaining = 0  # body or chunk bytes still to skip
        self._status = 0
        self._keep_alive = True

    @property
    def idle(self) -> bool:
        """True between responses: nothing of a next response has arrived yet."""
        return self._state == _HEAD and not self._buffer

    def feed(self, data: bytes) -> list[Response]:
        """Consumes `data`; returns the responses it completed, in order."""
        if self._buffer:
            data = self._buffer + data
            self._buffer = b""
        done: list[Response] = []
        pos, end = 0, len(data)
        while pos < end:
            state = self._state
            if state in (_LENGTH, _CHUNK_DATA):
                # Body bytes are only counted: a large body costs no copies.
                take = min(self._remaining, end - pos)
                pos += take
                self._remaining -= take
                if not self._remaining:
                    if state == _LENGTH:
                        done.append(self._finish())
                    else:
                        self._state = _CHUNK_END
            elif state == _UNTIL_CLOSE:
                pos = end
            else:
                pos = self._framing_line(data, pos, done)
                if pos < 0:
                    return done  # the unfinished line is in the buffer
        if pos < end:
            self._buffer = data[pos:]
        return done

    def feed_eof(self) -> Response | None:
        """The peer closed: the response whose body ran to the close, or None between responses."""
        if self._state == _UNTIL_CLOSE:
            return self._finish()
        if self.idle:
            return None
        raise ServerDisconnected("connection closed in the middle of a response")

    def _finish(self) -> Response:
        self._state = _HEAD
        return Response(self._status, self._keep_alive)

    def _framing_line(self, data: bytes, pos: int, done: list[Response]) -> int:
        """Reads a head or a chunk line at `pos`: where the next one starts, or -1 (buffered)
        if it has not fully arrived."""
        head = self._state == _HEAD
        cut = data.find(b"\r\n\r\n" if head else b"\r\n", pos)
        if cut < 0:
            if len(data) - pos > (MAX_HEAD_BYTES if head else MAX_LINE_BYTES):
                raise ProtocolError("response head or chunk line too long")
            self._buffer = data[pos:]
            return -1
        response = self._start(data[pos:cut]) if head else self._chunk_line(data[pos:cut])
        if response is not None:
            done.append(response)
        return cut + (4 if head else 2)

    def _chunk_line(self, line: bytes) -> Response | None:
        """A chunk-size line, the CRLF after a chunk's data, or a trailer line."""
        if self._state == _CHUNK_SIZE:
            size = line.split(b";", 1)[0].strip(b" \t")
            if not size or not _HEX.issuperset(size):
                raise ProtocolError(f"bad chunk size {line[:40]!r}")
            self._remaining = int(size, 16)
            self._state = _CHUNK_DATA if self._remaining else _TRAILER
        elif self._state == _CHUNK_END:
            if line:
                raise ProtocolError("chunk data longer than its size")
            self._state = _CHUNK_SIZE
        elif not line:  # the empty line that ends the trailer section
            return self._finish()
        return None

    def _start(self, head: bytes) -> Response | None:
        """Parses a head; returns the response if it has no body, else sets up the body state."""
        lines = head.split(b"\r\n")
        status, http11 = _status_line(lines[0])
        length, codings, connection = _framing_headers(lines[1:])
        self._status = status
        self._keep_alive = b"close" not in connection if http11 else b"keep-alive" in connection
        if status < 200:
            if status == 101:
                raise ProtocolError("unexpected 101 Switching Protocols")
            return None  # interim response; the real one follows on the same connection
        if status == 204 or status == 304:
            return self._finish()
        if codings:
            if length is not None:
                # Both framings at once is how request smuggling starts; never reuse that connection.
                self._keep_alive = False
            if codings[-1] == b"chunked":
                self._state = _CHUNK_SIZE
            else:
                self._state, self._keep_alive = _UNTIL_CLOSE, False
        elif length is not None:
            if not length:
                return self._finish()
            self._state, self._remaining = _LENGTH, length
        else:
            self._state, self._keep_alive = _UNTIL_CLOSE, False
        return None


def _status_line(line: bytes) -> tuple[int, bool]:
    """(status code, whether the version is HTTP/1.1 or later) from `HTTP/1.x NNN reason`."""
    if (len(line) < 12 or line[:7] != b"HTTP/1." or line[8:9] != b" "
            or not line[9:12].isdigit() or line[12:13] not in (b"", b" ")):
        raise ProtocolError(f"bad status line {line[:40]!r}")
    return int(line[9:12]), line[7:8] != b"0"


def _framing_headers(lines: list[bytes]) -> tuple[int | None, list[bytes], list[bytes]]:
    """Content-Length, the transfer codings and the Connection options among header lines."""
    length: int | None = None
    codings: list[bytes] = []
    connection: list[bytes] = []
    for line in lines:
        name, colon, value = line.partition(b":")
        # No whitespace before the colon and no obsolete line folding (RFC 9112, 5.1/5.2).
        if not colon or not name or name[-1:] in b" \t" or name[:1] in b" \t":
            raise ProtocolError(f"bad header line {line[:40]!r}")
        name = name.lower()
        if name == b"content-length":
            length = _content_length(value, length)
        elif name == b"transfer-encoding":
            codings += [c.strip(b" \t").lower() for c in value.split(b",")]
        elif name == b"connection":
            connection += [c.strip(b" \t").lower() for c in value.split(b",")]
    return length, codings, connection


def _content_length(value: bytes, earlier: int | None) -> int:
    """A Content-Length value; a list of equal values is allowed, conflicting ones are not."""
    values = {v.strip(b" \t") for v in value.split(b",")}
    if len(values) != 1 or not all(v.isdigit() for v in values):
        raise ProtocolError(f"bad Content-Length {value[:40]!r}")
    length = int(values.pop())
    if earlier is not None and earlier != length:
        raise ProtocolError("conflicting Content-Length headers")
    return length


class _Connection(asyncio.Protocol):
    """One keep-alive connection carrying one request at a time."""

    def __init__(self) -> None:
        self.parser = ResponseParser()
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.received = False  # any byte of the current response arrived
        self._waiter: asyncio.Future[Response] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.received = True
        waiter = self._waiter
        try:
            responses = self.parser.feed(data)
        except ProtocolError as exc:
            self._fail(exc)
            return
        if not responses:
            return
        if waiter is None or waiter.done() or len(responses) > 1:
            # More answers than requests: the connection's framing can no longer be trusted.
            self._fail(ProtocolError("response without a request"))
            return
        self._waiter = None
        waiter.set_result(responses[0])

    def eof_received(self) -> bool:
        try:
            response = self.parser.feed_eof()
        except ServerDisconnected as exc:
            self._fail(exc)
            return False
        waiter = self._waiter
        if response is not None and waiter is not None and not waiter.done():
            self._waiter = None
            waiter.set_result(response)
        return False  # let the transport close itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(exc or ServerDisconnected("connection closed before the response"))

    def _fail(self, exc: BaseException) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)
        self.close()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    async def request(self, data: bytes, timeout: float) -> Response:
        """Sends one request and waits for its whole response, at most `timeout` seconds."""
        assert self.transport is not None
        assert self._waiter is None
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[Response] = loop.create_future()
        self._waiter = waiter
        self.received = False
        self.transport.write(data)
        # A bare timer is cheaper than asyncio.timeout(): no task cancellation on the fast path.
        timer = loop.call_later(timeout, self._timed_out, waiter)
        try:
            return await waiter
        finally:
            timer.cancel()

    def _timed_out(self, waiter: asyncio.Future[Response]) -> None:
        if waiter is self._waiter:
            self._fail(TimeoutError("no complete response in time"))


class LoadClient:
    """A pool of up to `connections` keep-alive HTTP/1.1 connections to one loopback server.

    Each request takes an idle connection (or opens one) and holds it until its response has
    been read, so at most `connections` requests are in flight; more wait for a free one. A
    connection that times out, breaks or is told to close is closed and replaced by a new one.
    """

    def __init__(self, base_url: str, connections: int, timeout: float = 10.0) -> None:
        parts = urlsplit(base_url)
        if (parts.scheme != "http" or not parts.hostname or parts.username or parts.query
                or parts.fragment):
            raise ValueError(f"need a plain http://host:port base URL, not {base_url!r}")
        if not _is_loopback(parts.hostname):
            raise ValueError(f"refusing {parts.hostname!r}: the load client only talks to loopback")
        if connections < 1:
            raise ValueError("need at least one connection")
        self.host, self.port = parts.hostname, parts.port or 80
        self.timeout = timeout
        self.opened = 0  # connections opened so far: more than `connections` means replacements
        self._prefix = parts.path.rstrip("/")
        self._request_head = f" HTTP/1.1\r\nHost: {parts.netloc}\r\nUser-Agent: loadgen\r\n".encode()
        self._slots = asyncio.Semaphore(connections)
        self._idle: list[_Connection] = []
        self._all: set[_Connection] = set()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Closes every connection, idle or busy."""
        for connection in self._all:
            connection.close()
        self._all.clear()
        self._idle.clear()
        await asyncio.sleep(0)  # lets the transports finish closing before the loop may end

    async def get_status(self, path: str, *, authorization: str | None = None) -> str:
        """GETs `path`: the status code as a string, or the exception class name if it failed."""
        return await self.send_status("GET", path, authorization=authorization)

    async def send_status(self, method: str, path: str, *, json_body: bytes | None = None,
                          authorization: str | None = None) -> str:
        """Sends the request: the status code as a string, or the exception class name."""
        try:
            return str(await self.send(method, path, json_body=json_body,
                                       authorization=authorization))
        except (OSError, ProtocolError) as exc:  # TimeoutError is an OSError
            return type(exc).__name__

    async def get(self, path: str) -> int:
        """GETs `path` (which starts with /) and returns the status code once the body is read."""
        return await self.send("GET", path)

    async def send(self, method: str, path: str, *, json_body: bytes | None = None,
                   authorization: str | None = None) -> int:
        """Sends `method` to `path` (which starts with /), with an optional JSON body and
        Authorization header; returns the status code once the answer's body is read."""
        if path[:1] != "/" or _BAD_TARGET.search(path):
            raise ValueError(f"not a request target: {path!r}")
        if method not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            raise ValueError(f"not a method this client sends: {method!r}")
        head = [method.encode(), b" ", (self._prefix + path).encode("ascii"), self._request_head]
        if authorization is not None:
            if _BAD_HEADER.search(authorization):
                raise ValueError("the Authorization value holds a line break or control character")
            head += [b"Authorization: ", authorization.encode("ascii"), b"\r\n"]
        if json_body is not None:
            head.append(b"Content-Type: application/json\r\nContent-Length: %d\r\n"
                        % len(json_body))
        data = b"".join(head) + b"\r\n" + (json_body or b"")
        async with self._slots:
            connection = self._take_idle()
            if connection is not None:
                try:
                    return await self._send(connection, data)
                except ConnectionError:  # ServerDisconnected, or a reset
                    # The server closed an idle connection as we reused it (a keep-alive
                    # timeout); nothing was answered, so the request may be sent again once
                    # (even a command: the server never read it).
                    if connection.received:
                        raise
            return await self._send(await self._connect(), data)

    def _take_idle(self) -> _Connection | None:
        while self._idle:
            connection = self._idle.pop()  # most recently used first: least likely to be closed
            if not connection.closed:
                return connection
            self._all.discard(connection)
        return None

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(self.timeout):
            _, connection = await loop.create_connection(_Connection, self.host, self.port)
        self.opened += 1
        self._all.add(connection)
        return connection

    async def _send(self, connection: _Connection, data: bytes) -> int:
        reusable = False
        try:
            response = await connection.request(data, self.timeout)
            reusable = response.keep_alive and connection.parser.idle
            return response.status
        finally:
            if reusable and not connection.closed:
                self._idle.append(connection)
            else:
                # Timed out, broken, cancelled or told to close: never reused.
                connection.close()
                self._all.discard(connection)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
