"""Property: any interleaving of captures, retries and refunds keeps the money exact.

A hypothesis state machine drives a real payment service over HTTP (SQLite) against the real provider
sandbox (its own SQLite), and keeps a model of what every answer must be: captures with new keys
charge at most once per checkout (``tok_flaky`` fails the first two provider attempts of the
checkout, whoever makes them: a capture or a refund re-driving it), reused keys replay their stored
answer (technical failures store none), refunds give back exactly what was captured. After every
step, for every checkout: the service says what the model says; at the provider, captured - refunded
>= 0 and never more than one refund; the provider's view agrees with the service's; and the outbox
ledger (captures minus refunds in the events) equals what the provider holds.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import Engine, create_engine, select

from services.common.tables import idempotency_keys, outbox
from services.payment.entrypoints.app import create_app
from services.payment.settings import PaymentSettings
from services.payment_provider.adapters.orm import CaptureRow, RefundRow
from services.payment_provider.entrypoints.app import create_app as create_provider_app
from services.payment_provider.settings import ProviderSettings
from tests.unit.services.support import LiveServer

TOKENS = ("tok_visa", "tok_mastercard", "tok_chargeDeclined", "tok_insufficientFunds", "tok_flaky")
DECLINES = {"tok_chargeDeclined": "PAYMENT_DECLINED", "tok_insufficientFunds": "INSUFFICIENT_FUNDS"}
FLAKY_FAILURES = 2
VOID = ("VOIDING", "REFUNDED", "VOIDED")


@dataclass
class Checkout:
    """The model of one checkout's payment and of the provider's capture under its key."""

    status: str | None = None
    charge: tuple[int, str] | None = None  # amount, token
    capture_known: bool = False  # the service has recorded the provider's capture id
    provider_attempts: int = 0
    provider_result: str | None = None  # "captured" / "declined", once the provider stored one
    decline: str | None = None

    def provider_capture(self) -> str:
        """What the provider answers a capture under the checkout's key: captured, declined, or 503."""
        if self.provider_result is None:
            assert self.charge is not None
            token = self.charge[1]
            self.provider_attempts += 1
            if token == "tok_flaky" and self.provider_attempts <= FLAKY_FAILURES:
                return "unavailable"
            self.provider_result = "declined" if token in DECLINES else "captured"
        return self.provider_result


@dataclass
class Sent:
    path: str
    body: dict[str, Any] | None
    answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)

    @property
    def stored(self) -> tuple[int, dict[str, Any]] | None:
        """The key's stored answer: the first that was not a technical failure."""
        return next((answer for answer in self.answers if answer[0] < 500), None)


@dataclass(frozen=True)
class Stack:
    http: httpx.Client
    payment_db: Engine
    provider_db: Engine


class PaymentMachine(RuleBasedStateMachine):
    stack: ClassVar[Stack]

    def __init__(self) -> None:
        super().__init__()
        self.prefix = uuid.uuid4().hex[:8]
        self.checkouts: dict[str, Checkout] = {}
        self.sent: dict[str, Sent] = {}
        self.again: dict[str, Callable[[], None]] = {}  # key -> the rule call that last used it

    def checkout(self, number: int) -> str:
        return f"{self.prefix}-c{number}"

    def send(self, key: str, path: str, body: dict[str, Any] | None) -> httpx.Response | None:
        """Send under ``key``; checks and returns ``None`` when the key has a stored answer (a replay)."""
        response = self.stack.http.post(path, json=body, headers={"Idempotency-Key": key})
        assert response.status_code != 500, response.text
        sent = self.sent.setdefault(key, Sent(path, body))
        stored = sent.stored
        if stored is None:
            sent.path, sent.body = path, body
            sent.answers.append((response.status_code, response.json()))
            return response
        if (sent.path, sent.body) == (path, body):
            assert (response.status_code, response.json()) == stored
            assert response.headers["Idempotent-Replayed"] == "true"
        else:
            assert (response.status_code, response.json()["code"]) == (409, "IDEMPOTENCY_KEY_REUSED")
        return None

    @rule(
        number=st.integers(0, 3),
        variant=st.integers(0, 2),
        amount=st.sampled_from((500, 700)),
        token=st.sampled_from(TOKENS),
    )
    def capture(self, number: int, variant: int, amount: int, token: str) -> None:
        checkout = self.checkout(number)
        self.again[f"{checkout}:capture:{variant}"] = partial(self.capture, number, variant, amount, token)
        body = {
            "checkout_id": checkout,
            "customer_id": "cust-1",
            "amount": {"amount_minor": amount, "currency": "EUR"},
            "payment_token": token,
        }
        response = self.send(f"{checkout}:capture:{variant}", "/v1/payments", body)
        if response is None:
            return
        model = self.checkouts.setdefault(checkout, Checkout())
        answer = (response.status_code, response.json().get("code"))
        if model.status in VOID:
            assert answer == (409, "PAYMENT_VOIDED")
            return
        if model.status is not None and model.charge != (amount, token):
            assert answer == (409, "PAYMENT_CONFLICT")
            return
        if model.status == "CAPTURED":
            assert answer == (200, None)
            return
        if model.status == "DECLINED":
            assert answer == (402, model.decline)
            return
        model.status, model.charge = "PENDING", (amount, token)
        result = model.provider_capture()
        if result == "unavailable":
            assert answer == (503, "PAYMENT_PROVIDER_UNAVAILABLE")
        elif result == "declined":
            model.status, model.decline = "DECLINED", DECLINES[token]
            assert answer == (402, model.decline)
        else:
            model.status, model.capture_known = "CAPTURED", True
            assert answer == (201, None)

    @rule(number=st.integers(0, 3), variant=st.integers(0, 1))
    def refund(self, number: int, variant: int) -> None:
        checkout = self.checkout(number)
        self.again[f"{checkout}:refund:{variant}"] = partial(self.refund, number, variant)
        response = self.send(f"{checkout}:refund:{variant}", f"/v1/payments/{checkout}/refund", None)
        if response is None:
            return
        model = self.checkouts.setdefault(checkout, Checkout())
        document = response.json()
        if model.status in (None, "DECLINED"):
            model.status = model.status or "VOIDED"
            assert (response.status_code, document["outcome"]) == (200, "NOOP_NOTHING_TO_COMPENSATE")
            return
        if model.status in ("REFUNDED", "VOIDED"):
            assert (response.status_code, document["outcome"]) == (200, "NOOP_ALREADY_COMPENSATED")
            return
        model.status = "VOIDING"
        result = "captured" if model.capture_known else model.provider_capture()
        if result == "unavailable":
            assert (response.status_code, document["code"]) == (503, "PAYMENT_PROVIDER_UNAVAILABLE")
        elif result == "declined":
            model.status = "VOIDED"
            assert (response.status_code, document["outcome"]) == (200, "NOOP_NOTHING_TO_COMPENSATE")
        else:
            model.status, model.capture_known = "REFUNDED", True
            assert (response.status_code, document["outcome"]) == (200, "COMPENSATED")
            assert model.charge is not None
            assert document["refund"]["amount"]["amount_minor"] == model.charge[0]

    @rule(data=st.data())
    def retry(self, data: st.DataObject) -> None:
        """Send a request again under its key: a replay, or (after a 503) the request once more."""
        if not self.sent:
            return
        key = data.draw(st.sampled_from(sorted(self.sent)))
        sent = self.sent[key]
        if sent.stored is not None:
            assert self.send(key, sent.path, sent.body) is None
        else:
            self.again[key]()

    @invariant()
    def money_is_exact_and_both_sides_agree(self) -> None:
        for checkout, model in self.checkouts.items():
            shown = self.stack.http.get(f"/v1/payments/{checkout}")
            status = shown.json()["status"] if shown.status_code == 200 else None
            assert status == model.status, (checkout, shown.text)
            captured, refunded, refunds = self.provider_books(checkout)
            assert 0 <= refunded <= captured
            assert refunds <= 1
            assert self.ledger(checkout) == captured - refunded
            amount = model.charge[0] if model.charge else 0
            if status == "CAPTURED":
                assert (captured, refunded) == (amount, 0)
                assert shown.json()["provider_capture_id"] == self.provider_capture_id(checkout)
            elif status == "REFUNDED":
                assert (captured, refunded, refunds) == (amount, amount, 1)
            else:  # PENDING, VOIDING (a 503 left them), DECLINED, VOIDED: nothing held, nothing given
                assert (captured, refunded) == (0, 0)

    def provider_capture_id(self, checkout: str) -> str | None:
        query = select(idempotency_keys.c.response_status, idempotency_keys.c.response_body).where(
            idempotency_keys.c.key == f"{checkout}:capture"
        )
        with self.stack.provider_db.connect() as connection:
            row = connection.execute(query).first()
        if row is None or row[0] != 201:
            return None
        return str(row[1]["id"])

    def provider_books(self, checkout: str) -> tuple[int, int, int]:
        """From the provider's own tables: captured (succeeded), refunded, and how many refunds."""
        capture_id = self.provider_capture_id(checkout)
        if capture_id is None:
            return 0, 0, 0
        with self.stack.provider_db.connect() as connection:
            capture = connection.execute(
                select(CaptureRow.__table__).where(CaptureRow.id == capture_id)
            ).one()
            refunds = connection.execute(
                select(RefundRow.amount).where(RefundRow.capture_id == capture_id)
            ).all()
        assert capture.status == "succeeded"
        assert capture.refunded_amount == sum(amount for (amount,) in refunds)
        return capture.amount, capture.refunded_amount, len(refunds)

    def ledger(self, checkout: str) -> int:
        """Captured minus refunded, as the payment service's outbox events tell it."""
        query = select(outbox.c.event_type, outbox.c.payload).where(outbox.c.checkout_id == checkout)
        with self.stack.payment_db.connect() as connection:
            events = connection.execute(query).all()
        sign = {"PaymentCaptured": 1, "PaymentRefunded": -1}
        return sum(sign.get(kind, 0) * payload["amount"]["amount_minor"] for kind, payload in events)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    directory: Path = tmp_path_factory.mktemp("payment")
    provider_url, payment_url = (
        f"sqlite:///{directory / 'provider.db'}",
        f"sqlite:///{directory / 'payment.db'}",
    )
    provider_app = create_provider_app(ProviderSettings(database_url=provider_url))
    with LiveServer(provider_app) as provider:
        app = create_app(PaymentSettings(database_url=payment_url, provider_url=provider.url))
        with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as client:
            payment_db, provider_db = create_engine(payment_url), create_engine(provider_url)
            yield Stack(client, payment_db, provider_db)
            payment_db.dispose()
            provider_db.dispose()


def test_any_interleaving_keeps_the_money_exact(stack: Stack) -> None:
    PaymentMachine.stack = stack
    run_state_machine_as_test(
        PaymentMachine,
        settings=settings(
            max_examples=20,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
