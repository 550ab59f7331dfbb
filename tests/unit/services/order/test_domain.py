"""The order rules in plain Python: amounts that add up, the block list, once per checkout, cancellation."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.common.money import Money
from services.order.domain import model
from services.order.domain.errors import (
    CustomerOnBlockList,
    Mismatch,
    OrderAlreadyCancelled,
    OrderConflict,
    TotalMismatch,
)
from services.order.domain.events import (
    CustomerBlocked,
    FulfilmentRequested,
    OrderCancelled,
    OrderCreated,
)
from services.order.domain.model import (
    AllocatedLine,
    BlockedCustomer,
    Order,
    OrderDetails,
    OrderLine,
    OrderStatus,
    Tombstone,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def eur(amount_minor: int) -> Money:
    return Money(amount_minor, "EUR")


def details(
    lines: list[tuple[str, int, int]] | None = None,
    *,
    total: Money | None = None,
    discount: Money | None = None,
    tax: Money | None = None,
    customer_id: str = "cust-1",
) -> OrderDetails:
    """An order of ``(sku, quantity, unit price in cents)`` lines that adds up unless told otherwise."""
    lines = lines if lines is not None else [("A", 2, 500), ("B", 1, 999)]
    items = tuple(OrderLine(sku, q, eur(price), eur(price * q)) for sku, q, price in lines)
    discount = discount or eur(0)
    tax = tax or eur(0)
    if total is None:
        total = eur(sum(price * q for _, q, price in lines)) - discount + tax
    return OrderDetails(
        customer_id=customer_id,
        items=items,
        total=total,
        quote_id="quote-1",
        payment_id="pay_1",
        allocation=tuple(AllocatedLine(sku, q, f"L-{sku}") for sku, q, _ in lines),
        discount=discount,
        tax=tax,
    )


def mismatch_paths(order: OrderDetails) -> list[str]:
    with pytest.raises(TotalMismatch) as refused:
        model.check_amounts(order)
    return [m.path for m in refused.value.mismatches]


def test_place_confirms_an_order_with_a_fresh_id() -> None:
    order = model.place("chk-1", details(), None, NOW)
    assert order.status is OrderStatus.CONFIRMED
    assert order.order_id.startswith("ord_")
    assert (order.checkout_id, order.created_at, order.cancelled_at) == ("chk-1", NOW, None)
    assert model.place("chk-2", details(), None, NOW).order_id != order.order_id


def test_a_line_total_must_be_unit_price_times_quantity() -> None:
    order = details()
    wrong = replace(order.items[1], line_total=eur(998))
    assert mismatch_paths(replace(order, items=(order.items[0], wrong), total=eur(1998))) == [
        "items.1.line_total"
    ]


def test_the_total_must_be_the_sum_of_the_line_totals() -> None:
    assert mismatch_paths(details(total=eur(1998))) == ["total"]
    model.check_amounts(details(total=eur(1999)))


def test_discount_and_tax_are_part_of_the_total() -> None:
    model.check_amounts(details(discount=eur(200), tax=eur(341), total=eur(2140)))
    assert mismatch_paths(details(discount=eur(200), tax=eur(341), total=eur(1999))) == ["total"]


def test_mixed_currencies_name_each_foreign_field_and_skip_the_sum() -> None:
    order = details()
    dollars = replace(order.items[0], unit_price=Money(500, "USD"))
    mixed = replace(order, items=(dollars, order.items[1]), tax=Money(0, "USD"), total=eur(1))
    assert mismatch_paths(mixed) == ["items.0.unit_price.currency", "tax.currency"]


def test_a_total_mismatch_names_every_field_in_its_message() -> None:
    error = TotalMismatch([Mismatch("items.0.line_total", "off"), Mismatch("total", "off")])
    assert str(error) == "items.0.line_total: off; total: off"


def test_a_blocked_customer_gets_no_order_but_bad_amounts_are_reported_first() -> None:
    block = BlockedCustomer("cust-1", "chargebacks", NOW)
    with pytest.raises(CustomerOnBlockList) as refused:
        model.place("chk-1", details(), block, NOW)
    assert refused.value.customer_id == "cust-1"
    with pytest.raises(TotalMismatch):
        model.place("chk-1", details(total=eur(1)), block, NOW)


def test_the_allocation_must_hold_exactly_the_ordered_items() -> None:
    order = details([("A", 3, 100)])
    split = (AllocatedLine("A", 1, "L1"), AllocatedLine("A", 2, "L2"))
    assert replace(order, allocation=split).allocation == split
    with pytest.raises(ValueError, match="allocation"):
        replace(order, allocation=(AllocatedLine("A", 2, "L1"),))
    assert model.allocation_gaps([("A", 3), ("B", 1)], [("A", 3), ("C", 1)]) == ["B", "C"]


def test_a_repeat_with_the_same_content_gets_the_order_in_any_line_order() -> None:
    order = model.place("chk-1", details(), None, NOW)
    reordered = details([("B", 1, 999), ("A", 2, 500)])
    assert model.check_repeat(order, reordered) is order


@pytest.mark.parametrize(
    "other",
    [
        details(customer_id="cust-2"),
        details([("A", 2, 500)]),
        details(discount=eur(1)),
        replace(details(), payment_id="pay_2"),
    ],
)
def test_a_repeat_with_other_content_is_a_conflict(other: OrderDetails) -> None:
    order = model.place("chk-1", details(), None, NOW)
    with pytest.raises(OrderConflict):
        model.check_repeat(order, other)


def test_no_order_follows_a_cancellation() -> None:
    order = model.place("chk-1", details(), None, NOW)
    model.cancel(order, NOW)
    with pytest.raises(OrderAlreadyCancelled):
        model.check_repeat(order, details())
    with pytest.raises(OrderAlreadyCancelled):
        model.check_repeat(Tombstone("chk-2", NOW), details())


def test_cancel_keeps_the_order_and_happens_once() -> None:
    order = model.place("chk-1", details(), None, NOW)
    assert model.cancel(order, NOW)
    assert (order.status, order.cancelled_at) == (OrderStatus.CANCELLED, NOW)
    assert not model.cancel(order, NOW + timedelta(minutes=1))
    assert order.cancelled_at == NOW


def test_events_carry_versioned_payloads() -> None:
    order = Order("ord_1", "chk-1", details([("A", 2, 500)], tax=eur(95)), NOW)
    created = OrderCreated(order)
    assert (created.event_type, created.schema_version, created.checkout_id) == ("OrderCreated", 1, "chk-1")
    assert created.payload() == {
        "order_id": "ord_1",
        "checkout_id": "chk-1",
        "customer_id": "cust-1",
        "total": {"amount_minor": 1095, "currency": "EUR"},
        "quote_id": "quote-1",
        "payment_id": "pay_1",
    }
    fulfilment = FulfilmentRequested(order)
    assert (fulfilment.event_type, fulfilment.schema_version) == ("FulfilmentRequested", 1)
    assert fulfilment.payload()["items"] == [{"sku": "A", "quantity": 2, "location": "L-A"}]
    model.cancel(order, NOW)
    cancelled = OrderCancelled(order)
    assert cancelled.payload()["total"] == created.payload()["total"]
    assert (cancelled.event_type, cancelled.schema_version) == ("OrderCancelled", 1)
    blocked = CustomerBlocked("cust-1", "fraud")
    assert blocked.checkout_id is None
    assert blocked.payload() == {"customer_id": "cust-1", "reason": "fraud"}


lines = st.lists(st.tuples(st.integers(1, 50), st.integers(0, 10**6)), min_size=1, max_size=6).map(
    lambda drawn: [(f"S{index}", q, price) for index, (q, price) in enumerate(drawn)]
)


@given(lines, st.integers(0, 10**5), st.integers(0, 10**5), st.data())
def test_consistent_amounts_pass_and_any_changed_line_total_is_named(
    drawn: list[tuple[str, int, int]], discount: int, tax: int, data: st.DataObject
) -> None:
    subtotal = sum(q * price for _, q, price in drawn)
    discount = min(discount, subtotal)
    order = details(drawn, discount=eur(discount), tax=eur(tax))
    model.check_amounts(order)
    index = data.draw(st.integers(0, len(drawn) - 1))
    off = replace(order.items[index], line_total=order.items[index].line_total + eur(1))
    items = (*order.items[:index], off, *order.items[index + 1 :])
    assert mismatch_paths(replace(order, items=items)) == [f"items.{index}.line_total", "total"]
