"""Wakes the requests waiting on a checkout when this gateway's projection stores its settlement.

A long-poll (``GET /v1/checkouts/{id}?wait=``) would otherwise re-read the projection and ask Operate
on a timer, and under load those reads are most of what the gateway does. The projection's consumer
runs in this process, so it can say the moment a terminal announcement (completed, compensated,
failed) is committed: the waiters of that checkout then read it once. Announcements consumed by
another replica still reach the database, where the sweep (``waiting.sweep``) finds them and
announces them here.

The consumer calls :meth:`Settlements.announce` from its own thread; everything else runs on the
event loop that created the object.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict


class Settlements:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._waiting: defaultdict[str, set[asyncio.Event]] = defaultdict(set)

    def announce(self, checkout_id: str) -> None:
        """Wake whoever waits on ``checkout_id``; safe to call from any thread, also after the loop closed."""
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting any more
            self._loop.call_soon_threadsafe(self._wake, checkout_id)

    def waiting(self) -> list[str]:
        """The checkouts someone waits on now."""
        return list(self._waiting)

    def _wake(self, checkout_id: str) -> None:
        for event in self._waiting.get(checkout_id, ()):
            event.set()

    async def wait(self, checkout_id: str, timeout: float) -> bool:
        """Whether ``checkout_id`` was announced within ``timeout`` seconds of this call."""
        event = asyncio.Event()
        waiters = self._waiting[checkout_id]
        waiters.add(event)
        try:
            async with asyncio.timeout(timeout):
                await event.wait()
            return True
        except TimeoutError:
            return False
        finally:
            waiters.discard(event)
            if not waiters:
                del self._waiting[checkout_id]
