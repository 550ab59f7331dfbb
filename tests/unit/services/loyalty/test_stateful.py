"""Property: any interleaving of awards, retries and revokes, in any order, keeps every account right.

A hypothesis state machine drives a real loyalty service over HTTP (SQLite) the way a Kafka consumer
would: awards and revokes for a few checkouts in any order (a revoke may come before its award), each
possibly sent again under the same key or another one. It keeps a model of what every answer must be;
after every step, for every customer, ``balance == awarded - revoked`` and the balance equals the sum
of the points of the awards not revoked, and every award reads back with the status the model expects.
No award is ever revoked twice: only the first revoke of a checkout may answer ``COMPENSATED``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule, run_state_machine_as_test

from services.loyalty.entrypoints.app import create_app
from services.loyalty.settings import LoyaltySettings
from tests.unit.services.support import IdempotentMachine, LiveServer

CUSTOMERS = ("ann", "bob")
AMOUNTS = (
    {"amount_minor": 1999, "currency": "EUR"},
    {"amount_minor": 50, "currency": "EUR"},
    {"amount_minor": 700, "currency": "JPY"},
)
POINTS = {("EUR", 1999): 19, ("EUR", 50): 0, ("JPY", 700): 700}


@dataclass
class Awarded:
    """What the model knows of a checkout's award."""

    body: dict[str, Any]
    points: int
    revoked: bool = False


class LoyaltyMachine(IdempotentMachine):
    def __init__(self) -> None:
        super().__init__()
        self.awards: dict[str, Awarded] = {}
        self.tombstones: set[str] = set()

    def customer(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    @rule(
        number=st.integers(0, 3),
        variant=st.integers(0, 2),
        name=st.sampled_from(CUSTOMERS),
        amount=st.sampled_from(AMOUNTS),
    )
    def award(self, number: int, variant: int, name: str, amount: dict[str, Any]) -> None:
        checkout = self.checkout(number)
        body = {
            "checkout_id": checkout,
            "customer_id": self.customer(name),
            "order_id": f"order-{checkout}",
            "amount": amount,
        }
        response = self.send(f"{checkout}:award:{variant}", "POST", "/v1/awards", body)
        if response is None:
            return
        answer = response.json()
        known = self.awards.get(checkout)
        if checkout in self.tombstones or (known is not None and known.revoked):
            assert (response.status_code, answer["code"]) == (409, "AWARD_REVOKED")
        elif known is not None and known.body == body:
            assert response.status_code == 200
            assert answer["points"] == known.points
        elif known is not None:
            assert (response.status_code, answer["code"]) == (409, "AWARD_CONFLICT")
        else:
            assert response.status_code == 201, response.text
            points = POINTS[(amount["currency"], amount["amount_minor"])]
            assert (answer["points"], answer["status"]) == (points, "AWARDED")
            self.awards[checkout] = Awarded(body, points)

    @rule(number=st.integers(0, 3), variant=st.integers(0, 1))
    def revoke(self, number: int, variant: int) -> None:
        checkout = self.checkout(number)
        response = self.send(f"{checkout}:revoke:{variant}", "POST", f"/v1/awards/{checkout}/revoke", None)
        if response is None:
            return
        assert response.status_code == 200
        answer = response.json()
        known = self.awards.get(checkout)
        if checkout in self.tombstones or (known is not None and known.revoked):
            assert (answer["outcome"], answer["points_revoked"]) == ("NOOP_ALREADY_COMPENSATED", 0)
        elif known is not None:
            assert (answer["outcome"], answer["points_revoked"]) == ("COMPENSATED", known.points)
            known.revoked = True
        else:
            assert (answer["outcome"], answer["points_revoked"]) == ("NOOP_NOTHING_TO_COMPENSATE", 0)
            self.tombstones.add(checkout)

    @invariant()
    def accounts_balance(self) -> None:
        for name in CUSTOMERS:
            customer = self.customer(name)
            mine = [a for a in self.awards.values() if a.body["customer_id"] == customer]
            account = self.http.get(f"/v1/accounts/{customer}").json()
            assert account["balance"] == account["awarded"] - account["revoked"]
            assert account["awarded"] == sum(a.points for a in mine)
            assert account["revoked"] == sum(a.points for a in mine if a.revoked)
            assert account["balance"] == sum(a.points for a in mine if not a.revoked)

    @invariant()
    def awards_read_back(self) -> None:
        for checkout, known in self.awards.items():
            award = self.http.get(f"/v1/awards/{checkout}").json()
            assert award["status"] == ("REVOKED" if known.revoked else "AWARDED")
            assert award["customer_id"] == known.body["customer_id"]
        for checkout in self.tombstones:
            assert self.http.get(f"/v1/awards/{checkout}").json()["code"] == "AWARD_NOT_FOUND"


@pytest.fixture(scope="module")
def http(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    database: Path = tmp_path_factory.mktemp("loyalty") / "loyalty.db"
    app = create_app(LoyaltySettings(database_url=f"sqlite:///{database}"))
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


def test_any_interleaving_keeps_every_account_balanced(http: httpx.Client) -> None:
    LoyaltyMachine.http = http
    run_state_machine_as_test(
        LoyaltyMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
