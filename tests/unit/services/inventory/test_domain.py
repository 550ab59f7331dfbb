"""The inventory's rules in plain Python: all-or-nothing allocation, exact release, the invariant."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.inventory.domain import model
from services.inventory.domain.errors import (
    AllocationAlreadyReleased,
    AllocationConflict,
    DuplicateSku,
    OutOfStock,
    Shortfall,
    UnknownSkus,
)
from services.inventory.domain.events import StockAllocated, StockLevelSet
from services.inventory.domain.model import (
    Allocation,
    AllocationLine,
    AllocationStatus,
    OrderLine,
    StockItem,
)


def stock(**levels: int) -> dict[str, StockItem]:
    items = {}
    for sku, on_hand in levels.items():
        item = StockItem(sku, location=f"L-{sku}")
        item.set_on_hand(on_hand, f"L-{sku}")
        items[sku] = item
    return items


def test_setting_stock_records_the_difference_as_a_receipt() -> None:
    item = StockItem("A", "L1")
    assert item.set_on_hand(5, "L1") == 5
    item.take(2)
    assert item.set_on_hand(1, "L2") == -2  # counted fewer free units: a write-off
    assert (item.on_hand, item.allocated, item.received, item.location) == (1, 2, 3, "L2")
    with pytest.raises(ValueError, match="negative"):
        item.set_on_hand(-1, "L2")


def test_allocate_takes_every_line_with_its_location() -> None:
    items = stock(A=5, B=1)
    allocation = model.allocate("c1", [OrderLine("B", 1), OrderLine("A", 2)], items)
    assert allocation.status is AllocationStatus.ALLOCATED
    assert allocation.lines == [AllocationLine("A", 2, "L-A"), AllocationLine("B", 1, "L-B")]
    assert (items["A"].on_hand, items["A"].allocated, items["B"].on_hand) == (3, 2, 0)


def test_allocate_is_all_or_nothing_and_lists_every_shortfall() -> None:
    items = stock(A=5, B=1, C=0)
    with pytest.raises(OutOfStock) as refused:
        model.allocate("c1", [OrderLine("A", 2), OrderLine("B", 2), OrderLine("C", 1)], items)
    assert refused.value.shortfalls == (Shortfall("B", 2, 1), Shortfall("C", 1, 0))
    assert [(i.on_hand, i.allocated) for i in items.values()] == [(5, 0), (1, 0), (0, 0)]


def test_unknown_and_duplicate_skus_are_refused_before_anything_moves() -> None:
    items = stock(A=5)
    with pytest.raises(UnknownSkus) as unknown:
        model.allocate("c1", [OrderLine("A", 1), OrderLine("Z", 1), OrderLine("Y", 1)], items)
    assert unknown.value.skus == ("Y", "Z")
    with pytest.raises(DuplicateSku):
        model.allocate("c1", [OrderLine("A", 1), OrderLine("A", 1)], items)
    assert items["A"].on_hand == 5


def test_release_gives_back_exactly_what_was_taken_once() -> None:
    items = stock(A=5, B=2)
    allocation = model.allocate("c1", [OrderLine("A", 3), OrderLine("B", 2)], items)
    assert model.release(allocation, items) == allocation.lines
    assert allocation.status is AllocationStatus.RELEASED
    assert model.release(allocation, items) == []
    assert [(i.on_hand, i.allocated, i.received) for i in items.values()] == [(5, 0, 5), (2, 0, 2)]


def test_a_repeat_allocation_must_match_and_not_follow_a_release() -> None:
    allocation = Allocation("c1", AllocationStatus.ALLOCATED, [AllocationLine("A", 2, "L")])
    allocation.check_repeat([OrderLine("A", 2)])
    with pytest.raises(AllocationConflict):
        allocation.check_repeat([OrderLine("A", 3)])
    tombstone = Allocation("c2", AllocationStatus.RELEASED)
    with pytest.raises(AllocationAlreadyReleased):
        tombstone.check_repeat([OrderLine("A", 2)])


def test_the_invariant_is_checked_on_construction() -> None:
    with pytest.raises(AssertionError):
        StockItem("A", "L", on_hand=1, allocated=1, received=1)


def test_events_carry_versioned_payloads() -> None:
    event = StockAllocated("c1", (AllocationLine("A", 2, "L"),))
    assert (event.event_type, event.schema_version, event.checkout_id) == ("StockAllocated", 1, "c1")
    assert event.payload() == {"checkout_id": "c1", "items": [{"sku": "A", "quantity": 2, "location": "L"}]}
    level = StockLevelSet("A", "L", 3, 1, 4, 4)
    assert level.checkout_id is None
    assert level.payload()["received_delta"] == 4


operations = st.lists(
    st.one_of(
        st.tuples(st.just("set"), st.sampled_from("ABC"), st.integers(0, 8)),
        st.tuples(
            st.just("allocate"),
            st.integers(0, 5),
            st.dictionaries(st.sampled_from("ABCD"), st.integers(1, 4), min_size=1, max_size=3),
        ),
        st.tuples(st.just("release"), st.integers(0, 5), st.none()),
    ),
    max_size=40,
)


@given(operations)
def test_any_sequence_of_operations_keeps_the_invariant(ops: list[tuple[str, object, object]]) -> None:
    items = stock(A=3, B=3, C=0)
    allocations: dict[int, Allocation] = {}
    for kind, target, argument in ops:
        if kind == "set":
            assert isinstance(target, str)
            assert isinstance(argument, int)
            items[target].set_on_hand(argument, "L")
        elif kind == "allocate":
            assert isinstance(target, int)
            assert isinstance(argument, dict)
            if target in allocations:
                continue
            before = {sku: (i.on_hand, i.allocated) for sku, i in items.items()}
            try:
                lines = [OrderLine(sku, quantity) for sku, quantity in argument.items()]
                allocations[target] = model.allocate(f"c{target}", lines, items)
            except (OutOfStock, UnknownSkus):
                assert {sku: (i.on_hand, i.allocated) for sku, i in items.items()} == before
        elif isinstance(target, int) and target in allocations:
            model.release(allocations[target], items)
        for item in items.values():
            assert item.on_hand >= 0
            assert item.on_hand + item.allocated == item.received
            held = sum(
                line.quantity
                for allocation in allocations.values()
                if allocation.status is AllocationStatus.ALLOCATED
                for line in allocation.lines
                if line.sku == item.sku
            )
            assert item.allocated == held
