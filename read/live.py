"""The read API process's side of live updates: which open event streams follow which
audiences, woken by one pub/sub subscription per process instead of one blocking Redis read per
connection (a blocking XREAD would hold a pooled connection for every open stream)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Iterator, Sequence
from types import FrameType

import orjson
from redis.asyncio import Redis

from common.errors import Unavailable
from common.metrics import LIVE_STREAMS
from read.stores.live import WAKE_CHANNEL
from read.stores.subscriptions import follow_forever

log = logging.getLogger("edu.read.live")


class LiveHub:
    """Open streams of this process (at most `max_streams`), each woken when one of its
    audiences has new entries, and all of them when the subscription broke (a wake-up may have
    been missed) or the process is stopping."""

    def __init__(self, redis: Redis, *, max_streams: int) -> None:
        self._redis = redis
        self._max_streams = max_streams
        self._followers: dict[str, set[asyncio.Event]] = {}
        self._open = 0
        self.closing = False
        self._gauge = LIVE_STREAMS.labels("read")

    @property
    def open_streams(self) -> int:
        return self._open

    def admit(self) -> None:
        """Refuses a new stream over the bound (503), so idle connections cannot pile up
        without limit, and while the process is stopping."""
        if self.closing:
            raise Unavailable("this server is stopping; reconnect", code="server_stopping")
        if self._open >= self._max_streams:
            raise Unavailable("too many live streams on this server; retry shortly",
                              retry_after=5, code="too_many_streams")

    @contextlib.contextmanager
    def follow(self, audiences: Sequence[str]) -> Iterator[asyncio.Event]:
        """An event set whenever one of the audiences may have something new."""
        wake = asyncio.Event()
        self._open += 1
        self._gauge.inc()
        for audience in audiences:
            self._followers.setdefault(audience, set()).add(wake)
        try:
            yield wake
        finally:
            self._open -= 1
            self._gauge.dec()
            for audience in audiences:
                waiting = self._followers.get(audience)
                if waiting is not None:
                    waiting.discard(wake)
                    if not waiting:
                        del self._followers[audience]

    def close(self) -> None:
        """Ends every stream (their clients reconnect elsewhere with Last-Event-ID)."""
        self.closing = True
        self._wake_all()

    def _wake_all(self) -> None:
        for waiting in self._followers.values():
            for wake in waiting:
                wake.set()

    def _wake(self, audiences: list[str]) -> None:
        for audience in audiences:
            for wake in self._followers.get(audience, ()):
                wake.set()

    async def listen(self) -> None:
        """Follows the wake-up channel until cancelled, resubscribing after any break."""
        # After a break each stream reads what it may have missed.
        await follow_forever(self._follow, after_break=self._wake_all, what="live wake-ups",
                             log=log)

    async def _follow(self) -> None:
        pubsub = self._redis.pubsub()
        try:
            await pubsub.subscribe(WAKE_CHANNEL)
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5.0)
                if message is None:
                    await pubsub.ping()  # a dead connection shows itself as an error here
                    continue
                if message["type"] == "message":
                    self._wake(orjson.loads(message["data"]))
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call]


@contextlib.contextmanager
def closed_on_exit_signals(hub: LiveHub) -> Iterator[None]:
    """Ends the streams as soon as SIGINT/SIGTERM arrives, then lets the server's own handler
    run: uvicorn waits for open responses before it shuts the app down, and a stream would
    otherwise keep it waiting until its graceful-shutdown timeout."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers belong to the main thread; the timeout still applies
        return
    loop = asyncio.get_running_loop()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def on_signal(sig: int, frame: FrameType | None) -> None:
        loop.call_soon_threadsafe(hub.close)
        handler = previous[signal.Signals(sig)]
        if callable(handler):
            handler(sig, frame)
        elif handler == signal.SIG_DFL:  # no server handles it: the default action, as before
            signal.signal(sig, handler)
            signal.raise_signal(sig)

    for sig in previous:
        signal.signal(sig, on_signal)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            if signal.getsignal(sig) is on_signal:
                signal.signal(sig, handler)
