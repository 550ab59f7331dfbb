"""Concurrent requests over real HTTP: exact balances, no double award, no double revoke, no deadlock.

Every request of a burst gets its own connection and waits on a barrier, so they reach the server
together; the server handles them on its worker threads, each with its own database transaction. On
PostgreSQL (READ COMMITTED) the customer's account row is what they queue on.
"""

from __future__ import annotations

from collections import Counter

from tests.integration.services.loyalty.conftest import Loyalty
from tests.integration.services.support import Call, burst
from tests.unit.services.support import unique


def award(checkout: str, customer: str, amount_minor: int, key: str) -> Call:
    body = {
        "checkout_id": checkout,
        "customer_id": customer,
        "order_id": f"order-{checkout}",
        "amount": {"amount_minor": amount_minor, "currency": "EUR"},
    }
    return lambda client: client.post("/v1/awards", json=body, headers={"Idempotency-Key": key})


def revoke(checkout: str, key: str) -> Call:
    return lambda client: client.post(f"/v1/awards/{checkout}/revoke", headers={"Idempotency-Key": key})


def test_twenty_concurrent_awards_for_one_customer_add_up_exactly(loyalty: Loyalty) -> None:
    customer = unique("cust")
    checkouts = [unique("chk") for _ in range(20)]
    responses = burst(
        loyalty, [award(c, customer, 100 * (n + 1), f"{c}:award") for n, c in enumerate(checkouts)]
    )
    assert [r.status_code for r in responses] == [201] * 20, [
        r.text for r in responses if r.status_code != 201
    ]
    expected = sum(range(1, 21))
    assert loyalty.account(customer) == {
        "customer_id": customer,
        "balance": expected,
        "awarded": expected,
        "revoked": 0,
    }
    assert all(len(loyalty.events(c)) == 1 for c in checkouts)


def test_concurrent_awards_for_one_checkout_with_different_keys_award_once(loyalty: Loyalty) -> None:
    customer, checkout = unique("cust"), unique("chk")
    responses = burst(loyalty, [award(checkout, customer, 1999, f"{checkout}:run-{n}") for n in range(20)])
    assert sorted(r.status_code for r in responses) == [200] * 19 + [201]
    assert len({r.json()["award_id"] for r in responses}) == 1
    assert loyalty.account(customer)["balance"] == 19
    assert len(loyalty.events(checkout)) == 1


def test_concurrent_revokes_of_one_award_revoke_it_once(loyalty: Loyalty) -> None:
    customer, checkout = unique("cust"), unique("chk")
    assert loyalty.award(checkout, customer, 5000).status_code == 201
    responses = burst(loyalty, [revoke(checkout, f"{checkout}:revoke-{n}") for n in range(10)])
    outcomes = Counter(r.json()["outcome"] for r in responses)
    assert outcomes == {"COMPENSATED": 1, "NOOP_ALREADY_COMPENSATED": 9}
    assert loyalty.account(customer) == {"customer_id": customer, "balance": 0, "awarded": 50, "revoked": 50}
    assert [e["event_type"] for e in loyalty.events(checkout)] == ["PointsAwarded", "PointsRevoked"]
    assert len(loyalty.audit(checkout)) == 10


def test_a_revoke_racing_its_own_award_never_leaves_points(loyalty: Loyalty) -> None:
    """``OrderCancelled`` may overtake ``OrderCreated``; whichever commits first, no points remain.

    Either the award happened and the revoke took it back (``COMPENSATED``), or the revoke came first,
    left its tombstone, and the award is refused (``AWARD_REVOKED``). Never a 5xx, never a deadlock,
    while other awards of the same customer go through beside them.
    """
    customer = unique("cust")
    checkouts = [unique("chk") for _ in range(8)]
    bystanders = [unique("chk") for _ in range(4)]
    calls = []
    for checkout in checkouts:
        calls += [
            award(checkout, customer, 1000, f"{checkout}:award"),
            revoke(checkout, f"{checkout}:revoke"),
        ]
    calls += [award(c, customer, 300, f"{c}:award") for c in bystanders]
    responses = burst(loyalty, calls)
    assert all(r.status_code < 500 for r in responses), [r.text for r in responses if r.status_code >= 500]
    awarded = 0
    for n, checkout in enumerate(checkouts):
        awarding, revoking = responses[2 * n], responses[2 * n + 1]
        outcome = revoking.json()["outcome"]
        if awarding.status_code == 201:
            awarded += 10
            assert outcome == "COMPENSATED"
            assert [e["event_type"] for e in loyalty.events(checkout)] == ["PointsAwarded", "PointsRevoked"]
        else:
            assert (awarding.status_code, awarding.json()["code"]) == (409, "AWARD_REVOKED")
            assert outcome == "NOOP_NOTHING_TO_COMPENSATE"
            assert loyalty.events(checkout) == []
        assert [row["outcome"] for row in loyalty.audit(checkout)] == [outcome]
    assert [r.status_code for r in responses[2 * len(checkouts) :]] == [201] * len(bystanders)
    assert loyalty.account(customer) == {
        "customer_id": customer,
        "balance": 3 * len(bystanders),
        "awarded": awarded + 3 * len(bystanders),
        "revoked": awarded,
    }
