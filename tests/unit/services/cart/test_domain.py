"""The cart's rules in plain Python: all-or-nothing priced reservations, exact release, the holdings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.cart.domain import model
from services.cart.domain.errors import (
    DuplicateSku,
    ItemsNotSellable,
    LimitExceeded,
    MixedCurrency,
    QuantityLimitExceeded,
    ReservationAlreadyReleased,
    ReservationConflict,
    UnknownSkus,
)
from services.cart.domain.events import CartCheckedOut, CartReleased, CartReserved, ProductUpdated
from services.cart.domain.model import (
    CheckOutOutcome,
    Product,
    RequestedItem,
    Reservation,
    ReservationStatus,
    ReservedItem,
)
from services.common.money import Money


def eur(amount_minor: int) -> Money:
    return Money(amount_minor, "EUR")


def catalogue(**prices: int) -> dict[str, Product]:
    return {sku: Product(sku, f"Product {sku}", eur(price)) for sku, price in prices.items()}


def items(**quantities: int) -> list[RequestedItem]:
    return [RequestedItem(sku, quantity) for sku, quantity in quantities.items()]


def held(products: dict[str, Product]) -> dict[str, int]:
    return {sku: product.reserved_quantity for sku, product in products.items()}


def test_reserve_holds_every_item_at_its_list_price() -> None:
    products = catalogue(A=250, B=1999)
    reservation = model.reserve("c1", "cust", items(B=1, A=3), products)
    assert reservation.status is ReservationStatus.RESERVED
    assert reservation.customer_id == "cust"
    assert reservation.items == [
        ReservedItem("A", "Product A", 3, eur(250)),
        ReservedItem("B", "Product B", 1, eur(1999)),
    ]
    assert held(products) == {"A": 3, "B": 1}


def test_the_provisional_total_is_the_sum_of_the_line_totals() -> None:
    reservation = model.reserve("c1", "cust", items(A=3, B=2), catalogue(A=250, B=1999))
    assert [item.line_total for item in reservation.items] == [eur(750), eur(3998)]
    assert reservation.provisional_total == eur(4748)
    assert reservation.currency == "EUR"


def test_unknown_skus_are_all_listed_and_nothing_is_held() -> None:
    products = catalogue(A=100)
    with pytest.raises(UnknownSkus) as refused:
        model.reserve("c1", "cust", items(A=1, Z=1, Y=2), products)
    assert refused.value.skus == ("Y", "Z")
    assert held(products) == {"A": 0}


def test_products_no_longer_sold_are_refused() -> None:
    products = catalogue(A=100, B=100, C=100)
    products["B"].sellable = products["C"].sellable = False
    with pytest.raises(ItemsNotSellable) as refused:
        model.reserve("c1", "cust", items(A=1, C=1, B=1), products)
    assert refused.value.skus == ("B", "C")
    assert held(products) == {"A": 0, "B": 0, "C": 0}


def test_every_line_over_its_per_order_limit_is_listed() -> None:
    products = catalogue(A=100, B=100, C=100)
    products["A"].max_per_order = 2
    products["C"].max_per_order = 1
    with pytest.raises(QuantityLimitExceeded) as refused:
        model.reserve("c1", "cust", items(C=5, B=10, A=3), products)
    assert refused.value.exceeded == (LimitExceeded("A", 3, 2), LimitExceeded("C", 5, 1))
    assert held(products) == {"A": 0, "B": 0, "C": 0}


def test_a_reservation_has_one_currency() -> None:
    products = catalogue(A=100)
    products["B"] = Product("B", "Imported", Money(100, "USD"))
    with pytest.raises(MixedCurrency) as refused:
        model.reserve("c1", "cust", items(A=1, B=1), products)
    assert refused.value.currencies == ("EUR", "USD")
    assert held(products) == {"A": 0, "B": 0}


def test_unknown_is_reported_before_not_sellable_and_not_sellable_before_the_limit() -> None:
    products = catalogue(A=100, B=100)
    products["A"].sellable = False
    products["B"].max_per_order = 1
    with pytest.raises(UnknownSkus):
        model.reserve("c1", "cust", items(A=1, B=2, Z=1), products)
    with pytest.raises(ItemsNotSellable):
        model.reserve("c1", "cust", items(A=1, B=2), products)


def test_duplicate_skus_and_impossible_quantities_are_refused() -> None:
    products = catalogue(A=100)
    with pytest.raises(DuplicateSku):
        model.reserve("c1", "cust", [RequestedItem("A", 1), RequestedItem("A", 1)], products)
    with pytest.raises(ValueError, match="between 1 and 1000"):
        model.reserve("c1", "cust", items(A=0), products)
    assert held(products) == {"A": 0}


def test_release_gives_back_exactly_what_was_held_once() -> None:
    products = catalogue(A=100, B=200)
    reservation = model.reserve("c1", "cust", items(A=3, B=2), products)
    assert model.release(reservation, products) == reservation.items
    assert reservation.status is ReservationStatus.RELEASED
    assert model.release(reservation, products) == []
    assert held(products) == {"A": 0, "B": 0}


def test_check_out_gives_back_what_was_held_once() -> None:
    products = catalogue(A=100, B=200)
    reservation = model.reserve("c1", "cust", items(A=3, B=2), products)
    assert model.check_out(reservation, products) is CheckOutOutcome.CHECKED_OUT
    assert reservation.status is ReservationStatus.CHECKED_OUT
    assert held(products) == {"A": 0, "B": 0}
    assert model.check_out(reservation, products) is CheckOutOutcome.ALREADY_CHECKED_OUT
    assert held(products) == {"A": 0, "B": 0}


def test_a_released_reservation_is_not_checked_out() -> None:
    products = catalogue(A=100)
    reservation = model.reserve("c1", "cust", items(A=3), products)
    model.release(reservation, products)
    assert model.check_out(reservation, products) is CheckOutOutcome.ALREADY_RELEASED
    assert reservation.status is ReservationStatus.RELEASED
    assert held(products) == {"A": 0}
    tombstone = Reservation("c2", ReservationStatus.RELEASED)
    assert model.check_out(tombstone, products) is CheckOutOutcome.ALREADY_RELEASED


def test_releasing_a_checked_out_reservation_marks_it_released_and_gives_back_nothing() -> None:
    products = catalogue(A=100)
    other = model.reserve("c2", "cust", items(A=2), products)
    reservation = model.reserve("c1", "cust", items(A=3), products)
    model.check_out(reservation, products)
    assert model.release(reservation, products) == []
    assert reservation.status is ReservationStatus.RELEASED
    assert held(products) == {"A": 2}, "the other checkout's units stay held"
    assert other.status is ReservationStatus.RESERVED


def test_a_repeated_reservation_of_a_checked_out_checkout_answers_it_as_it_is() -> None:
    products = catalogue(A=100)
    reservation = model.reserve("c1", "cust", items(A=3), products)
    model.check_out(reservation, products)
    reservation.check_repeat("cust", items(A=3))
    with pytest.raises(ReservationConflict):
        reservation.check_repeat("cust", items(A=4))


def test_a_repeat_must_match_customer_and_items_and_not_follow_a_release() -> None:
    reservation = Reservation("c1", ReservationStatus.RESERVED, "cust", [ReservedItem("A", "A", 2, eur(1))])
    reservation.check_repeat("cust", [RequestedItem("A", 2)])
    with pytest.raises(ReservationConflict):
        reservation.check_repeat("cust", [RequestedItem("A", 3)])
    with pytest.raises(ReservationConflict):
        reservation.check_repeat("someone-else", [RequestedItem("A", 2)])
    tombstone = Reservation("c2", ReservationStatus.RELEASED)
    with pytest.raises(ReservationAlreadyReleased):
        tombstone.check_repeat("cust", [RequestedItem("A", 2)])


def test_a_tombstone_has_no_total() -> None:
    tombstone = Reservation("c2", ReservationStatus.RELEASED)
    assert (tombstone.provisional_total, tombstone.currency) == (None, None)


def test_describing_a_product_says_whether_anything_changed_and_keeps_what_is_held() -> None:
    product = Product("A", "Mug", eur(500))
    product.hold(4)
    assert not product.describe("Mug", eur(500), model.DEFAULT_MAX_PER_ORDER, True)
    assert product.describe("Mug", eur(450), 3, False)
    assert (product.list_price, product.max_per_order, product.sellable) == (eur(450), 3, False)
    assert product.reserved_quantity == 4


def test_the_per_order_limit_is_between_one_and_a_thousand() -> None:
    for limit in (0, 1001):
        with pytest.raises(ValueError, match="max_per_order"):
            Product("A", "Mug", eur(500), max_per_order=limit)
    product = Product("A", "Mug", eur(500))
    with pytest.raises(ValueError, match="max_per_order"):
        product.describe("Mug", eur(500), 0, True)
    assert product.max_per_order == model.DEFAULT_MAX_PER_ORDER


def test_more_than_is_held_cannot_be_given_back() -> None:
    product = Product("A", "Mug", eur(500))
    product.hold(1)
    with pytest.raises(AssertionError):
        product.give_back(2)
    with pytest.raises(AssertionError):
        Product("A", "Mug", eur(500), reserved_quantity=-1)


def test_events_carry_versioned_payloads() -> None:
    item = ReservedItem("A", "Mug", 2, eur(500))
    reserved = CartReserved("c1", "cust", (item,), eur(1000))
    assert (reserved.event_type, reserved.schema_version, reserved.checkout_id) == ("CartReserved", 1, "c1")
    line = {
        "sku": "A",
        "name": "Mug",
        "quantity": 2,
        "unit_price": {"amount_minor": 500, "currency": "EUR"},
        "line_total": {"amount_minor": 1000, "currency": "EUR"},
    }
    assert reserved.payload() == {
        "checkout_id": "c1",
        "customer_id": "cust",
        "items": [line],
        "provisional_total": {"amount_minor": 1000, "currency": "EUR"},
    }
    released = CartReleased("c1", (item,))
    assert (released.event_type, released.payload()) == (
        "CartReleased",
        {"checkout_id": "c1", "items": [line]},
    )
    checked_out = CartCheckedOut("c1", (item,))
    assert (checked_out.event_type, checked_out.schema_version, checked_out.payload()) == (
        "CartCheckedOut",
        1,
        {"checkout_id": "c1", "items": [line]},
    )
    updated = ProductUpdated.of(Product("A", "Mug", eur(500)), created=True)
    assert (updated.event_type, updated.schema_version, updated.checkout_id) == ("ProductUpdated", 1, None)
    assert updated.payload() == {
        "sku": "A",
        "name": "Mug",
        "list_price": {"amount_minor": 500, "currency": "EUR"},
        "max_per_order": 10,
        "sellable": True,
        "created": True,
    }


operations = st.lists(
    st.one_of(
        st.tuples(st.just("describe"), st.sampled_from("ABC"), st.tuples(st.integers(1, 4), st.booleans())),
        st.tuples(
            st.just("reserve"),
            st.integers(0, 5),
            st.dictionaries(st.sampled_from("ABCD"), st.integers(1, 5), min_size=1, max_size=3),
        ),
        st.tuples(st.sampled_from(["release", "check_out"]), st.integers(0, 5), st.none()),
    ),
    max_size=40,
)


@given(operations)
def test_any_sequence_of_operations_holds_exactly_what_reservations_hold(
    ops: list[tuple[str, object, object]],
) -> None:
    products = catalogue(A=100, B=250, C=999)
    reservations: dict[int, Reservation] = {}
    for kind, target, argument in ops:
        if kind == "describe":
            assert isinstance(target, str)
            assert isinstance(argument, tuple)
            limit, sellable = argument
            products[target].describe("renamed", eur(1), limit, sellable)
        elif kind == "reserve":
            assert isinstance(target, int)
            assert isinstance(argument, dict)
            if target in reservations:
                continue
            before = held(products)
            wanted = [RequestedItem(sku, quantity) for sku, quantity in argument.items()]
            try:
                reservations[target] = model.reserve(f"c{target}", "cust", wanted, products)
            except (UnknownSkus, ItemsNotSellable, QuantityLimitExceeded):
                assert held(products) == before
        elif kind == "release" and isinstance(target, int) and target in reservations:
            model.release(reservations[target], products)
        elif isinstance(target, int) and target in reservations:
            model.check_out(reservations[target], products)
        for sku, product in products.items():
            assert product.reserved_quantity == sum(
                item.quantity
                for reservation in reservations.values()
                if reservation.status is ReservationStatus.RESERVED
                for item in reservation.items
                if item.sku == sku
            )
        for reservation in reservations.values():
            total = sum(item.unit_price.amount_minor * item.quantity for item in reservation.items)
            assert reservation.provisional_total == eur(total)
