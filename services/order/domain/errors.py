"""Why the order service said no. The service layer turns these into problem codes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Mismatch:
    """One amount that does not add up: the request field (``items.1.line_total``) and why."""

    path: str
    message: str


class OrderError(Exception):
    """Base of every business rule violation of the order service."""


class TotalMismatch(OrderError):
    """The amounts of the request contradict each other (or mix currencies); nothing was ordered."""

    def __init__(self, mismatches: Sequence[Mismatch]) -> None:
        super().__init__("; ".join(f"{m.path}: {m.message}" for m in mismatches))
        self.mismatches = tuple(mismatches)


class CustomerOnBlockList(OrderError):
    """The customer is on the block list: no order is placed for them."""

    def __init__(self, customer_id: str) -> None:
        super().__init__(f"customer {customer_id} is blocked from ordering")
        self.customer_id = customer_id


class OrderConflict(OrderError):
    """The checkout already has an order with other content."""


class OrderAlreadyCancelled(OrderError):
    """The checkout's order was cancelled (or the cancellation came first): it is not placed again."""
