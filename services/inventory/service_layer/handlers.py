"""The inventory's use cases. Each mutating one is one transaction: the change, its outbox event, its
audit row (for compensations) and its stored idempotent reply commit together.

Business failures become :class:`Rejection` with the stable codes workers map to BPMN errors:

========================  ======  ===========================================================
code                      status  meaning
========================  ======  ===========================================================
``OUT_OF_STOCK``          409     some line wants more than is on hand; nothing was allocated
``UNKNOWN_SKU``           422     some SKU was never stocked (``errors[].path`` names the lines)
``ALLOCATION_CONFLICT``   409     the checkout already holds an allocation of other items
``ALLOCATION_RELEASED``   409     the checkout's stock was released; it is not allocated again
``ALLOCATION_NOT_FOUND``  404     no allocation for that checkout (reads only)
========================  ======  ===========================================================

``OUT_OF_STOCK`` is a 409 (the request is fine; the state of the stock conflicts with it), while
``UNKNOWN_SKU`` is a 422 (the request names something that does not exist).
"""

from __future__ import annotations

from collections.abc import Callable

from services.common.audit import AuditOutcome
from services.common.errors import NotFound, Rejection
from services.common.idempotency.runner import IdempotentRequest, run_idempotently
from services.common.reply import Reply
from services.common.transactions import run_transaction
from services.inventory.domain import model
from services.inventory.domain.errors import (
    AllocationAlreadyReleased,
    AllocationConflict,
    DuplicateSku,
    OutOfStock,
    UnknownSkus,
)
from services.inventory.domain.events import StockAllocated, StockLevelSet, StockReleased
from services.inventory.domain.model import AllocationStatus, StockItem
from services.inventory.service_layer.commands import AllocateStock, ReleaseStock, SetStock
from services.inventory.service_layer.unit_of_work import InventoryUnitOfWork
from services.inventory.service_layer.views import AllocationView, ReleaseView, StockView, body

UnitOfWorkFactory = Callable[..., InventoryUnitOfWork]
"""Opens a unit of work; ``read_only=True`` for queries."""

OUT_OF_STOCK = "OUT_OF_STOCK"
UNKNOWN_SKU = "UNKNOWN_SKU"
ALLOCATION_CONFLICT = "ALLOCATION_CONFLICT"
ALLOCATION_RELEASED = "ALLOCATION_RELEASED"
ALLOCATION_NOT_FOUND = "ALLOCATION_NOT_FOUND"
DUPLICATE_SKU = "DUPLICATE_SKU"

RELEASE_ACTION = "inventory.release_stock"


def set_stock(open_uow: UnitOfWorkFactory, command: SetStock) -> Reply:
    """Admin: ``command.on_hand`` free units of the SKU at ``command.location`` (201 when new).

    A plain PUT: setting the same values again changes nothing and writes no event, so it needs no
    idempotency key.
    """

    def attempt() -> Reply:
        with open_uow() as uow:
            item = uow.stock.lock([command.sku]).get(command.sku)
            created = item is None
            if item is None:
                item = StockItem(sku=command.sku, location=command.location)
                delta = item.set_on_hand(command.on_hand, command.location)
                uow.stock.add(item)
                changed = True
            else:
                before = (item.on_hand, item.location)
                delta = item.set_on_hand(command.on_hand, command.location)
                changed = before != (item.on_hand, item.location)
                if changed:
                    uow.stock.save([item])
            if changed:
                uow.outbox.add(
                    StockLevelSet(
                        sku=item.sku,
                        location=item.location,
                        on_hand=item.on_hand,
                        allocated=item.allocated,
                        received=item.received,
                        received_delta=delta,
                    )
                )
            uow.commit()
            return Reply(201 if created else 200, body(StockView.of(item)))

    return run_transaction(attempt, what=f"stock setting of {command.sku}")


def _unknown_sku(error: UnknownSkus, command: AllocateStock) -> Rejection:
    unknown = set(error.skus)
    errors = [
        {"path": f"items.{index}.sku", "message": f"unknown SKU {line.sku}"}
        for index, line in enumerate(command.lines)
        if line.sku in unknown
    ]
    return Rejection(422, UNKNOWN_SKU, "Unknown SKU", str(error), {"skus": sorted(unknown), "errors": errors})


def _out_of_stock(error: OutOfStock) -> Rejection:
    shortfalls = [
        {"sku": s.sku, "requested": s.requested, "available": s.available} for s in error.shortfalls
    ]
    return Rejection(409, OUT_OF_STOCK, "Out of stock", str(error), {"shortfalls": shortfalls})


def allocate(open_uow: UnitOfWorkFactory, command: AllocateStock, request: IdempotentRequest) -> Reply:
    """Forward step: take every line from stock for the checkout, or nothing (201 with the allocation).

    At most once per checkout, whatever the idempotency key: a repeat for the same checkout answers
    200 with the existing allocation, or 409 when it asks for other items or was released.
    """

    def operation(uow: InventoryUnitOfWork) -> Reply:
        existing = uow.allocations.get(command.checkout_id, lock=True)
        if existing is not None:
            try:
                existing.check_repeat(command.lines)
            except AllocationAlreadyReleased as error:
                raise Rejection(
                    409, ALLOCATION_RELEASED, "Allocation already released", str(error)
                ) from error
            except AllocationConflict as error:
                raise Rejection(409, ALLOCATION_CONFLICT, "Checkout holds other items", str(error)) from error
            return Reply(200, body(AllocationView.of(existing)))
        uow.allocations.reserve(command.checkout_id, AllocationStatus.ALLOCATED)
        stock = uow.stock.lock(line.sku for line in command.lines)
        try:
            allocation = model.allocate(command.checkout_id, command.lines, stock)
        except UnknownSkus as error:
            raise _unknown_sku(error, command) from error
        except OutOfStock as error:
            raise _out_of_stock(error) from error
        except DuplicateSku as error:
            raise Rejection(422, DUPLICATE_SKU, "Duplicate SKU", str(error)) from error
        uow.stock.save(stock[line.sku] for line in allocation.lines)
        saved = uow.allocations.save(allocation)
        uow.outbox.add(StockAllocated(command.checkout_id, tuple(allocation.lines)))
        return Reply(201, body(AllocationView.of(saved)))

    return run_idempotently(open_uow, request, operation)


def release(open_uow: UnitOfWorkFactory, command: ReleaseStock, request: IdempotentRequest) -> Reply:
    """Compensation: give back what the checkout holds. Always 200; ``outcome`` tells what happened.

    Needs only the checkout id. Releasing a checkout that allocated nothing records
    ``NOOP_NOTHING_TO_COMPENSATE`` and leaves a released tombstone, so an allocation arriving late (a
    retried request overtaken by its compensation) is refused instead of stranding stock. Every
    release, effective or not, writes an audit row correlated by the checkout id.
    """

    def operation(uow: InventoryUnitOfWork) -> Reply:
        allocation = uow.allocations.get(command.checkout_id, lock=True)
        released: list[model.AllocationLine] = []
        if allocation is None:
            uow.allocations.reserve(command.checkout_id, AllocationStatus.RELEASED)
            outcome = AuditOutcome.NOOP_NOTHING_TO_COMPENSATE
        elif allocation.status is AllocationStatus.RELEASED:
            outcome = AuditOutcome.NOOP_ALREADY_COMPENSATED
        else:
            stock = uow.stock.lock(line.sku for line in allocation.lines)
            released = model.release(allocation, stock)
            uow.stock.save(stock.values())
            uow.allocations.save(allocation)
            uow.outbox.add(StockReleased(command.checkout_id, tuple(released)))
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


def get_allocation(open_uow: UnitOfWorkFactory, checkout_id: str) -> AllocationView:
    with open_uow(read_only=True) as uow:
        allocation = uow.allocations.get(checkout_id)
    if allocation is None:
        raise NotFound(ALLOCATION_NOT_FOUND, "Allocation not found", f"checkout {checkout_id} holds no stock")
    return AllocationView.of(allocation)


def get_stock(open_uow: UnitOfWorkFactory, sku: str) -> StockView:
    with open_uow(read_only=True) as uow:
        item = uow.stock.get(sku)
    if item is None:
        raise NotFound(UNKNOWN_SKU, "Unknown SKU", f"SKU {sku} has never been stocked")
    return StockView.of(item)
