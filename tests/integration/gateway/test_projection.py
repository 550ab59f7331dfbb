"""The checkout projection inside the gateway: lifecycle events from checkout.saga (here on a local
log file) are stored once each and served by ``GET /v1/checkouts/{id}/events``, to the client that owns
the checkout only; a stored settlement wakes the requests waiting on that checkout."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from events.consumer.settings import ConsumerSettings
from events.contracts.saga import (
    CheckoutCompensatedV1,
    CheckoutStartedV1,
    CompensationStartedV1,
    StepCompensatedV1,
    StepCompletedV1,
)
from events.envelope import Envelope, to_record
from events.settings import EventsSettings
from events.topics import SAGA_TOPIC, topic_specs
from events.transport.local_log import LocalLogTransport
from events.transport.ports import OutgoingRecord
from gateway.adapters.database import open_database
from gateway.adapters.projection import ProjectionReader
from gateway.adapters.projection_consumer import ProjectionConsumer
from gateway.service_layer.settlements import Settlements
from services.common.database import Database
from tests.integration.gateway.conftest import Gateway, LocalEngine, gateway_settings, running_gateway

T0 = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


@pytest.fixture
def log_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "events.sqlite"
    monkeypatch.setenv("EVENTS_LOCAL_LOG_PATH", str(path))
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    LocalLogTransport(path).admin().ensure_topics(topic_specs())
    return path


@pytest.fixture
async def gateway(engine: LocalEngine, database_url: str, log_path: Path) -> AsyncIterator[Gateway]:
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    settings = gateway_settings(database_url, engine.operate_url, projection_enabled=True)
    async with running_gateway(settings, engine.address, backend) as running:
        yield running


@dataclass(frozen=True)
class Projection:
    database: Database
    settlements: Settlements

    def announced_settled(self, checkout_id: str) -> bool:
        with self.database.read_sessions.begin() as session:
            return checkout_id in ProjectionReader(session).announced_settled([checkout_id])


@pytest.fixture
async def projection(database_url: str, log_path: Path) -> AsyncIterator[Projection]:
    """The projection's consumer on its own (no HTTP), announcing to the Settlements it holds."""
    database = await asyncio.to_thread(open_database, gateway_settings(database_url, "http://127.0.0.1:9"))
    settlements = Settlements(asyncio.get_running_loop())
    consumer = await asyncio.to_thread(
        ProjectionConsumer, database, EventsSettings(), ConsumerSettings(), settlements
    )
    consumer.start()
    yield Projection(database, settlements)
    await asyncio.to_thread(consumer.stop)
    database.dispose()


def lifecycle_of_a_compensated_checkout(checkout_id: str) -> list[OutgoingRecord]:
    common: dict[str, Any] = {"checkout_id": checkout_id, "process_instance_key": 1}
    payloads = [
        CheckoutStartedV1(**common, occurred_at=T0),
        StepCompletedV1(**common, occurred_at=T0 + timedelta(seconds=1), step="cart.reserve"),
        CompensationStartedV1(
            **common, occurred_at=T0 + timedelta(seconds=2), error_code="PAYMENT_DECLINED", error_message="no"
        ),
        StepCompensatedV1(**common, occurred_at=T0 + timedelta(seconds=3), step="cart.reserve"),
        CheckoutCompensatedV1(**common, occurred_at=T0 + timedelta(seconds=4)),
    ]
    return [
        to_record(
            SAGA_TOPIC,
            Envelope(
                event_id=uuid.uuid4(),
                event_type=p.event_type,
                schema_version=p.schema_version,
                source="workers",
                checkout_id=checkout_id,
                occurred_at=p.occurred_at,
                payload=p.model_dump(mode="json"),
            ),
        )
        for p in payloads
    ]


async def until(condition: Callable[[], Any], what: str) -> None:
    for _ in range(200):
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


async def events_of(gateway: Gateway, checkout_id: str) -> dict[str, Any]:
    response = await gateway.shop.get(f"/v1/checkouts/{checkout_id}/events")
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


async def test_the_lifecycle_of_a_checkout_is_served_in_order_and_each_event_once(
    gateway: Gateway, log_path: Path
) -> None:
    checkout_id = await gateway.started_id()
    records = lifecycle_of_a_compensated_checkout(checkout_id)
    publisher = LocalLogTransport(log_path).publisher("test")
    publisher.publish(records[:3])
    publisher.publish(records)  # a relay or a worker publishing again: the same event ids

    async def all_arrived() -> bool:
        return len((await events_of(gateway, checkout_id))["events"]) == len(records)

    await until(all_arrived, "every lifecycle event projected")
    await asyncio.sleep(0.3)  # the copies have had time to arrive too
    document = await events_of(gateway, checkout_id)
    assert [(e["type"], e["step"]) for e in document["events"]] == [
        ("CheckoutStarted", None),
        ("StepCompleted", "cart.reserve"),
        ("CompensationStarted", None),
        ("StepCompensated", "cart.reserve"),
        ("CheckoutCompensated", None),
    ]
    assert document["status"] == "COMPENSATED"
    assert document["events"][2]["error_code"] == "PAYMENT_DECLINED"


async def test_a_checkout_the_saga_has_not_announced_yet_has_no_events_and_no_status(
    gateway: Gateway,
) -> None:
    checkout_id = await gateway.started_id()
    assert await events_of(gateway, checkout_id) == {"checkout_id": checkout_id, "status": None, "events": []}


async def test_another_clients_checkout_events_are_not_found(gateway: Gateway) -> None:
    checkout_id = await gateway.started_id()
    response = await gateway.other.get(f"/v1/checkouts/{checkout_id}/events")
    assert response.status_code == 404
    assert response.json()["code"] == "CHECKOUT_NOT_FOUND"


async def test_the_projections_lag_is_observable_and_drains_to_zero(gateway: Gateway, log_path: Path) -> None:
    checkout_id = await gateway.started_id()
    LocalLogTransport(log_path).publisher("test").publish(lifecycle_of_a_compensated_checkout(checkout_id))

    async def drained() -> bool:
        status = (await gateway.anonymous.get("/health/projection")).json()
        return bool(status["lag"]) and sum(p["lag"] for p in status["lag"]) == 0

    await until(drained, "the projection's lag back to zero")
    status = (await gateway.anonymous.get("/health/projection")).json()
    assert (status["group"], status["enabled"]) == ("checkout-projection", True)
    assert {p["topic"] for p in status["lag"]} == {SAGA_TOPIC}


async def test_a_stored_settlement_wakes_the_requests_waiting_on_that_checkout(
    projection: Projection, log_path: Path
) -> None:
    checkout_id = str(uuid.uuid4())
    waiting = asyncio.create_task(projection.settlements.wait(checkout_id, 30))
    LocalLogTransport(log_path).publisher("test").publish(lifecycle_of_a_compensated_checkout(checkout_id))
    assert await waiting is True
    assert projection.announced_settled(checkout_id)


async def test_lifecycle_events_that_settle_nothing_wake_no_one(
    projection: Projection, log_path: Path
) -> None:
    running, settled = str(uuid.uuid4()), str(uuid.uuid4())
    waiting_on_running = asyncio.create_task(projection.settlements.wait(running, 30))
    waiting_on_settled = asyncio.create_task(projection.settlements.wait(settled, 30))
    publisher = LocalLogTransport(log_path).publisher("test")
    publisher.publish(lifecycle_of_a_compensated_checkout(running)[:-1])  # all but CheckoutCompensated
    publisher.publish(lifecycle_of_a_compensated_checkout(settled))
    assert await waiting_on_settled is True  # published after the other's, so those were stored first
    assert not waiting_on_running.done()
    assert not projection.announced_settled(running)
    waiting_on_running.cancel()
