"""The load client against a real uvicorn server on loopback: statuses, big and streamed bodies,
connection reuse, `Connection: close` and timeouts."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request, Response
from fastapi.responses import StreamingResponse

from tests.harness import serve
from tools.loadgen import LoadClient

BIG = 100 * 1024


def tiny_app() -> FastAPI:
    app = FastAPI()

    @app.get("/ok")
    async def ok() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/big")
    async def big() -> Response:
        return Response(b"x" * BIG, media_type="application/octet-stream")

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def pieces() -> AsyncIterator[bytes]:
            for i in range(50):
                yield b"%d," % i * 100
                await asyncio.sleep(0)
        return StreamingResponse(pieces(), media_type="text/plain")  # no length: chunked

    @app.get("/empty", status_code=204)
    async def empty() -> None:
        return None

    @app.get("/close")
    async def close() -> Response:
        return Response(b"bye", headers={"Connection": "close"})

    @app.get("/slow")
    async def slow() -> dict[str, str]:
        await asyncio.sleep(1)
        return {"status": "late"}

    return app


async def test_many_requests_over_few_connections() -> None:
    paths = ["/ok", "/missing", "/big", "/stream", "/empty"] * 60
    async with serve(tiny_app()) as base_url, LoadClient(base_url, connections=3) as client:
        statuses = await asyncio.gather(*(client.get_status(path) for path in paths))
        assert Counter(zip(paths, statuses, strict=True)) == {
            ("/ok", "200"): 60, ("/missing", "404"): 60, ("/big", "200"): 60,
            ("/stream", "200"): 60, ("/empty", "204"): 60}
        # Every body was read to its end, so the three connections carried all 300 requests.
        assert client.opened == 3


async def test_a_connection_the_server_closes_is_replaced() -> None:
    async with serve(tiny_app()) as base_url, LoadClient(base_url, connections=1) as client:
        assert [await client.get_status(path) for path in ["/close", "/ok", "/close", "/ok"]] == [
            "200"] * 4
        assert client.opened == 3


async def test_a_timed_out_request_reports_its_exception_and_the_next_one_gets_a_new_connection(
        ) -> None:
    async with serve(tiny_app()) as base_url, LoadClient(base_url, 1, timeout=0.2) as client:
        assert await client.get_status("/ok") == "200"
        assert await client.get_status("/slow") == "TimeoutError"
        assert await client.get_status("/ok") == "200"
        assert client.opened == 2


async def test_a_server_that_is_not_there_is_reported_as_the_connect_error() -> None:
    async with serve(tiny_app()) as base_url:
        pass  # the server has stopped; its port is free again
    async with LoadClient(base_url, 1) as client:
        assert await client.get_status("/ok") == "ConnectionRefusedError"


async def test_a_reused_connection_closed_before_any_answer_is_retried_once_on_a_new_one() -> None:
    """The race with a server's keep-alive timeout: it closes just as the next request goes out."""
    async def answer_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await reader.readuntil(b"\r\n\r\n")  # the second request on this connection: no answer
        writer.close()

    server = await asyncio.start_server(answer_once, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with LoadClient(f"http://127.0.0.1:{port}", 1) as client:
            assert [await client.get_status("/") for _ in range(3)] == ["200"] * 3
            assert client.opened == 3
    finally:
        server.close()
        await server.wait_closed()


async def test_a_response_cut_short_is_reported_not_retried() -> None:
    async def half(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok")
        writer.close()

    server = await asyncio.start_server(half, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with LoadClient(f"http://127.0.0.1:{port}", 1) as client:
            assert await client.get_status("/") == "ServerDisconnected"
            assert client.opened == 1
    finally:
        server.close()
        await server.wait_closed()


async def test_commands_carry_a_json_body_and_an_authorization_header() -> None:
    seen: list[dict[str, object]] = []
    app = tiny_app()

    @app.post("/record", status_code=201)
    async def record(request: Request) -> None:
        seen.append({"body": await request.json(),
                     "authorization": request.headers.get("authorization")})

    async with serve(app) as base_url, LoadClient(base_url, connections=2) as client:
        statuses = await asyncio.gather(*(
            client.send_status("POST", "/record", json_body=b'{"n": %d}' % n,
                               authorization=f"Bearer token-{n}") for n in range(6)))
        assert statuses == ["201"] * 6
        assert await client.send_status("POST", "/ok") == "405"
        assert await client.get_status("/ok", authorization="Bearer x") == "200"
    assert sorted(seen, key=str) == sorted(
        ({"body": {"n": n}, "authorization": f"Bearer token-{n}"} for n in range(6)), key=str)
    async with LoadClient("http://127.0.0.1:9", connections=1) as client:
        for bad in ({"authorization": "Bearer x\r\nX-Injected: 1"}, {"method": "TRACE"}):
            try:
                await client.send(bad.get("method", "POST"), "/x",
                                  authorization=bad.get("authorization"))
            except ValueError:
                continue
            raise AssertionError(f"{bad} was sent")
