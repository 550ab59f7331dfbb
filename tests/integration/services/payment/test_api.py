"""The payment service over HTTP, on SQLite and MariaDB, against the real provider sandbox: captures,
declines, idempotency, once per checkout, refunds as compensation, invalid input."""

from __future__ import annotations

from typing import Any

import pytest

from services.common import outbox as outbox_module
from services.common.migrations import head_revisions
from tests.integration.services.payment.conftest import Payment, Provider
from tests.unit.services.support import unique

PROBLEM = "application/problem+json"


def test_health(payment: Payment) -> None:
    assert payment.http.get("/health/live").json() == {"status": "ok"}
    ready = payment.http.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "schema": sorted(head_revisions("services.payment"))}


def test_a_capture_charges_the_token_once_and_writes_one_event(payment: Payment, provider: Provider) -> None:
    before = provider.books()
    checkout = unique("chk")
    response = payment.pay(checkout, "tok_visa", 2599, customer_id="cust-7")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "payment_id",
        "checkout_id",
        "customer_id",
        "status",
        "amount",
        "payment_token",
        "provider_capture_id",
        "captured_at",
    }
    assert body["payment_id"].startswith("pay_")
    assert (body["checkout_id"], body["customer_id"], body["status"]) == (checkout, "cust-7", "CAPTURED")
    assert (body["amount"], body["payment_token"]) == ({"amount_minor": 2599, "currency": "EUR"}, "tok_visa")
    captured = provider.capture(body["provider_capture_id"])
    assert (captured["status"], captured["amount"], captured["currency"]) == ("succeeded", 2599, "EUR")
    assert provider.books() - before == type(before)(captures=1, captured=2599, refunded=0, refunds=0)

    events = payment.events(checkout)
    assert [(e["event_type"], e["schema_version"]) for e in events] == [("PaymentCaptured", 1)]
    assert events[0]["payload"] == {
        "checkout_id": checkout,
        "payment_id": body["payment_id"],
        "customer_id": "cust-7",
        "amount": {"amount_minor": 2599, "currency": "EUR"},
        "provider_capture_id": body["provider_capture_id"],
    }
    shown = payment.http.get(f"/v1/payments/{checkout}").json()
    assert shown["status"] == "CAPTURED"
    assert {name: shown[name] for name in body} == body


def test_a_retry_with_the_same_key_replays_without_charging_again(
    payment: Payment, provider: Provider
) -> None:
    before = provider.books()
    checkout = unique("chk")
    first = payment.pay(checkout, key=f"{checkout}:payment.capture")
    retry = payment.pay(checkout, key=f"{checkout}:payment.capture")
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert (provider.books() - before).captures == 1
    assert len(payment.events(checkout)) == 1


def test_the_same_key_with_another_body_is_409_and_charges_nothing(
    payment: Payment, provider: Provider
) -> None:
    checkout = unique("chk")
    key = f"shared-{checkout}"
    assert payment.pay(checkout, amount=100, key=key).status_code == 201
    before = provider.books()
    reused = payment.pay(checkout, amount=200, key=key)
    assert (reused.status_code, reused.json()["code"]) == (409, "IDEMPOTENCY_KEY_REUSED")
    other_endpoint = payment.refund(checkout, key=key)
    assert (other_endpoint.status_code, other_endpoint.json()["code"]) == (409, "IDEMPOTENCY_KEY_REUSED")
    assert provider.books() == before
    assert payment.status(checkout) == "CAPTURED"


def test_a_second_saga_for_the_checkout_never_charges_twice(payment: Payment, provider: Provider) -> None:
    before = provider.books()
    checkout = unique("chk")
    first = payment.pay(checkout, key="saga-run-1-" + checkout)
    again = payment.pay(checkout, key="saga-run-2-" + checkout)
    assert again.status_code == 200
    assert again.json() == first.json()
    for changed in ({"amount": 2000}, {"token": "tok_mastercard"}, {"customer_id": "cust-2"}):
        other: dict[str, Any] = {"key": unique("saga"), **changed}
        conflict = payment.pay(checkout, **other)
        assert (conflict.status_code, conflict.json()["code"]) == (409, "PAYMENT_CONFLICT")
    assert (provider.books() - before).captures == 1
    assert payment.event_types(checkout) == ["PaymentCaptured"]


@pytest.mark.parametrize(
    ("token", "code", "decline_code"),
    [
        ("tok_chargeDeclined", "PAYMENT_DECLINED", "card_declined"),
        ("tok_insufficientFunds", "INSUFFICIENT_FUNDS", "insufficient_funds"),
    ],
)
def test_a_decline_is_recorded_answered_402_and_repeated(
    payment: Payment, provider: Provider, token: str, code: str, decline_code: str
) -> None:
    before = provider.books()
    checkout = unique("chk")
    declined = payment.pay(checkout, token)
    assert declined.status_code == 402
    assert declined.headers["content-type"] == PROBLEM
    problem = declined.json()
    assert (problem["code"], problem["decline_code"], problem["checkout_id"]) == (
        code,
        decline_code,
        checkout,
    )
    assert provider.capture(problem["provider_capture_id"])["status"] == "failed"
    assert payment.status(checkout) == "DECLINED"
    events = payment.events(checkout)
    assert [e["event_type"] for e in events] == ["PaymentDeclined"]
    assert events[0]["payload"]["decline_code"] == decline_code

    replay = payment.pay(checkout, token)
    assert (replay.status_code, replay.json()) == (402, problem)
    assert replay.headers["Idempotent-Replayed"] == "true"
    again = payment.pay(checkout, token, key=unique("saga"))  # another saga: the same decline, no new call
    assert (again.status_code, again.json()["code"]) == (402, code)
    assert "Idempotent-Replayed" not in again.headers
    assert provider.books() == before  # a decline holds no money
    assert payment.event_types(checkout) == ["PaymentDeclined"]


def test_a_token_the_provider_does_not_know_is_a_decline(payment: Payment, provider: Provider) -> None:
    before = provider.books()
    checkout = unique("chk")
    declined = payment.pay(checkout, "tok_unheardOf")
    assert (declined.status_code, declined.json()["code"]) == (402, "PAYMENT_DECLINED")
    assert declined.json()["decline_code"] == "invalid_payment_token"
    assert payment.status(checkout) == "DECLINED"
    assert provider.books() == before


def test_tok_flaky_answers_503_twice_then_captures_on_a_retry(payment: Payment, provider: Provider) -> None:
    before = provider.books()
    checkout = unique("chk")
    key = f"{checkout}:payment.capture"
    first, second = payment.pay(checkout, "tok_flaky"), payment.pay(checkout, "tok_flaky")
    for failed in (first, second):
        assert (failed.status_code, failed.json()["code"]) == (503, "PAYMENT_PROVIDER_UNAVAILABLE")
        assert failed.headers["Retry-After"] == "1"
        assert failed.headers["content-type"] == PROBLEM
    assert payment.status(checkout) == "PENDING"  # the intent stays, to be re-driven
    assert not payment.has_key(key)  # technical failure: nothing stored under the key
    assert payment.events(checkout) == []
    third = payment.pay(checkout, "tok_flaky")
    assert third.status_code == 201
    assert payment.pay(checkout, "tok_flaky").headers["Idempotent-Replayed"] == "true"
    assert (provider.books() - before).captures == 1


def test_refunding_a_capture_gives_the_money_back_once(payment: Payment, provider: Provider) -> None:
    checkout = unique("chk")
    captured = payment.pay(checkout, amount=1250).json()
    before = provider.books()
    refunded = payment.refund(checkout, key=f"{checkout}:payment.refund")
    assert refunded.status_code == 200
    body = refunded.json()
    assert (body["outcome"], body["checkout_id"]) == ("COMPENSATED", checkout)
    refund = body["refund"]
    assert (refund["payment_id"], refund["provider_capture_id"]) == (
        captured["payment_id"],
        captured["provider_capture_id"],
    )
    assert refund["amount"] == {"amount_minor": 1250, "currency": "EUR"}
    assert refund["provider_refund_id"].startswith("re_")
    assert provider.capture(captured["provider_capture_id"])["refunded_amount"] == 1250

    replay = payment.refund(checkout, key=f"{checkout}:payment.refund")
    assert replay.json() == body
    assert replay.headers["Idempotent-Replayed"] == "true"
    second = payment.refund(checkout, key=unique("refund"))
    assert second.status_code == 200
    assert second.json() == {"outcome": "NOOP_ALREADY_COMPENSATED", "checkout_id": checkout, "refund": None}
    assert provider.books() - before == type(before)(captures=0, captured=0, refunded=1250, refunds=1)

    assert payment.status(checkout) == "REFUNDED"
    events = payment.events(checkout)
    assert [e["event_type"] for e in events] == ["PaymentCaptured", "PaymentRefunded"]
    assert events[1]["payload"]["provider_refund_id"] == refund["provider_refund_id"]
    audit = payment.audit(checkout)
    assert [(a["action"], a["outcome"]) for a in audit] == [
        ("payment.refund", "COMPENSATED"),
        ("payment.refund", "NOOP_ALREADY_COMPENSATED"),
    ]
    assert audit[0]["details"] == {"idempotency_key": f"{checkout}:payment.refund", "refund": refund}
    shown = payment.http.get(f"/v1/payments/{checkout}").json()
    assert (shown["status"], shown["provider_refund_id"]) == ("REFUNDED", refund["provider_refund_id"])


def test_a_capture_after_the_refund_is_refused_without_calling_the_provider(
    payment: Payment, provider: Provider
) -> None:
    checkout = unique("chk")
    payment.pay(checkout)
    payment.refund(checkout)
    before = provider.books()
    late = payment.pay(checkout, key=unique("late"))
    assert (late.status_code, late.json()["code"]) == (409, "PAYMENT_VOIDED")
    assert provider.books() == before
    assert payment.status(checkout) == "REFUNDED"


def test_a_refund_without_payment_is_a_recorded_noop_and_refuses_a_late_capture(
    payment: Payment, provider: Provider
) -> None:
    before = provider.books()
    checkout = unique("chk")
    refunded = payment.refund(checkout)
    assert refunded.status_code == 200
    assert refunded.json() == {
        "outcome": "NOOP_NOTHING_TO_COMPENSATE",
        "checkout_id": checkout,
        "refund": None,
    }
    assert [a["outcome"] for a in payment.audit(checkout)] == ["NOOP_NOTHING_TO_COMPENSATE"]
    assert payment.events(checkout) == []

    late = payment.pay(checkout)
    assert (late.status_code, late.json()["code"]) == (409, "PAYMENT_VOIDED")
    again = payment.refund(checkout, key=unique("refund"))
    assert again.json()["outcome"] == "NOOP_ALREADY_COMPENSATED"
    assert provider.books() == before
    tombstone = payment.http.get(f"/v1/payments/{checkout}").json()
    assert (tombstone["status"], tombstone["amount"], tombstone["payment_token"]) == ("VOIDED", None, None)


def test_refunding_a_declined_payment_is_a_recorded_noop(payment: Payment, provider: Provider) -> None:
    checkout = unique("chk")
    payment.pay(checkout, "tok_chargeDeclined")
    before = provider.books()
    refunded = payment.refund(checkout)
    assert refunded.json()["outcome"] == "NOOP_NOTHING_TO_COMPENSATE"
    assert [a["outcome"] for a in payment.audit(checkout)] == ["NOOP_NOTHING_TO_COMPENSATE"]
    assert payment.status(checkout) == "DECLINED"
    late = payment.pay(checkout, "tok_chargeDeclined", key=unique("late"))
    assert (late.status_code, late.json()["code"]) == (402, "PAYMENT_DECLINED")
    assert provider.books() == before


@pytest.mark.parametrize(
    ("change", "paths"),
    [
        ({"payment_token": "4242424242424242"}, ["payment_token"]),
        ({"payment_token": "4242 4242 4242 4242"}, ["payment_token"]),
        ({"payment_token": "tok_4242424242424242"}, ["payment_token"]),
        ({"card_number": "4242424242424242"}, ["card_number"]),
        ({"amount": {"amount_minor": 19.99, "currency": "EUR"}}, ["amount.amount_minor"]),
        ({"amount": {"amount_minor": 20.0, "currency": "EUR"}}, ["amount.amount_minor"]),
        ({"amount": {"amount_minor": "2000", "currency": "EUR"}}, ["amount.amount_minor"]),
        ({"amount": {"amount_minor": 0, "currency": "EUR"}}, ["amount.amount_minor"]),
        ({"amount": {"amount_minor": 100_000_000, "currency": "EUR"}}, ["amount.amount_minor"]),
        ({"amount": {"amount_minor": 100, "currency": "EURO"}}, ["amount.currency"]),
        ({"amount": 1999}, ["amount"]),
        ({"customer_id": "has space"}, ["customer_id"]),
        ({"checkout_id": None}, ["checkout_id"]),
    ],
)
def test_invalid_input_and_card_data_are_422_and_nothing_is_stored(
    payment: Payment, provider: Provider, change: dict[str, Any], paths: list[str]
) -> None:
    before = provider.books()
    checkout = unique("chk")
    body = {
        "checkout_id": checkout,
        "customer_id": "cust-1",
        "amount": {"amount_minor": 1999, "currency": "EUR"},
        "payment_token": "tok_visa",
        **change,
    }
    key = f"{checkout}:payment.capture"
    response = payment.http.post("/v1/payments", json=body, headers={"Idempotency-Key": key})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["code"] == "VALIDATION_FAILED"
    assert [error["path"] for error in problem["errors"]] == paths
    assert "4242" not in response.text  # card data is never echoed
    assert not payment.has_key(key)
    assert payment.status(checkout) is None
    assert payment.events(checkout) == []
    assert provider.books() == before


def test_a_missing_idempotency_key_is_422(payment: Payment) -> None:
    checkout = unique("chk")
    body = {
        "checkout_id": checkout,
        "customer_id": "c",
        "amount": {"amount_minor": 1, "currency": "EUR"},
        "payment_token": "tok_visa",
    }
    for response in (
        payment.http.post("/v1/payments", json=body),
        payment.http.post(f"/v1/payments/{checkout}/refund"),
    ):
        assert response.status_code == 422
        assert [e["path"] for e in response.json()["errors"]] == ["header.Idempotency-Key"]
    assert payment.status(checkout) is None


def test_a_failure_after_the_provider_call_is_retried_into_the_same_capture(
    payment: Payment, provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Transaction 2 fails (its outbox write does): nothing of it commits, the row stays PENDING and
    the key is released; the retry re-drives the provider call and gets the capture already made."""
    before = provider.books()
    checkout = unique("chk")
    original = outbox_module.OutboxWriter.add

    def add_then_fail(self: outbox_module.OutboxWriter, event: outbox_module.DomainEvent) -> object:
        original(self, event)
        raise RuntimeError("the outbox write failed")

    monkeypatch.setattr(outbox_module.OutboxWriter, "add", add_then_fail)
    failed = payment.pay(checkout)
    assert failed.status_code == 500
    assert failed.json()["code"] == "INTERNAL_ERROR"
    assert "outbox" not in failed.text
    assert payment.status(checkout) == "PENDING"
    assert payment.events(checkout) == []
    assert not payment.has_key(f"{checkout}:payment.capture")
    made = provider.books() - before
    assert made.captures == 1  # the provider did charge: only recording it failed

    monkeypatch.undo()
    retried = payment.pay(checkout)
    assert retried.status_code == 201
    assert provider.books() - before == made  # the same capture, not a second one
    assert provider.capture(retried.json()["provider_capture_id"])["amount"] == 1999
    assert payment.event_types(checkout) == ["PaymentCaptured"]


def test_reads_and_unknown_routes_answer_problems(payment: Payment) -> None:
    missing = payment.http.get(f"/v1/payments/{unique('chk')}")
    assert (missing.status_code, missing.json()["code"]) == (404, "PAYMENT_NOT_FOUND")
    assert missing.headers["content-type"] == PROBLEM
    nowhere = payment.http.get("/v1/nowhere")
    assert (nowhere.status_code, nowhere.json()["code"]) == (404, "NOT_FOUND")
    wrong_method = payment.http.delete("/v1/payments")
    assert (wrong_method.status_code, wrong_method.json()["code"]) == (405, "METHOD_NOT_ALLOWED")
