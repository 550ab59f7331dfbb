"""Concurrent requests over real HTTP, on SQLite and MariaDB: sagas racing each other and their own
compensations never charge a checkout twice, and never leave money captured after a refund.

Every request of a burst gets its own connection and waits on a barrier, so they reach the server
together; the server handles them on its worker threads.
"""

from __future__ import annotations

from collections import Counter

from tests.integration.services.payment.conftest import Books, Payment, Provider
from tests.integration.services.support import Call, burst
from tests.unit.services.support import unique


def capture(checkout: str, key: str) -> Call:
    body = {
        "checkout_id": checkout,
        "customer_id": "cust-1",
        "amount": {"amount_minor": 700, "currency": "EUR"},
        "payment_token": "tok_visa",
    }
    return lambda client: client.post("/v1/payments", json=body, headers={"Idempotency-Key": key})


def refund(checkout: str, key: str) -> Call:
    return lambda client: client.post(f"/v1/payments/{checkout}/refund", headers={"Idempotency-Key": key})


def test_ten_sagas_capturing_one_checkout_at_once_charge_it_once(
    payment: Payment, provider: Provider
) -> None:
    before = provider.books()
    checkout = unique("chk")
    responses = burst(payment, [capture(checkout, unique("saga")) for _ in range(10)])
    assert sorted(r.status_code for r in responses) == [200] * 9 + [201]
    assert len({r.json()["provider_capture_id"] for r in responses}) == 1
    assert provider.books() - before == Books(captures=1, captured=700, refunded=0, refunds=0)
    assert payment.event_types(checkout) == ["PaymentCaptured"]


def test_captures_racing_refunds_never_leave_money_captured(payment: Payment, provider: Provider) -> None:
    before = provider.books()
    checkouts = [unique("chk") for _ in range(3)]
    calls = [
        call
        for checkout in checkouts
        for call in (
            *(capture(checkout, unique("saga")) for _ in range(3)),
            *(refund(checkout, unique("comp")) for _ in range(3)),
        )
    ]
    responses = burst(payment, calls)
    outcomes: Counter[str] = Counter()
    for response in responses:
        if "/refund" in str(response.request.url):
            assert response.status_code == 200, response.text
            outcomes[response.json()["outcome"]] += 1
        else:
            assert response.status_code in (200, 201, 409), response.text
            if response.status_code == 409:
                assert response.json()["code"] == "PAYMENT_VOIDED"
    for checkout in checkouts:
        assert payment.status(checkout) in ("REFUNDED", "VOIDED")
    made = provider.books() - before
    assert made.captured == made.refunded  # net zero at the provider
    assert made.captures == made.refunds == outcomes["COMPENSATED"] <= len(checkouts)
