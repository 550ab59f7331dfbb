"""No checkout is lost: one recorded while Zeebe was down, or left behind by a crashed gateway between
recording and starting, is started by the recovery loop, and exactly once even with two replicas."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.adapters.database import open_database
from gateway.adapters.orm import CheckoutRow
from gateway.domain.model import Checkout, CheckoutStatus, LineItem
from gateway.service_layer.unit_of_work import GatewayUnitOfWork
from gateway.settings import GatewaySettings
from services.common.sqltypes import utc_now
from tests.integration.gateway import standins
from tests.integration.gateway.conftest import (
    Gateway,
    LocalEngine,
    Workers,
    checkout_body,
    eventually,
    free_port,
    gateway_settings,
    running_engine,
    running_gateway,
)


def record_pending(
    settings: GatewaySettings, count: int, *, lease_owner: str = "crashed", lease_seconds: float = -1
) -> list[str]:
    """What a gateway that crashed right after recording leaves behind: PENDING rows, no instance key,
    the claim of the dead replica (expired unless ``lease_seconds`` is positive)."""
    database = open_database(settings)
    ids = []
    try:
        with GatewayUnitOfWork(database) as uow:
            for _ in range(count):
                now = utc_now()
                checkout = Checkout(
                    id=str(uuid.uuid4()),
                    client_id="shop",
                    customer_id="cust-recovered",
                    items=(LineItem("SKU-1", 1),),
                    shipping_region="EU-DE",
                    promo_code=None,
                    status=CheckoutStatus.PENDING,
                    process_instance_key=None,
                    created_at=now,
                    updated_at=now,
                )
                uow.checkouts.add(checkout, "tok_visa", lease_owner, now + timedelta(seconds=lease_seconds))
                ids.append(checkout.id)
            uow.commit()
    finally:
        database.dispose()
    return ids


def instance_keys(gateway: Gateway) -> dict[str, int | None]:
    with gateway.db.connect() as connection:
        rows = connection.execute(select(CheckoutRow.id, CheckoutRow.process_instance_key)).all()
    return {row.id: row.process_instance_key for row in rows}


async def test_a_checkout_started_while_zeebe_is_down_is_pending_then_started_once_zeebe_is_up(
    database_url: str, tmp_path: Path
) -> None:
    port, http_port = free_port(), free_port()
    settings = gateway_settings(database_url, f"http://127.0.0.1:{http_port}")
    async with running_gateway(settings, f"127.0.0.1:{port}") as gateway:
        created = await gateway.start(checkout_body())
        assert created.status_code == 202
        assert (created.json()["status"], created.json()["process_instance_key"]) == ("PENDING", None)
        assert (await gateway.get(created.json()["id"]))["status"] == "PENDING"

        async with running_engine(tmp_path / "engine", port, http_port) as engine:
            started = await gateway.until(created.json()["id"], "RUNNING")

            assert started["process_instance_key"] is not None
            assert await engine.instances_of(started["id"]) == [started["process_instance_key"]]


async def test_waiting_on_a_pending_checkout_follows_it_once_recovery_started_it(
    database_url: str, tmp_path: Path
) -> None:
    port, http_port = free_port(), free_port()
    settings = gateway_settings(database_url, f"http://127.0.0.1:{http_port}")
    async with running_gateway(settings, f"127.0.0.1:{port}") as gateway:
        checkout_id = await gateway.started_id()
        async with running_engine(tmp_path / "engine", port, http_port) as engine:
            workers = Workers(engine.worker())
            standins.register(workers.worker)
            await workers.start()
            try:
                document = await gateway.get(checkout_id, wait=20)
            finally:
                await workers.stop()

    assert document["status"] == "COMPLETED"


async def test_a_checkout_recorded_before_a_crash_is_started_when_the_gateway_starts(
    engine: LocalEngine, database_url: str
) -> None:
    settings = gateway_settings(database_url, engine.operate_url)
    [checkout_id] = await asyncio.to_thread(record_pending, settings, 1)

    async with running_gateway(settings, engine.address) as gateway:
        document = await gateway.until(checkout_id, "RUNNING")

    variables = await engine.root_variables(document["process_instance_key"])
    assert (variables["checkoutId"], variables["paymentToken"]) == (checkout_id, "tok_visa")


async def test_an_instance_a_crashed_start_left_behind_is_followed_and_no_second_one_started(
    engine: LocalEngine, database_url: str
) -> None:
    # The crash came after CreateProcessInstance answered and before the key was recorded.
    settings = gateway_settings(database_url, engine.operate_url)
    [checkout_id] = await asyncio.to_thread(record_pending, settings, 1)
    left_behind = await engine.zeebe.run_process(
        "checkout",
        variables={
            "checkoutId": checkout_id,
            "customerId": "cust-recovered",
            "items": [{"sku": "SKU-1", "quantity": 1}],
            "paymentToken": "tok_visa",
            "shippingRegion": "EU-DE",
            "promoCode": None,
        },
    )

    async with running_gateway(settings, engine.address) as gateway:
        document = await gateway.until(checkout_id, "RUNNING")

    assert document["process_instance_key"] == left_behind.process_instance_key
    assert await engine.instances_of(checkout_id) == [left_behind.process_instance_key]


async def test_while_operate_cannot_say_whether_an_instance_was_left_behind_nothing_is_started(
    engine: LocalEngine, database_url: str
) -> None:
    settings = gateway_settings(database_url, f"http://127.0.0.1:{free_port()}")  # nothing answers there
    [checkout_id] = await asyncio.to_thread(record_pending, settings, 1)

    async with running_gateway(settings, engine.address) as gateway:
        await asyncio.sleep(0.3)  # three recovery passes
        assert instance_keys(gateway) == {checkout_id: None}

    assert await engine.instances_of(checkout_id) == []


async def test_a_claim_held_by_a_live_replica_is_respected_until_it_expires(
    engine: LocalEngine, database_url: str
) -> None:
    settings = gateway_settings(database_url, engine.operate_url)
    [checkout_id] = await asyncio.to_thread(
        record_pending, settings, 1, lease_owner="busy", lease_seconds=2.0
    )

    async with running_gateway(settings, engine.address) as gateway:
        await asyncio.sleep(0.3)  # three recovery passes
        assert (await gateway.get(checkout_id))["status"] == "PENDING"

        document = await gateway.until(checkout_id, "RUNNING")

    assert await engine.instances_of(checkout_id) == [document["process_instance_key"]]


@pytest.mark.timeout(60)
async def test_two_replicas_start_every_pending_checkout_exactly_once(
    engine: LocalEngine, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gateway.service_layer.start")
    settings = gateway_settings(
        database_url, engine.operate_url, recovery_interval_seconds=0.02, recovery_batch_size=2
    )
    pending = await asyncio.to_thread(record_pending, settings, 20)

    async with contextlib.AsyncExitStack() as replicas:
        first, _ = await asyncio.gather(
            replicas.enter_async_context(running_gateway(settings, engine.address)),
            replicas.enter_async_context(running_gateway(settings, engine.address)),
        )
        await eventually(
            lambda: asyncio.to_thread(instance_keys, first),
            lambda keys: all(keys[checkout_id] is not None for checkout_id in pending),
            "every pending checkout started",
        )
        recorded = await asyncio.to_thread(instance_keys, first)

    for checkout_id in pending:
        assert await engine.instances_of(checkout_id) == [recorded[checkout_id]], checkout_id
    starts = [r for r in caplog.records if " started on version " in r.getMessage()]
    assert len(starts) == len(pending), "no checkout was started twice"
