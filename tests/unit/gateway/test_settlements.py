"""Settlements: a waiting request is woken by its own checkout's announcement, from any thread."""

from __future__ import annotations

import asyncio
import threading

from gateway.service_layer.settlements import Settlements


async def test_a_waiter_is_woken_by_its_checkouts_announcement() -> None:
    settlements = Settlements(asyncio.get_running_loop())
    waiting = asyncio.create_task(settlements.wait("chk-1", 30))
    await asyncio.sleep(0)
    settlements.announce("chk-1")
    assert await waiting is True


async def test_an_announcement_from_another_thread_wakes_the_waiter() -> None:
    settlements = Settlements(asyncio.get_running_loop())
    waiting = asyncio.create_task(settlements.wait("chk-1", 30))
    await asyncio.sleep(0)
    announcer = threading.Thread(target=settlements.announce, args=("chk-1",))
    announcer.start()
    assert await waiting is True
    announcer.join()


async def test_every_waiter_of_the_checkout_is_woken() -> None:
    settlements = Settlements(asyncio.get_running_loop())
    waiting = [asyncio.create_task(settlements.wait("chk-1", 30)) for _ in range(3)]
    await asyncio.sleep(0)
    settlements.announce("chk-1")
    assert await asyncio.gather(*waiting) == [True, True, True]


async def test_another_checkouts_announcement_leaves_the_waiter_to_its_timeout() -> None:
    settlements = Settlements(asyncio.get_running_loop())
    waiting = asyncio.create_task(settlements.wait("chk-1", 0.2))
    await asyncio.sleep(0)
    settlements.announce("chk-2")
    assert await waiting is False


async def test_an_announcement_before_anyone_waits_wakes_no_later_waiter() -> None:
    settlements = Settlements(asyncio.get_running_loop())
    settlements.announce("chk-1")
    await asyncio.sleep(0)
    assert await settlements.wait("chk-1", 0.1) is False


def test_an_announcement_after_the_loop_closed_is_dropped() -> None:
    loop = asyncio.new_event_loop()
    settlements = Settlements(loop)
    loop.close()
    settlements.announce("chk-1")
