"""Following a Redis pub/sub channel for as long as the process lives, through any break."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import NoReturn

RECONNECT_SECONDS = 1.0


async def follow_forever(follow: Callable[[], Awaitable[None]], *, after_break: Callable[[], None],
                         what: str, log: logging.Logger) -> NoReturn:
    """Runs `follow` again after every break (it returns or fails) until cancelled; after each
    break, `after_break` makes up for what may have been missed meanwhile."""
    while True:
        try:
            await follow()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("%s interrupted: %s", what, exc)
        after_break()
        await asyncio.sleep(RECONNECT_SECONDS)
