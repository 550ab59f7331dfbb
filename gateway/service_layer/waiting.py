"""Long-polls: answer ``GET /v1/checkouts/{id}?wait=`` as soon as the checkout settles.

A waiting request costs nothing while it waits. It is woken (:class:`Settlements`) when its checkout
is announced settled: at once by this gateway's own projection consumer, and within
:data:`SWEEP_SECONDS` by the sweep, one query for all of this gateway's waiting requests, which finds
the announcements another replica's consumer stored. Only then is the full document read from
Operate (three or four calls). Operate is also asked now and then about the instance itself, as a
safety net for a projection that lags and for what only Operate sees (an operator cancelling the
instance): after 2 s, then at doubling intervals up to 8 s. A gateway without a projection of its own
asks Operate at every turn instead (50 ms, doubling to 500 ms).

An announcement can come before Operate shows the end: the end event's job publishes it, then
completes, and Operate lags behind Zeebe besides. A woken request that finds the instance still running
therefore asks Operate about the instance alone (one call) 20 ms later, then at doubling intervals up
to 500 ms, and reads the full document once the instance has ended. Waiting for the sweep to wake it
again instead added 100-400 ms to the checkouts it happened to: p99 from POST to terminal status, the
mix offered at 10 checkouts/s by bench/checkout_load.py, went from 592 ms to 426 ms with this.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from gateway.adapters.projection import SETTLED_AMONG_AT_MOST
from gateway.domain.model import SETTLED, Checkout
from gateway.domain.progress import InstanceState
from gateway.service_layer.context import GatewayContext
from gateway.service_layer.queries import current_document, find
from gateway.service_layer.views import CheckoutDocument

log = logging.getLogger(__name__)

FIRST_POLL_SECONDS = 0.05
FIRST_RECHECK_SECONDS = 0.02
"""After an announcement, how soon Operate is asked again when it did not show the end yet."""
LONGEST_POLL_SECONDS = 0.5
OPERATE_SAFETY_NET_SECONDS = 2.0
LONGEST_SAFETY_NET_SECONDS = 8.0
SWEEP_SECONDS = 0.25


class _OperateSchedule:
    """When a waiting request asks Operate whether its instance has ended."""

    def __init__(self, ctx: GatewayContext) -> None:
        self._always = not ctx.projection_in_process
        self._interval = OPERATE_SAFETY_NET_SECONDS
        self._next = time.monotonic() + self._interval

    def due(self) -> bool:
        if self._always:
            return True
        if time.monotonic() < self._next:
            return False
        self._interval = min(self._interval * 2, LONGEST_SAFETY_NET_SECONDS)
        self._next = time.monotonic() + self._interval
        return True


def _announced_settled(ctx: GatewayContext, checkout_ids: Sequence[str]) -> set[str]:
    with ctx.uow(read_only=True) as uow:
        return uow.projection.announced_settled(checkout_ids)


async def _instance_ended(ctx: GatewayContext, checkout: Checkout) -> bool:
    """One Operate call: has the instance ended, or is it stuck on an incident?"""
    assert checkout.process_instance_key is not None
    instance = await ctx.reader.instance(checkout.process_instance_key)
    return instance is not None and (instance.state is not InstanceState.ACTIVE or instance.incident)


async def wait_for_document(
    ctx: GatewayContext, client_id: str, checkout_id: str, wait_seconds: float
) -> CheckoutDocument:
    """The document as soon as the checkout settles (COMPLETED, COMPENSATED, FAILED) or when
    ``wait_seconds`` have passed, whichever is first."""
    checkout = await find(ctx, client_id, checkout_id)
    deadline = time.monotonic() + wait_seconds
    interval = FIRST_POLL_SECONDS
    operate = _OperateSchedule(ctx)
    announced = checkout.id in await run_in_threadpool(_announced_settled, ctx, [checkout.id])
    # Announced settled, yet Operate showed the instance running (it lags, or an operator resolved an
    # incident): from then on Operate is asked about the instance at every turn.
    behind = False
    while True:
        started = checkout.process_instance_key is not None
        if checkout.final_document is not None or (
            started and (announced or ((behind or operate.due()) and await _instance_ended(ctx, checkout)))
        ):
            document = await current_document(ctx, checkout)
            if document.status in SETTLED:
                return document
            if announced and not behind:
                behind, interval = True, FIRST_RECHECK_SECONDS
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return await current_document(ctx, checkout)
        pause = min(interval, remaining)
        if behind:
            # The sweep would wake this request again at once: it simply sleeps until it asks again.
            await asyncio.sleep(pause)
            announced = False
        else:
            announced = await ctx.settlements.wait(checkout.id, pause)
        interval = min(interval * 2, LONGEST_POLL_SECONDS)
        if not started:
            checkout = await find(ctx, client_id, checkout_id)  # recovery may have started it


async def sweep(ctx: GatewayContext, interval: float = SWEEP_SECONDS) -> None:
    """Wake the waiting requests whose checkout the projection (of any replica) announced settled."""
    while True:
        await asyncio.sleep(interval)
        waiting = ctx.settlements.waiting()
        for start in range(0, len(waiting), SETTLED_AMONG_AT_MOST):
            chunk = waiting[start : start + SETTLED_AMONG_AT_MOST]
            try:
                settled = await run_in_threadpool(_announced_settled, ctx, chunk)
            except SQLAlchemyError as error:
                log.warning("settlement sweep: %s; the waiting requests fall back on Operate", error)
                break
            for checkout_id in settled:
                ctx.settlements.announce(checkout_id)
