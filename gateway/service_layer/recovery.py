"""Start the checkouts that were recorded but never started: at start-up and every few seconds.

A checkout stays PENDING without an instance key when Zeebe was unreachable, or when a gateway
crashed between recording it and starting it. Each pass claims a batch of them with a lease in the
database (a conditional update, so of two replicas exactly one gets each checkout) and starts them one
by one, or follows the instance a crashed start left behind, as Operate shows it (never a second
one: see :func:`gateway.service_layer.start.adopt_or_start_instance`). A claim is given up at once
when the start fails; one left by a crashed replica expires after ``GATEWAY_RECOVERY_LEASE_SECONDS``.
A pass stops at the first failure (Zeebe or Operate is down: the rest would fail too) and before a
claim could run out mid-start, giving back what it did not get to.
"""

from __future__ import annotations

import asyncio
import logging
import time

from starlette.concurrency import run_in_threadpool

from gateway.adapters.repository import StartOrder
from gateway.service_layer.context import GatewayContext
from gateway.service_layer.start import adopt_or_start_instance
from services.common.errors import TemporaryFailure
from services.common.sqltypes import utc_now
from services.common.transactions import run_transaction

log = logging.getLogger(__name__)


def _claim(ctx: GatewayContext) -> list[StartOrder]:
    def attempt() -> list[StartOrder]:
        now = utc_now()
        with ctx.uow() as uow:
            candidates = uow.checkouts.claimable(now, ctx.recovery_batch_size)
            claimed = [c for c in candidates if uow.checkouts.claim(c, ctx.replica_id, now, now + ctx.lease)]
            orders = [order for c in claimed if (order := uow.checkouts.start_order(c)) is not None]
            uow.commit()
            return orders

    return run_transaction(attempt, what="recovery claim")


def _release_all(ctx: GatewayContext, orders: list[StartOrder]) -> None:
    with ctx.uow() as uow:
        for order in orders:
            uow.checkouts.release(order.checkout.id, ctx.replica_id)
        uow.commit()


async def recover_once(ctx: GatewayContext) -> int:
    """One pass: claim, start, record. Returns how many instances it started."""
    orders = await run_in_threadpool(_claim, ctx)
    began = time.monotonic()
    started = 0
    for index, order in enumerate(orders):
        if time.monotonic() - began + ctx.start_timeout_seconds >= ctx.lease.total_seconds():
            await run_in_threadpool(_release_all, ctx, orders[index:])
            break
        try:
            checkout = await adopt_or_start_instance(ctx, order)
        except TemporaryFailure:  # Operate cannot say whether an instance is left behind
            await run_in_threadpool(_release_all, ctx, orders[index:])
            raise
        if checkout.process_instance_key is None:
            await run_in_threadpool(_release_all, ctx, orders[index + 1 :])
            break
        started += 1
    return started


async def run_recovery(ctx: GatewayContext, interval_seconds: float) -> None:
    """Recovery passes until cancelled; a failing pass is logged and the next one comes on time."""
    while True:
        try:
            started = await recover_once(ctx)
            if started:
                log.info("recovery started %d pending checkout(s)", started)
        except Exception as error:
            log.warning("recovery pass failed (%s); next in %.1f s", type(error).__name__, interval_seconds)
        await asyncio.sleep(interval_seconds)
