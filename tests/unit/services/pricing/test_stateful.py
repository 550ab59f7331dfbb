"""Property: any interleaving of catalogue changes, quotes, retries and voids keeps the books.

A hypothesis state machine drives a real pricing service over HTTP (SQLite) and keeps a model of what
every answer must be: new keys quote at most once per checkout, reused keys replay their first answer
(or 409 when the body changed), voids give back exactly the redemption a quote held, rejections come
in the documented order and amounts are recomputed independently. After every step: each promotion's
``redemptions`` equals the number of ``ACTIVE`` quotes using it and never exceeds ``max_redemptions``
(a voided quote holds none), and every quote's ``total == subtotal - discount + tax``.
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
from hypothesis.stateful import (
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from services.pricing.entrypoints.app import create_app
from services.pricing.settings import PricingSettings
from tests.unit.services.support import IdempotentMachine, LiveServer

SKUS = ("A", "B", "C")
UNKNOWN_SKU = "Z"
RATES = {"EU-DE": 1900, "UK": 2000, "US-CA": 725}  # seeded by the migration
REGIONS = st.sampled_from((*RATES, *RATES, "XX-1"))  # XX-1: no rate
CODES = ("P1", "P2")
PROMO_CODES = st.sampled_from((None, *CODES, *CODES, "NOPE"))
CURRENCIES = st.sampled_from(("EUR", "EUR", "EUR", "USD"))
ITEM_NAMES = st.sampled_from((*SKUS, *SKUS, *SKUS, UNKNOWN_SKU))
PAST, FUTURE = "2000-01-01T00:00:00Z", "2999-01-01T00:00:00Z"


def half_up(numerator: int, denominator: int) -> int:
    """The test's own rounding (decimal school method, as a cross-check of the service's)."""
    quotient, remainder = divmod(numerator, denominator)
    return quotient + (1 if 2 * remainder >= denominator else 0)


@dataclass
class Terms:
    """What the model knows of a promotion (``amount`` and ``minimum`` are in ``currency``)."""

    percent: int | None
    amount: int | None
    minimum: int | None
    currency: str
    limit: int | None
    expired: bool
    active: bool

    def body(self) -> dict[str, Any]:
        def money(amount: int | None) -> dict[str, Any] | None:
            return None if amount is None else {"amount_minor": amount, "currency": self.currency}

        return {
            "percent_off": self.percent,
            "amount_off": money(self.amount),
            "min_subtotal": money(self.minimum),
            "max_redemptions": self.limit,
            "valid_until": PAST if self.expired else FUTURE,
            "active": self.active,
        }


@dataclass
class Quoted:
    """A checkout's quote as the model knows it (``document`` is its 201 answer)."""

    content: tuple[Any, ...]
    document: dict[str, Any]
    voided: bool = False


TERMS = st.builds(
    Terms,
    percent=st.none(),
    amount=st.none(),
    minimum=st.one_of(st.none(), st.integers(0, 3000)),
    currency=CURRENCIES,
    limit=st.one_of(st.none(), st.integers(0, 3)),
    expired=st.sampled_from((False, False, False, True)),
    active=st.sampled_from((True, True, True, False)),
)


@st.composite
def promotion_terms(draw: st.DrawFn) -> Terms:
    terms = draw(TERMS)
    if draw(st.booleans()):
        terms.percent = draw(st.integers(1, 100))
    else:
        terms.amount = draw(st.integers(1, 2000))
    return terms


class PricingMachine(IdempotentMachine):
    def __init__(self) -> None:
        super().__init__()
        self.prefix = self.prefix.upper()
        self.prices: dict[str, tuple[int, str]] = {}
        self.promotions: dict[str, Terms] = {}
        self.quotes: dict[str, Quoted | None] = {}  # checkout -> its quote; None = tombstone

    def sku(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    def code(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def holding(self, code: str) -> int:
        return sum(
            1
            for quoted in self.quotes.values()
            if quoted is not None and not quoted.voided and quoted.content[3] == code
        )

    @initialize(
        prices=st.lists(st.integers(0, 5000), min_size=len(SKUS), max_size=len(SKUS)),
        percent=st.integers(1, 100),
        amount=st.integers(1, 2000),
        limit=st.integers(1, 3),
    )
    def set_up_the_catalogue(self, prices: list[int], percent: int, amount: int, limit: int) -> None:
        for name, unit_price in zip(SKUS, prices, strict=True):
            self.put_price(name, unit_price, "EUR")
        self.put_promotion("P1", Terms(percent, None, None, "EUR", limit, expired=False, active=True))
        self.put_promotion("P2", Terms(None, amount, None, "EUR", None, expired=False, active=True))

    @rule(name=st.sampled_from(SKUS), amount=st.integers(0, 5000), currency=CURRENCIES)
    def put_price(self, name: str, amount: int, currency: str) -> None:
        sku = self.sku(name)
        body = {"unit_price": {"amount_minor": amount, "currency": currency}}
        response = self.http.put(f"/v1/prices/{sku}", json=body)
        assert response.status_code == (200 if sku in self.prices else 201), response.text
        self.prices[sku] = (amount, currency)

    @rule(name=st.sampled_from(CODES), terms=promotion_terms())
    def put_promotion(self, name: str, terms: Terms) -> None:
        code = self.code(name)
        response = self.http.put(f"/v1/promotions/{code}", json=terms.body())
        held = self.holding(code)
        if terms.limit is not None and terms.limit < held:
            assert (response.status_code, response.json()["code"]) == (409, "REDEMPTION_LIMIT_BELOW_USE")
            assert response.json()["redemptions"] == held
            return
        assert response.status_code == (200 if code in self.promotions else 201), response.text
        assert response.json()["redemptions"] == held
        self.promotions[code] = terms

    def refusal(
        self, items: dict[str, int], region: str, code: str | None
    ) -> tuple[int, str, str | None] | None:
        """The rejection the service must answer a new quote with, in the documented order."""
        if any(sku not in self.prices for sku in items):
            return (422, "UNKNOWN_SKU", None)
        if region not in RATES:
            return (422, "UNSUPPORTED_REGION", None)
        currencies = {self.prices[sku][1] for sku in items}
        if len(currencies) > 1:
            return (409, "MIXED_CURRENCY", None)
        if code is None:
            return None
        terms = self.promotions.get(code)
        subtotal = sum(self.prices[sku][0] * quantity for sku, quantity in items.items())
        reason = None
        if terms is None:
            reason = "UNKNOWN"
        elif not terms.active:
            reason = "INACTIVE"
        elif terms.expired:
            reason = "EXPIRED"
        elif terms.limit is not None and self.holding(code) >= terms.limit:
            reason = "EXHAUSTED"
        elif (terms.amount is not None or terms.minimum is not None) and terms.currency not in currencies:
            reason = "CURRENCY_MISMATCH"
        elif terms.minimum is not None and subtotal < terms.minimum:
            reason = "BELOW_MINIMUM"
        return None if reason is None else (409, "INVALID_PROMO", reason)

    def expected_amounts(self, items: dict[str, int], region: str, code: str | None) -> tuple[int, int, int]:
        subtotal = sum(self.prices[sku][0] * quantity for sku, quantity in items.items())
        discount = 0
        if code is not None:
            terms = self.promotions[code]
            if terms.percent is not None:
                discount = half_up(subtotal * terms.percent, 100)
            else:
                assert terms.amount is not None
                discount = min(terms.amount, subtotal)
        return subtotal, discount, half_up((subtotal - discount) * RATES[region], 10_000)

    @rule(
        number=st.integers(0, 5),
        variant=st.integers(0, 2),
        customer=st.sampled_from(("cust-1", "cust-1", "cust-2")),
        items=st.dictionaries(ITEM_NAMES, st.integers(1, 4), min_size=1, max_size=3),
        region=REGIONS,
        promo=PROMO_CODES,
    )
    def quote(
        self, number: int, variant: int, customer: str, items: dict[str, int], region: str, promo: str | None
    ) -> None:
        checkout = self.checkout(number)
        wanted = {self.sku(name): quantity for name, quantity in items.items()}
        code = None if promo is None else self.code(promo)
        body = {
            "checkout_id": checkout,
            "customer_id": customer,
            "items": [{"sku": s, "quantity": q} for s, q in wanted.items()],
            "shipping_region": region,
            "promo_code": code,
        }
        response = self.send(f"{checkout}:quote:{variant}", "POST", "/v1/quotes", body)
        if response is None:
            return
        answer = response.json()
        content = (customer, sorted(wanted.items()), region, code)
        if checkout in self.quotes:
            quoted = self.quotes[checkout]
            if quoted is None or quoted.voided:
                assert (response.status_code, answer["code"]) == (409, "QUOTE_VOIDED")
            elif quoted.content == content:
                assert (response.status_code, answer) == (200, quoted.document)
            else:
                assert (response.status_code, answer["code"]) == (409, "QUOTE_CONFLICT")
            return
        refused = self.refusal(wanted, region, code)
        if refused is not None:
            assert (response.status_code, answer["code"], answer.get("reason")) == refused, answer
            return
        assert response.status_code == 201, response.text
        subtotal, discount, tax = self.expected_amounts(wanted, region, code)
        amounts = [answer[name]["amount_minor"] for name in ("subtotal", "discount", "tax", "total")]
        assert amounts == [subtotal, discount, tax, subtotal - discount + tax]
        self.quotes[checkout] = Quoted(content, answer)

    @rule(number=st.integers(0, 3), variant=st.integers(0, 1))
    def void(self, number: int, variant: int) -> None:
        self.void_checkout(self.checkout(number), variant)

    @precondition(lambda self: bool(self.active()))
    @rule(data=st.data(), variant=st.integers(0, 1))
    def void_an_active_quote(self, data: st.DataObject, variant: int) -> None:
        """Voids of checkouts that hold a quote, so that effective compensations are frequent."""
        self.void_checkout(data.draw(st.sampled_from(self.active())), variant)

    def active(self) -> list[str]:
        return sorted(c for c, quoted in self.quotes.items() if quoted is not None and not quoted.voided)

    def void_checkout(self, checkout: str, variant: int) -> None:
        response = self.send(f"{checkout}:void:{variant}", "POST", f"/v1/quotes/{checkout}/void", None)
        if response is None:
            return
        assert response.status_code == 200
        answer = response.json()
        quoted = self.quotes.get(checkout)
        if checkout not in self.quotes:
            assert (answer["outcome"], answer["quote_id"]) == ("NOOP_NOTHING_TO_COMPENSATE", None)
            self.quotes[checkout] = None
        elif quoted is None or quoted.voided:
            assert answer["outcome"] == "NOOP_ALREADY_COMPENSATED"
        else:
            assert (answer["outcome"], answer["quote_id"]) == ("COMPENSATED", quoted.document["quote_id"])
            quoted.voided = True

    @invariant()
    def redemptions_are_the_active_quotes_using_the_promotion(self) -> None:
        for code, terms in self.promotions.items():
            redemptions = self.http.get(f"/v1/promotions/{code}").json()["redemptions"]
            assert redemptions == self.holding(code)
            assert terms.limit is None or redemptions <= terms.limit

    @invariant()
    def every_quote_adds_up_and_has_its_status(self) -> None:
        for checkout, quoted in self.quotes.items():
            document = self.http.get(f"/v1/quotes/{checkout}").json()
            if quoted is None:
                assert (document["status"], document["quote_id"], document["lines"]) == ("VOIDED", None, [])
                continue
            assert document["status"] == ("VOIDED" if quoted.voided else "ACTIVE")
            assert document["lines"] == quoted.document["lines"]  # the prices stay locked
            subtotal, discount, tax, total = (
                document[name]["amount_minor"] for name in ("subtotal", "discount", "tax", "total")
            )
            assert total == subtotal - discount + tax
            assert subtotal == sum(line["line_total"]["amount_minor"] for line in document["lines"])


@pytest.fixture(scope="module")
def http(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    database: Path = tmp_path_factory.mktemp("pricing") / "pricing.db"
    app = create_app(PricingSettings(database_url=f"sqlite:///{database}"))
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


def test_any_interleaving_keeps_redemptions_exact_and_totals_adding_up(http: httpx.Client) -> None:
    PricingMachine.http = http
    run_state_machine_as_test(
        PricingMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
