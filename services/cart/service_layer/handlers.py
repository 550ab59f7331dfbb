"""The cart's use cases. Each mutating one is one transaction: the change, its outbox event, its audit
row (for compensations) and its stored idempotent reply commit together.

Business failures become :class:`Rejection` with the stable codes workers map to BPMN errors:

===========================  ======  ===========================================================
code                         status  meaning
===========================  ======  ===========================================================
``UNKNOWN_SKU``              422     some SKU is not in the catalogue (``errors[].path`` names the
                                     lines); 404 on ``GET /v1/products/{sku}``
``ITEM_NOT_SELLABLE``        409     some products are no longer sold (``skus``)
``QUANTITY_LIMIT_EXCEEDED``  409     some lines exceed their product's ``max_per_order``
                                     (``exceeded``: sku, requested, limit)
``MIXED_CURRENCY``           409     the products are priced in several currencies (``currencies``)
``RESERVATION_CONFLICT``     409     the checkout already holds a reservation of other items or for
                                     another customer
``RESERVATION_RELEASED``     409     the checkout's reservation was released; it is not made again
``RESERVATION_NOT_FOUND``    404     no reservation for that checkout (reads and check-outs)
===========================  ======  ===========================================================

The checks run in that order and the first failing one answers; nothing is reserved in any case.
``UNKNOWN_SKU`` is a 422 (the request names something that does not exist), the others are 409s (the
request is fine; the catalogue's state conflicts with it).
"""

from __future__ import annotations

from collections.abc import Callable

from services.cart.domain import model
from services.cart.domain.errors import (
    DuplicateSku,
    ItemsNotSellable,
    MixedCurrency,
    QuantityLimitExceeded,
    ReservationAlreadyReleased,
    ReservationConflict,
    UnknownSkus,
)
from services.cart.domain.events import CartCheckedOut, CartReleased, CartReserved, ProductUpdated
from services.cart.domain.model import CheckOutOutcome, Product, ReservationStatus
from services.cart.service_layer.commands import CheckOutCart, DescribeProduct, ReleaseCart, ReserveCart
from services.cart.service_layer.unit_of_work import CartUnitOfWork
from services.cart.service_layer.views import (
    CheckOutView,
    ProductView,
    ReleaseView,
    ReservationView,
    body,
)
from services.common.audit import AuditOutcome
from services.common.errors import NotFound, Rejection
from services.common.idempotency.runner import IdempotentRequest, run_idempotently
from services.common.reply import Reply
from services.common.transactions import run_transaction

UnitOfWorkFactory = Callable[..., CartUnitOfWork]
"""Opens a unit of work; ``read_only=True`` for queries."""

UNKNOWN_SKU = "UNKNOWN_SKU"
ITEM_NOT_SELLABLE = "ITEM_NOT_SELLABLE"
QUANTITY_LIMIT_EXCEEDED = "QUANTITY_LIMIT_EXCEEDED"
MIXED_CURRENCY = "MIXED_CURRENCY"
RESERVATION_CONFLICT = "RESERVATION_CONFLICT"
RESERVATION_RELEASED = "RESERVATION_RELEASED"
RESERVATION_NOT_FOUND = "RESERVATION_NOT_FOUND"
DUPLICATE_SKU = "DUPLICATE_SKU"

RELEASE_ACTION = "cart.release_reservation"

REFUSALS = (UnknownSkus, ItemsNotSellable, QuantityLimitExceeded, MixedCurrency, DuplicateSku)
"""Why :func:`services.cart.domain.model.reserve` may say no."""


def describe_product(open_uow: UnitOfWorkFactory, command: DescribeProduct) -> Reply:
    """Admin: create or replace a product's description (201 when new).

    A plain PUT: describing it the same way again changes nothing and writes no event, so it needs no
    idempotency key. What checkouts hold is untouched; their reservations keep their prices.
    """

    def attempt() -> Reply:
        with open_uow() as uow:
            product = uow.products.lock([command.sku]).get(command.sku)
            created = product is None
            if product is None:
                product = Product(
                    command.sku, command.name, command.list_price, command.max_per_order, command.sellable
                )
                uow.products.add(product)
                changed = True
            else:
                changed = product.describe(
                    command.name, command.list_price, command.max_per_order, command.sellable
                )
                if changed:
                    uow.products.save([product])
            if changed:
                uow.outbox.add(ProductUpdated.of(product, created=created))
            uow.commit()
            return Reply(201 if created else 200, body(ProductView.of(product)))

    return run_transaction(attempt, what=f"product description of {command.sku}")


def _refusal(
    error: UnknownSkus | ItemsNotSellable | QuantityLimitExceeded | MixedCurrency | DuplicateSku,
    command: ReserveCart,
) -> Rejection:
    """The problem a failed reservation answers with (see the table in the module docstring)."""
    if isinstance(error, UnknownSkus):
        unknown = set(error.skus)
        errors = [
            {"path": f"items.{index}.sku", "message": f"unknown SKU {item.sku}"}
            for index, item in enumerate(command.items)
            if item.sku in unknown
        ]
        return Rejection(
            422, UNKNOWN_SKU, "Unknown SKU", str(error), {"skus": sorted(unknown), "errors": errors}
        )
    if isinstance(error, ItemsNotSellable):
        return Rejection(409, ITEM_NOT_SELLABLE, "Item not sellable", str(error), {"skus": list(error.skus)})
    if isinstance(error, QuantityLimitExceeded):
        exceeded = [{"sku": e.sku, "requested": e.requested, "limit": e.limit} for e in error.exceeded]
        return Rejection(
            409, QUANTITY_LIMIT_EXCEEDED, "Quantity limit exceeded", str(error), {"exceeded": exceeded}
        )
    if isinstance(error, MixedCurrency):
        return Rejection(
            409, MIXED_CURRENCY, "Mixed currencies", str(error), {"currencies": list(error.currencies)}
        )
    return Rejection(422, DUPLICATE_SKU, "Duplicate SKU", str(error))


def reserve(open_uow: UnitOfWorkFactory, command: ReserveCart, request: IdempotentRequest) -> Reply:
    """Forward step: hold every item for the checkout at its list price, or nothing (201).

    At most once per checkout, whatever the idempotency key: a repeat for the same checkout answers
    200 with the existing reservation, or 409 when it names another customer or other items, or when
    the reservation was released.
    """

    def operation(uow: CartUnitOfWork) -> Reply:
        existing = uow.reservations.get(command.checkout_id, lock=True)
        if existing is not None:
            try:
                existing.check_repeat(command.customer_id, command.items)
            except ReservationAlreadyReleased as error:
                raise Rejection(
                    409, RESERVATION_RELEASED, "Reservation already released", str(error)
                ) from error
            except ReservationConflict as error:
                raise Rejection(
                    409, RESERVATION_CONFLICT, "Checkout holds another reservation", str(error)
                ) from error
            return Reply(200, body(ReservationView.of(existing)))
        uow.reservations.claim(command.checkout_id, ReservationStatus.RESERVED)
        products = uow.products.lock(item.sku for item in command.items)
        try:
            reservation = model.reserve(command.checkout_id, command.customer_id, command.items, products)
        except REFUSALS as error:
            raise _refusal(error, command) from error
        uow.products.save(products[item.sku] for item in reservation.items)
        saved = uow.reservations.save(reservation)
        total = saved.provisional_total
        assert total is not None  # a reservation holds at least one item
        uow.outbox.add(CartReserved(command.checkout_id, command.customer_id, tuple(saved.items), total))
        return Reply(201, body(ReservationView.of(saved)))

    return run_idempotently(open_uow, request, operation)


def release(open_uow: UnitOfWorkFactory, command: ReleaseCart, request: IdempotentRequest) -> Reply:
    """Compensation: give back what the checkout holds. Always 200; ``outcome`` tells what happened.

    Needs only the checkout id. Releasing a checkout that reserved nothing records
    ``NOOP_NOTHING_TO_COMPENSATE`` and leaves a released tombstone, so a reservation arriving late (a
    retried request overtaken by its compensation) is refused instead of holding units for ever. A
    checked-out reservation becomes released too (``COMPENSATED``, nothing given back: its check-out
    gave its units back already). Every release, effective or not, writes an audit row correlated by
    the checkout id.
    """

    def operation(uow: CartUnitOfWork) -> Reply:
        reservation = uow.reservations.get(command.checkout_id, lock=True)
        released: list[model.ReservedItem] = []
        if reservation is None:
            uow.reservations.claim(command.checkout_id, ReservationStatus.RELEASED)
            outcome = AuditOutcome.NOOP_NOTHING_TO_COMPENSATE
        elif reservation.status is ReservationStatus.RELEASED:
            outcome = AuditOutcome.NOOP_ALREADY_COMPENSATED
        else:
            products = uow.products.lock(item.sku for item in reservation.items)
            released = model.release(reservation, products)
            uow.products.save(products[item.sku] for item in released)  # none after a check-out
            uow.reservations.save(reservation)
            uow.outbox.add(CartReleased(command.checkout_id, tuple(released)))
            outcome = AuditOutcome.COMPENSATED
        view = ReleaseView.of(command.checkout_id, outcome, released)
        uow.audit.record(
            command.checkout_id,
            RELEASE_ACTION,
            outcome,
            {"idempotency_key": request.key, "released": body(view)["released"]},
        )
        return Reply(200, body(view))

    return run_idempotently(open_uow, request, operation)


def check_out(open_uow: UnitOfWorkFactory, command: CheckOutCart, request: IdempotentRequest) -> Reply:
    """The checkout's order was created: its reservation stops holding units (200; ``outcome`` tells
    whether this call ended the hold, an earlier one did, or the checkout was compensated first).

    Called by the ``cart-checkouts`` consumer group on ``OrderCreated``, not by the saga: the order
    is the saga's last step, and ending the hold is no reason to fail a checkout.
    """

    def operation(uow: CartUnitOfWork) -> Reply:
        reservation = uow.reservations.get(command.checkout_id, lock=True)
        if reservation is None:
            raise Rejection(
                404,
                RESERVATION_NOT_FOUND,
                "Reservation not found",
                f"checkout {command.checkout_id} has no reservation",
            )
        products = uow.products.lock(item.sku for item in reservation.items)
        outcome = model.check_out(reservation, products)
        if outcome is CheckOutOutcome.CHECKED_OUT:
            uow.products.save(products.values())
            reservation = uow.reservations.save(reservation)
            uow.outbox.add(CartCheckedOut(command.checkout_id, tuple(reservation.items)))
        return Reply(200, body(CheckOutView.of(reservation, outcome)))

    return run_idempotently(open_uow, request, operation)


def get_reservation(open_uow: UnitOfWorkFactory, checkout_id: str) -> ReservationView:
    with open_uow(read_only=True) as uow:
        reservation = uow.reservations.get(checkout_id)
    if reservation is None:
        raise NotFound(
            RESERVATION_NOT_FOUND, "Reservation not found", f"checkout {checkout_id} has no reservation"
        )
    return ReservationView.of(reservation)


def get_product(open_uow: UnitOfWorkFactory, sku: str) -> ProductView:
    with open_uow(read_only=True) as uow:
        product = uow.products.get(sku)
    if product is None:
        raise NotFound(UNKNOWN_SKU, "Unknown SKU", f"SKU {sku} is not in the catalogue")
    return ProductView.of(product)
