"""A checkout's status, amounts, failure and timeline follow its process instance on the real engine."""

from __future__ import annotations

import time

from sqlalchemy import select

from gateway.adapters.orm import CheckoutRow
from tests.integration.gateway import standins
from tests.integration.gateway.conftest import Gateway, LocalEngine, Workers, eventually


def compensations(document: dict[str, object]) -> list[tuple[str, str]]:
    timeline = document["timeline"]
    assert isinstance(timeline, list)
    return [(e["element_id"], e["compensates"]) for e in timeline if e["kind"] == "COMPENSATION"]


async def test_a_checkout_is_running_while_its_steps_are_worked_on(
    gateway: Gateway, workers: Workers
) -> None:
    standins.register(workers.worker, hold=["payment.capture"])
    await workers.start()
    checkout_id = await gateway.started_id()

    document = await eventually(
        lambda: gateway.get(checkout_id),
        lambda d: any(e["element_id"] == "capture_payment" for e in d["timeline"]),
        "capture_payment started",
    )

    assert document["status"] == "RUNNING"
    assert [(e["element_id"], e["state"]) for e in document["timeline"]] == [
        ("reserve_cart", "COMPLETED"),
        ("quote_price", "COMPLETED"),
        ("capture_payment", "ACTIVE"),
    ]
    assert document["amounts"]["total"] == standins.money(6628)
    assert document["failure"] is None


async def test_a_completed_checkout_has_its_order_amounts_and_every_step(
    gateway: Gateway, workers: Workers
) -> None:
    standins.register(workers.worker)
    await workers.start()
    checkout_id = await gateway.started_id()

    document = await gateway.until(checkout_id, "COMPLETED")

    assert document["order_id"] == standins.ORDER_ID
    assert document["amounts"] == {
        "subtotal": standins.money(5570),
        "discount": standins.money(0),
        "tax": standins.money(1058),
        "total": standins.money(6628),
    }
    assert document["failure"] is None
    assert [(e["element_id"], e["kind"], e["state"]) for e in document["timeline"]] == [
        ("reserve_cart", "STEP", "COMPLETED"),
        ("quote_price", "STEP", "COMPLETED"),
        ("capture_payment", "STEP", "COMPLETED"),
        ("allocate_inventory", "STEP", "COMPLETED"),
        ("create_order", "STEP", "COMPLETED"),
    ]
    assert all(e["started_at"] and e["ended_at"] and not e["incident"] for e in document["timeline"])


async def test_a_compensated_checkout_has_its_failure_and_the_compensations_in_reverse_order(
    gateway: Gateway, workers: Workers
) -> None:
    standins.register(workers.worker, throw_at="inventory.allocate", code="OUT_OF_STOCK")
    await workers.start()
    checkout_id = await gateway.started_id()

    document = await gateway.until(checkout_id, "COMPENSATED")

    assert document["failure"] == {
        "code": "OUT_OF_STOCK",
        "reason": "inventory.allocate said no: OUT_OF_STOCK",
    }
    assert document["order_id"] is None
    steps = [(e["element_id"], e["state"]) for e in document["timeline"] if e["kind"] == "STEP"]
    assert steps == [
        ("reserve_cart", "COMPLETED"),
        ("quote_price", "COMPLETED"),
        ("capture_payment", "COMPLETED"),
        ("allocate_inventory", "TERMINATED"),
    ]
    assert compensations(document) == [
        ("refund_payment", "capture_payment"),
        ("void_quote", "quote_price"),
        ("release_cart", "reserve_cart"),
    ]


async def test_a_checkout_stuck_on_an_incident_is_failed_with_the_incident_message(
    gateway: Gateway, workers: Workers
) -> None:
    standins.register(workers.worker, incident_at="payment.capture")
    await workers.start()
    checkout_id = await gateway.started_id()

    document = await gateway.until(checkout_id, "FAILED")

    assert document["failure"]["code"] == "JOB_NO_RETRIES"
    assert "retries are used up" in document["failure"]["reason"]
    capture = next(e for e in document["timeline"] if e["element_id"] == "capture_payment")
    assert (capture["state"], capture["incident"]) == ("ACTIVE", True)


async def test_a_checkout_stuck_on_an_incident_is_not_stored_as_final(
    gateway: Gateway, workers: Workers
) -> None:
    """An operator may resolve the incident, after which the checkout runs on."""
    standins.register(workers.worker, incident_at="cart.reserve")
    await workers.start()
    checkout_id = await gateway.started_id()

    await gateway.until(checkout_id, "FAILED")

    with gateway.db.connect() as connection:
        row = connection.execute(select(CheckoutRow.__table__).where(CheckoutRow.id == checkout_id)).one()
    assert (row.status, row.final_document) == ("RUNNING", None)


async def test_a_checkout_cancelled_by_an_operator_is_failed_for_good(
    gateway: Gateway, workers: Workers, engine: LocalEngine
) -> None:
    standins.register(workers.worker, hold=["cart.reserve"])
    await workers.start()
    created = await gateway.start()
    await engine.zeebe.cancel_process_instance(created.json()["process_instance_key"])

    document = await gateway.until(created.json()["id"], "FAILED")

    assert document["failure"]["code"] == "CHECKOUT_CANCELLED"
    with gateway.db.connect() as connection:
        row = connection.execute(select(CheckoutRow.__table__).where(CheckoutRow.id == document["id"])).one()
    assert row.status == "FAILED"


async def test_an_ended_checkout_is_answered_from_the_gateway_database_without_operate(
    gateway: Gateway, workers: Workers, engine: LocalEngine
) -> None:
    standins.register(workers.worker)
    await workers.start()
    checkout_id = await gateway.started_id()
    completed = await gateway.until(checkout_id, "COMPLETED")

    await workers.stop()
    await engine.stop()  # Operate (and Zeebe) gone

    assert await gateway.get(checkout_id) == completed


async def test_a_running_checkout_is_503_while_operate_cannot_be_reached(
    gateway: Gateway, workers: Workers, engine: LocalEngine
) -> None:
    standins.register(workers.worker, hold=["cart.reserve"])
    checkout_id = await gateway.started_id()
    await workers.stop()
    await engine.stop()

    response = await gateway.shop.get(f"/v1/checkouts/{checkout_id}")

    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["Retry-After"] == "1"
    assert response.json()["code"] == "OPERATE_UNAVAILABLE"


async def test_waiting_answers_as_soon_as_the_checkout_ends(gateway: Gateway, workers: Workers) -> None:
    standins.register(workers.worker)
    checkout_id = await gateway.started_id()
    await workers.start()

    began = time.monotonic()
    document = await gateway.get(checkout_id, wait=20)

    assert document["status"] == "COMPLETED"
    assert time.monotonic() - began < 5


async def test_waiting_answers_a_failed_checkout_at_once(gateway: Gateway, workers: Workers) -> None:
    standins.register(workers.worker, incident_at="cart.reserve")
    checkout_id = await gateway.started_id()
    await workers.start()

    document = await gateway.get(checkout_id, wait=20)

    assert document["status"] == "FAILED"


async def test_waiting_answers_the_current_document_when_the_time_is_up(
    gateway: Gateway, workers: Workers
) -> None:
    standins.register(workers.worker, hold=["pricing.quote"])
    await workers.start()
    checkout_id = await gateway.started_id()

    began = time.monotonic()
    document = await gateway.get(checkout_id, wait=0.6)

    assert 0.55 <= time.monotonic() - began < 3
    assert document["status"] == "RUNNING"
    assert [e["element_id"] for e in document["timeline"]] == ["reserve_cart", "quote_price"]
