"""Start claims in the database: of two replicas claiming one checkout at the same moment exactly one
gets it, a claim is free again once it expires or is released, and an instance key is recorded once."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from gateway.adapters.database import open_database
from gateway.domain.model import Checkout, CheckoutStatus, LineItem, StartedInstance
from gateway.service_layer.unit_of_work import GatewayUnitOfWork
from services.common.database import Database
from services.common.sqltypes import utc_now
from tests.integration.gateway.conftest import gateway_settings

LEASE = timedelta(seconds=30)


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    opened = open_database(gateway_settings(database_url, "http://127.0.0.1:9"))
    yield opened
    opened.dispose()


def pending(database: Database, lease_owner: str = "recorder", lease_until: datetime | None = None) -> str:
    now = utc_now()
    checkout = Checkout(
        id=str(uuid.uuid4()),
        client_id="shop",
        customer_id="cust-1",
        items=(LineItem("SKU-1", 1),),
        shipping_region="EU-DE",
        promo_code=None,
        status=CheckoutStatus.PENDING,
        process_instance_key=None,
        created_at=now,
        updated_at=now,
    )
    with GatewayUnitOfWork(database) as uow:
        uow.checkouts.add(checkout, "tok_visa", lease_owner, lease_until or now - timedelta(seconds=1))
        uow.commit()
    return checkout.id


def claim(database: Database, checkout_id: str, owner: str, *, hold_seconds: float = 0.0) -> bool:
    with GatewayUnitOfWork(database) as uow:
        now = utc_now()
        claimed = uow.checkouts.claim(checkout_id, owner, now, now + LEASE)
        time.sleep(hold_seconds)  # the other replica claims while this transaction is still open
        uow.commit()
    return claimed


def test_of_two_replicas_claiming_together_exactly_one_gets_the_checkout(database: Database) -> None:
    checkout_id = pending(database)
    results: dict[str, bool] = {}

    def replica(name: str, hold: float) -> None:
        results[name] = claim(database, checkout_id, name, hold_seconds=hold)

    first = threading.Thread(target=replica, args=("a", 0.3))
    first.start()
    time.sleep(0.1)
    second = threading.Thread(target=replica, args=("b", 0.0))
    second.start()
    first.join()
    second.join()

    assert results == {"a": True, "b": False}


def test_a_live_claim_cannot_be_taken(database: Database) -> None:
    checkout_id = pending(database, lease_until=utc_now() + LEASE)

    assert claim(database, checkout_id, "b") is False


def test_a_released_claim_can_be_taken_by_another_replica(database: Database) -> None:
    checkout_id = pending(database, lease_owner="a", lease_until=utc_now() + LEASE)
    with GatewayUnitOfWork(database) as uow:
        uow.checkouts.release(checkout_id, "someone-else")
        uow.commit()
    assert claim(database, checkout_id, "b") is False

    with GatewayUnitOfWork(database) as uow:
        uow.checkouts.release(checkout_id, "a")
        uow.commit()

    assert claim(database, checkout_id, "b") is True


def test_an_instance_key_and_version_are_recorded_once_and_the_token_forgotten(database: Database) -> None:
    checkout_id = pending(database)

    with GatewayUnitOfWork(database) as uow:
        first = uow.checkouts.record_started(checkout_id, StartedInstance(11, 1), utc_now())
        second = uow.checkouts.record_started(checkout_id, StartedInstance(22, 2), utc_now())
        order = uow.checkouts.start_order(checkout_id)
        recorded = uow.checkouts.get(checkout_id)
        uow.commit()

    assert (first, second, order) == (True, False, None)
    assert recorded is not None
    assert (recorded.process_instance_key, recorded.process_version, recorded.status) == (
        11,
        1,
        CheckoutStatus.RUNNING,
    )


def test_a_started_checkout_is_never_claimable(database: Database) -> None:
    checkout_id = pending(database)
    with GatewayUnitOfWork(database) as uow:
        uow.checkouts.record_started(checkout_id, StartedInstance(11, 1), utc_now())
        uow.commit()

    with GatewayUnitOfWork(database) as uow:
        claimable = uow.checkouts.claimable(utc_now(), 100)

    assert checkout_id not in claimable
    assert claim(database, checkout_id, "b") is False
