"""Concurrent requests over real HTTP: a promotion's limit is never overrun, no double effect, no deadlock.

Every request of a burst gets its own connection and waits on a barrier, so they reach the server
together; the server handles them on its worker threads, each with its own database transaction.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from tests.integration.services.pricing.conftest import Pricing
from tests.integration.services.support import Call, burst
from tests.unit.services.support import unique


def quote(checkout: str, sku: str, key: str, promo: str | None = None) -> Call:
    body: dict[str, Any] = {
        "checkout_id": checkout,
        "customer_id": "cust-1",
        "items": [{"sku": sku, "quantity": 1}],
        "shipping_region": "EU-NL",
        "promo_code": promo,
    }
    return lambda client: client.post("/v1/quotes", json=body, headers={"Idempotency-Key": key})


def void(checkout: str, key: str) -> Call:
    return lambda client: client.post(f"/v1/quotes/{checkout}/void", headers={"Idempotency-Key": key})


def test_thirty_concurrent_quotes_never_overrun_a_limit_of_five(pricing: Pricing) -> None:
    sku = pricing.new_sku(1000)
    code = pricing.new_promotion(percent_off=10, max_redemptions=5)
    checkouts = [unique("chk") for _ in range(30)]
    responses = burst(pricing, [quote(c, sku, f"{c}:quote", code) for c in checkouts])

    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: 5, 409: 25}, [r.text for r in responses if r.status_code not in (201, 409)]
    assert {(r.json()["code"], r.json()["reason"]) for r in responses if r.status_code == 409} == {
        ("INVALID_PROMO", "EXHAUSTED")
    }
    assert pricing.redemptions(code) == pricing.active_quotes_using(code) == 5
    assert sum(len(pricing.events(c)) for c in checkouts) == 5


def test_concurrent_requests_with_one_key_do_the_work_once(pricing: Pricing) -> None:
    sku = pricing.new_sku()
    code = pricing.new_promotion(percent_off=10)
    checkout = unique("chk")
    responses = burst(pricing, [quote(checkout, sku, f"{checkout}:quote", code)] * 15)
    assert {r.status_code for r in responses} == {201}
    assert len({r.text for r in responses}) == 1  # every caller sees the one stored first result
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 14
    assert pricing.redemptions(code) == 1
    assert len(pricing.events(checkout)) == 1


def test_concurrent_requests_for_one_checkout_with_different_keys_quote_once(pricing: Pricing) -> None:
    sku = pricing.new_sku()
    code = pricing.new_promotion(percent_off=10)
    checkout = unique("chk")
    responses = burst(pricing, [quote(checkout, sku, f"{checkout}:run-{n}", code) for n in range(15)])
    assert sorted(r.status_code for r in responses) == [200] * 14 + [201]
    assert len({r.json()["quote_id"] for r in responses}) == 1
    assert pricing.redemptions(code) == 1
    assert len(pricing.events(checkout)) == 1


def test_voids_racing_quotes_on_one_promotion_keep_redemptions_exact(pricing: Pricing) -> None:
    """Voids give redemptions back while new quotes take them: the count follows, the limit holds."""
    sku = pricing.new_sku()
    code = pricing.new_promotion(amount_off={"amount_minor": 100, "currency": "EUR"}, max_redemptions=8)
    held = [unique("chk") for _ in range(8)]
    for checkout in held:
        assert pricing.quote(checkout, [(sku, 1)], promo=code).status_code == 201
    fresh = [unique("chk") for _ in range(12)]
    calls = [void(c, f"{c}:void") for c in held] + [quote(c, sku, f"{c}:quote", code) for c in fresh]
    responses = burst(pricing, calls)
    assert all(r.status_code < 500 for r in responses), [r.text for r in responses if r.status_code >= 500]
    assert [r.json()["outcome"] for r in responses[: len(held)]] == ["COMPENSATED"] * len(held)
    quoted = sum(r.status_code == 201 for r in responses[len(held) :])
    assert quoted <= 8  # the voids free at most the eight redemptions the held quotes had
    assert pricing.redemptions(code) == pricing.active_quotes_using(code) == quoted


def test_a_void_racing_its_own_quote_never_strands_a_redemption(pricing: Pricing) -> None:
    """The saga's compensation can overtake a retried forward call of the same checkout.

    Whichever commits first, the checkout ends up holding nothing: either the quote happened and the
    void gave its redemption back (``COMPENSATED``), or the void came first, left its tombstone, and
    the quote is refused (``QUOTE_VOIDED``). Never a 5xx, never a redemption left taken.
    """
    sku = pricing.new_sku()
    code = pricing.new_promotion(percent_off=5)
    checkouts = [unique("chk") for _ in range(8)]
    calls: list[Call] = []
    for checkout in checkouts:
        calls += [quote(checkout, sku, f"{checkout}:quote", code), void(checkout, f"{checkout}:void")]
    responses = burst(pricing, calls)
    assert all(r.status_code < 500 for r in responses), [r.text for r in responses if r.status_code >= 500]
    for n, checkout in enumerate(checkouts):
        quoted, voided = responses[2 * n], responses[2 * n + 1]
        outcome = voided.json()["outcome"]
        if quoted.status_code == 201:
            assert outcome == "COMPENSATED"
            assert [e["event_type"] for e in pricing.events(checkout)] == ["PriceQuoted", "QuoteVoided"]
        else:
            assert (quoted.status_code, quoted.json()["code"]) == (409, "QUOTE_VOIDED")
            assert outcome == "NOOP_NOTHING_TO_COMPENSATE"
            assert pricing.events(checkout) == []
        assert [row["outcome"] for row in pricing.audit(checkout)] == [outcome]
    assert pricing.redemptions(code) == 0
