"""The sweep: one query for all of a gateway's waiting requests wakes those whose checkout the
projection of any replica has announced settled (here rows written straight into the gateway's
database, as another replica's consumer would)."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from gateway.adapters.orm import LifecycleEventRow
from gateway.service_layer import waiting
from gateway.service_layer.context import GatewayContext
from gateway.service_layer.settlements import Settlements
from tests.integration.gateway.conftest import Gateway

SWEEP_S = 0.05


@pytest.fixture
async def sweeping(gateway: Gateway) -> AsyncIterator[GatewayContext]:
    """The gateway's context with settlements on this test's loop, swept every 50 ms."""
    ctx = dataclasses.replace(gateway.context, settlements=Settlements(asyncio.get_running_loop()))
    task = asyncio.create_task(waiting.sweep(ctx, SWEEP_S))
    yield ctx
    task.cancel()


def stored_by_another_replica(gateway: Gateway, checkout_id: str, event_type: str) -> None:
    now = datetime.now(UTC)
    with gateway.db.begin() as connection:
        connection.execute(
            insert(LifecycleEventRow.__table__).values(
                event_id=str(uuid.uuid4()),
                checkout_id=checkout_id,
                event_type=event_type,
                occurred_at=now,
                received_at=now,
            )
        )


async def test_a_settlement_another_replica_stored_wakes_the_requests_waiting_here(
    gateway: Gateway, sweeping: GatewayContext
) -> None:
    checkout_id = str(uuid.uuid4())
    waiter = asyncio.create_task(sweeping.settlements.wait(checkout_id, 30))
    await asyncio.sleep(0)
    await asyncio.to_thread(stored_by_another_replica, gateway, checkout_id, "CheckoutCompensated")
    assert await waiter is True


async def test_lifecycle_rows_that_settle_nothing_wake_no_one(
    gateway: Gateway, sweeping: GatewayContext
) -> None:
    running, settled = str(uuid.uuid4()), str(uuid.uuid4())
    waiting_on_running = asyncio.create_task(sweeping.settlements.wait(running, 30))
    waiting_on_settled = asyncio.create_task(sweeping.settlements.wait(settled, 30))
    await asyncio.sleep(0)
    await asyncio.to_thread(stored_by_another_replica, gateway, running, "StepCompleted")
    await asyncio.to_thread(stored_by_another_replica, gateway, settled, "CheckoutFailed")
    assert await waiting_on_settled is True  # the sweep that saw it saw the other row too
    assert not waiting_on_running.done()
    waiting_on_running.cancel()
