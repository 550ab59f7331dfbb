"""Pact of consumer group ``checkout-projection`` (the gateway's read model) with the workers, who
announce the saga's lifecycle on ``checkout.saga``.

One message per lifecycle event type, with matchers for what the projection stores: the envelope
(``event_id`` is the row's key, ``event_type`` and ``schema_version`` pick the contract) and the
payload fields of the contract. Each example runs through the group's real runner and the
gateway's real handler, into the gateway's own tables; the rows it wrote are checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pact import Pact, match
from sqlalchemy import select

from events.topics import SAGA_TOPIC
from gateway.adapters.orm import LifecycleEventRow, metadata
from gateway.adapters.projection import HANDLERS
from gateway.adapters.projection_consumer import GROUP_ID
from services.common.database import Database
from tests.contract.consumers.harness import ConsumerHarness
from tests.contract.pacts import CONTENT_TYPE, check_committed, pair

CONSUMER = GROUP_ID
PROVIDER = "workers"
ISO_MOMENT = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
STEP = r"^[a-z]+\.[a-z_]+$"

# description -> (event type, payload fields beyond the common ones)
MESSAGES: dict[str, tuple[str, dict[str, Any]]] = {
    "a CheckoutStarted event": ("CheckoutStarted", {}),
    "a StepCompleted event": ("StepCompleted", {"step": match.regex("cart.reserve", regex=STEP)}),
    "a CompensationStarted event": (
        "CompensationStarted",
        {"error_code": match.str("PAYMENT_DECLINED"), "error_message": match.str("card declined")},
    ),
    "a StepCompensated event": ("StepCompensated", {"step": match.regex("cart.reserve", regex=STEP)}),
    "a CheckoutCompleted event": ("CheckoutCompleted", {}),
    "a CheckoutCompensated event": ("CheckoutCompensated", {}),
    "a CheckoutFailed event": (
        "CheckoutFailed",
        {"error_code": match.str("INCIDENT"), "error_message": match.str("cart service down")},
    ),
}


def lifecycle_message(n: int, event_type: str, fields: dict[str, Any]) -> dict[str, Any]:
    moment = match.regex("2026-11-27T01:00:00.250000+00:00", regex=ISO_MOMENT)
    return {
        "event_id": match.uuid(f"5d0c3a52-9f0e-4c8e-8a51-0d6f1c2b7e{n:02d}"),
        "event_type": event_type,
        "schema_version": 1,
        "source": match.str("workers"),
        "checkout_id": match.str("chk-1"),
        "occurred_at": moment,
        "payload": {
            "checkout_id": match.str("chk-1"),
            "process_instance_key": match.int(2251799813685251),
            "occurred_at": moment,
            **fields,
        },
    }


def checkout_projection_pact() -> Pact:
    pact = Pact(CONSUMER, PROVIDER)
    for n, (description, (event_type, fields)) in enumerate(MESSAGES.items()):
        (
            pact.upon_receiving(description, "Async")
            .with_body(lifecycle_message(n, event_type, fields), content_type=CONTENT_TYPE)
            .with_metadata({"content-type": CONTENT_TYPE, "event-type": event_type})
        )
    return pact


@pytest.fixture(scope="module")
def projected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Pact, list[LifecycleEventRow]]]:
    """The pact, once the projection has stored each of its messages, and the rows it wrote."""
    pact = checkout_projection_pact()
    database = Database.connect(f"sqlite:///{tmp_path_factory.mktemp('projection') / 'gateway.db'}")
    metadata.create_all(database.engine)  # the gateway's tables, the projection's and its inbox
    try:
        pact.verify(ConsumerHarness(CONSUMER, SAGA_TOPIC, HANDLERS, database).deliver, "Async")
        with database.read_sessions.begin() as session:
            rows = list(session.scalars(select(LifecycleEventRow)))
        yield pact, rows
    finally:
        database.dispose()


def test_every_lifecycle_message_becomes_one_row_of_its_checkout(
    projected: tuple[Pact, list[LifecycleEventRow]],
) -> None:
    _, rows = projected
    assert sorted(row.event_type for row in rows) == sorted(event_type for event_type, _ in MESSAGES.values())
    assert {row.checkout_id for row in rows} == {"chk-1"}


def test_step_and_failure_fields_are_kept(projected: tuple[Pact, list[LifecycleEventRow]]) -> None:
    _, rows = projected
    by_type = {row.event_type: row for row in rows}
    assert by_type["StepCompleted"].step == "cart.reserve"
    assert by_type["CompensationStarted"].error_code == "PAYMENT_DECLINED"
    assert by_type["CheckoutFailed"].error_message == "cart service down"


def test_the_committed_pact_is_what_the_group_declares(
    projected: tuple[Pact, list[LifecycleEventRow]], tmp_path: Path
) -> None:
    pact, _ = projected
    check_committed(pact, pair(CONSUMER, PROVIDER), tmp_path)
