"""Bounded waits for servers and conditions (every wait in the fault suite ends)."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_until_answers(port: int, seconds: float, alive: Callable[[], bool],
                       accepting: Callable[[], bool] | None = None) -> None:
    """Blocks until a server listens on `port` (and `accepting` holds); fails if it died."""
    deadline = time.monotonic() + seconds
    while not (_port_open(port) and (accepting is None or accepting())):
        if not alive():
            raise RuntimeError(f"the server for port {port} exited while starting")
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing answered on port {port} within {seconds} s")
        time.sleep(0.05)

