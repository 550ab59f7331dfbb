"""Money is integer minor units with an ISO 4217 currency; floats are refused at every door."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from services.common.api_types import MoneyModel
from services.common.currencies import MINOR_UNIT_EXPONENTS
from services.common.money import CurrencyMismatch, Money

amounts = st.integers(min_value=-(10**12), max_value=10**12)
currencies = st.sampled_from(sorted(MINOR_UNIT_EXPONENTS))


@pytest.mark.parametrize("amount", [19.99, 20.0, True, "20", None])
def test_money_refuses_anything_but_an_int(amount: Any) -> None:
    with pytest.raises(TypeError):
        Money(amount, "EUR")


@pytest.mark.parametrize("currency", ["eur", "EURO", "XXX", "ABC", ""])
def test_money_refuses_unknown_currencies(currency: str) -> None:
    with pytest.raises(ValueError, match="ISO 4217"):
        Money(1, currency)


def test_arithmetic_stays_in_one_currency() -> None:
    assert Money(1999, "EUR") + Money(1, "EUR") == Money(2000, "EUR")
    assert Money(1999, "EUR") - Money(2000, "EUR") == Money(-1, "EUR")
    assert Money(250, "EUR").times(3) == Money(750, "EUR")
    assert Money(1, "EUR") < Money(2, "EUR")
    with pytest.raises(CurrencyMismatch):
        _ = Money(1, "EUR") + Money(1, "USD")
    with pytest.raises(TypeError):
        Money(1, "EUR").times(1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money(1234, "EUR"), "EUR 12.34"),
        (Money(-5, "EUR"), "EUR -0.05"),
        (Money(500, "JPY"), "JPY 500"),
        (Money(1234, "KWD"), "KWD 1.234"),
    ],
)
def test_money_prints_with_the_currencys_exponent(money: Money, text: str) -> None:
    assert str(money) == text


@given(amounts, amounts, amounts, currencies)
def test_addition_is_exact_and_associative(a: int, b: int, c: int, currency: str) -> None:
    x, y, z = Money(a, currency), Money(b, currency), Money(c, currency)
    assert (x + y) + z == x + (y + z) == Money(a + b + c, currency)
    assert (x + y) - y == x


@pytest.mark.parametrize(
    "document",
    [
        {"amount_minor": 19.99, "currency": "EUR"},
        {"amount_minor": 20.0, "currency": "EUR"},
        {"amount_minor": "2000", "currency": "EUR"},
        {"amount_minor": True, "currency": "EUR"},
        {"amount_minor": -1, "currency": "EUR"},
        {"amount_minor": 1, "currency": "eur"},
        {"amount_minor": 1, "currency": "XYZ"},
        {"amount_minor": 1, "currency": "EUR", "extra": 1},
    ],
)
def test_the_api_money_model_refuses_floats_strings_and_unknown_codes(document: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        MoneyModel.model_validate_json(json.dumps(document))


def test_the_api_money_model_round_trips() -> None:
    model = MoneyModel.model_validate_json('{"amount_minor": 1999, "currency": "EUR"}')
    assert model.to_money() == Money(1999, "EUR")
    assert MoneyModel.of(Money(5, "JPY")).model_dump() == {"amount_minor": 5, "currency": "JPY"}
