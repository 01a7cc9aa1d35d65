"""A tiny HTTP endpoint for processes that are not web apps: /healthz, /readyz, /metrics."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from common.http import ReadinessCheck, check_readiness


class ProbeServer:
    """Serves health, readiness and metrics on a loopback port beside a worker or relay."""

    def __init__(self, host: str, port: int, readiness: Mapping[str, ReadinessCheck]) -> None:
        self.host, self.port = host, port
        self._readiness = readiness
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)

    async def stop(self) -> None:
        if self._server:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = await asyncio.wait_for(reader.readline(), timeout=5)
            while (await asyncio.wait_for(reader.readline(), timeout=5)) not in (b"\r\n", b""):
                pass
            parts = request_line.decode(errors="replace").split()
            path = parts[1] if len(parts) > 1 else "/"
            status, content_type, body = await self._answer(path)
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body
            )
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _answer(self, path: str) -> tuple[str, str, bytes]:
        if path == "/healthz":
            return "200 OK", "application/json", b'{"status":"ok"}'
        if path == "/readyz":
            failing = await check_readiness(self._readiness)
            if failing:
                body = {"error": {"code": "not_ready", "message": "dependencies unreachable: "
                                  + ", ".join(sorted(failing)), "fields": failing}}
                return "503 Service Unavailable", "application/json", json.dumps(body).encode()
            return "200 OK", "application/json", b'{"status":"ready"}'
        if path == "/metrics":
            return "200 OK", CONTENT_TYPE_LATEST, generate_latest()
        return "404 Not Found", "application/json", (
            b'{"error":{"code":"not_found","message":"no such path"}}'
        )
