"""A TCP proxy on loopback in front of a server, that can cut every connection or slow every
byte: the search backend "unavailable" or "slow" without touching the shared server."""

from __future__ import annotations

import asyncio
import contextlib

from common.net import free_port

CHUNK = 65536


class FaultProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self.cutting = False
        self.delay = 0.0
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    def cut(self) -> None:
        """Drops every open connection and closes each new one at once (a dead server)."""
        self.cutting = True
        for writer in list(self._open):
            writer.transport.abort()

    def slow(self, seconds: float) -> None:
        """Holds every chunk of bytes, either way, for `seconds` (a server or network crawling)."""
        self.cutting, self.delay = False, seconds

    def heal(self) -> None:
        self.cutting, self.delay = False, 0.0

    async def stop(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _accept(self, client_reader: asyncio.StreamReader,
                      client_writer: asyncio.StreamWriter) -> None:
        if self.cutting:
            client_writer.transport.abort()
            return
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            return
        self._open |= {client_writer, server_writer}
        try:
            await asyncio.gather(self._pump(client_reader, server_writer),
                                 self._pump(server_reader, client_writer))
        finally:
            for writer in (client_writer, server_writer):
                self._open.discard(writer)
                writer.transport.abort()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(CHUNK):
                if self.delay:
                    await asyncio.sleep(self.delay)
                if self.cutting:
                    break
                writer.write(data)
                await writer.drain()
        writer.transport.abort()
