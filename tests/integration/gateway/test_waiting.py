"""Waking waiting requests. The sweep: one query for all of a gateway's waiting requests wakes those
whose checkout the projection of any replica has announced settled (here rows written straight into
the gateway's database, as another replica's consumer would). A request woken before Operate shows
the end asks Operate again until it does."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from gateway.adapters.operate import OperateClient, open_operate_session
from gateway.adapters.orm import LifecycleEventRow
from gateway.domain.model import StartedInstance
from gateway.domain.progress import ProcessInstance, ProcessSnapshot
from gateway.service_layer import waiting
from gateway.service_layer.context import GatewayContext, ProcessReader
from gateway.service_layer.settlements import Settlements
from tests.integration.gateway import standins
from tests.integration.gateway.conftest import WAIT_S, Gateway, LocalEngine, Workers, eventually

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


class ReadingWatched:
    """The gateway's Operate reader, telling the test when a full document has been read."""

    def __init__(self, reader: ProcessReader) -> None:
        self._reader = reader
        self.document_read = asyncio.Event()

    async def instance(self, key: int) -> ProcessInstance | None:
        return await self._reader.instance(key)

    async def snapshot(self, key: int) -> ProcessSnapshot:
        try:
            return await self._reader.snapshot(key)
        finally:
            self.document_read.set()

    async def instances_of_checkout(self, checkout_id: str) -> list[StartedInstance]:
        return await self._reader.instances_of_checkout(checkout_id)


def order_created(document: dict[str, object]) -> bool:
    timeline = document["timeline"]
    assert isinstance(timeline, list)
    return any(e["element_id"] == "create_order" and e["state"] == "COMPLETED" for e in timeline)


async def test_a_request_woken_before_operate_shows_the_end_answers_as_soon_as_operate_does(
    gateway: Gateway, engine: LocalEngine, workers: Workers, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only the announcement may answer this request: no sweep runs, and the safety net is never due.
    monkeypatch.setattr(waiting, "OPERATE_SAFETY_NET_SECONDS", 3600.0)
    standins.register(workers.worker, hold=["saga.completed"])
    await workers.start()
    checkout_id = await gateway.started_id()
    await eventually(lambda: gateway.get(checkout_id), order_created, "the order step completed")
    # The end event's job announces CheckoutCompleted, then completes: here it has announced only.
    await asyncio.to_thread(stored_by_another_replica, gateway, checkout_id, "CheckoutCompleted")
    async with open_operate_session(engine.operate_url) as http:
        reader = ReadingWatched(OperateClient(http, engine.operate_url, 5.0))  # on this test's loop
        ctx = dataclasses.replace(
            gateway.context,
            reader=reader,
            projection_in_process=True,
            settlements=Settlements(asyncio.get_running_loop()),
        )
        # A wait that outlasts the test: a request left to its deadline would never answer here.
        answer = asyncio.create_task(waiting.wait_for_document(ctx, "shop", checkout_id, 3600))
        await reader.document_read.wait()  # Operate showed it running
        assert not answer.done()

        finishing = Workers(engine.worker())
        standins.complete(finishing.worker, "saga.completed")
        await finishing.start()
        try:
            document = await asyncio.wait_for(answer, WAIT_S)
        finally:
            await finishing.stop()

    assert document.status == "COMPLETED"
