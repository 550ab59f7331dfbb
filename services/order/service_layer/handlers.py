"""The order service's use cases. Each mutating one is one transaction: the change, its outbox events,
its audit row (for cancellations) and its stored idempotent reply commit together.

Business failures become :class:`Rejection` with the stable codes workers map to BPMN errors:

====================  ======  ====================================================================
code                  status  meaning
====================  ======  ====================================================================
``CUSTOMER_BLOCKED``  409     the customer is on the block list; nothing was ordered
``TOTAL_MISMATCH``    422     a line total is not unit price × quantity, the total not their sum
                              (less discount, plus tax), or currencies differ (``errors[].path``)
``ORDER_CONFLICT``    409     the checkout already has an order with other content
``ORDER_CANCELLED``   409     the checkout's order was cancelled (or the cancellation came first)
``ORDER_NOT_FOUND``   404     no order for that checkout (reads only)
====================  ======  ====================================================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from services.common.audit import AuditOutcome
from services.common.errors import NotFound, Rejection
from services.common.idempotency.runner import IdempotentRequest, run_idempotently
from services.common.problems import VALIDATION_FAILED
from services.common.reply import Reply
from services.common.sqltypes import utc_now
from services.common.transactions import run_transaction
from services.order.domain import model
from services.order.domain.errors import (
    CustomerOnBlockList,
    OrderAlreadyCancelled,
    OrderConflict,
    TotalMismatch,
)
from services.order.domain.events import (
    CustomerBlocked,
    CustomerUnblocked,
    FulfilmentRequested,
    OrderCancelled,
    OrderCreated,
)
from services.order.domain.model import BlockedCustomer, Order, Tombstone
from services.order.service_layer.commands import (
    BlockCustomer,
    CancelOrder,
    CreateOrder,
    ListOrders,
    UnblockCustomer,
)
from services.order.service_layer.unit_of_work import OrderUnitOfWork
from services.order.service_layer.views import BlockedCustomerView, CancelView, OrderPage, OrderView, body

UnitOfWorkFactory = Callable[..., OrderUnitOfWork]
"""Opens a unit of work; ``read_only=True`` for queries."""

CUSTOMER_BLOCKED = "CUSTOMER_BLOCKED"
TOTAL_MISMATCH = "TOTAL_MISMATCH"
ORDER_CONFLICT = "ORDER_CONFLICT"
ORDER_CANCELLED = "ORDER_CANCELLED"
ORDER_NOT_FOUND = "ORDER_NOT_FOUND"

CANCEL_ACTION = "order.cancel_order"


def _total_mismatch(error: TotalMismatch) -> Rejection:
    errors = [{"path": m.path, "message": m.message} for m in error.mismatches]
    return Rejection(422, TOTAL_MISMATCH, "The amounts do not add up", str(error), {"errors": errors})


def create_order(open_uow: UnitOfWorkFactory, command: CreateOrder, request: IdempotentRequest) -> Reply:
    """Forward step: persist the checkout's order and request its fulfilment (201 with the order).

    ``OrderCreated`` and ``FulfilmentRequested`` are written with the order, so fulfilment is asked
    for exactly when an order exists. At most once per checkout, whatever the idempotency key: a
    repeat answers 200 with the existing order, or 409 when its content differs or it was cancelled.
    """

    def operation(uow: OrderUnitOfWork) -> Reply:
        existing = uow.orders.get(command.checkout_id, lock=True)
        if existing is not None:
            try:
                repeated = model.check_repeat(existing, command.details)
            except OrderAlreadyCancelled as error:
                raise Rejection(409, ORDER_CANCELLED, "Order already cancelled", str(error)) from error
            except OrderConflict as error:
                raise Rejection(409, ORDER_CONFLICT, "Checkout ordered something else", str(error)) from error
            return Reply(200, body(OrderView.of(repeated)))
        block = uow.block_list.get(command.details.customer_id)
        try:
            order = model.place(command.checkout_id, command.details, block, utc_now())
        except TotalMismatch as error:
            raise _total_mismatch(error) from error
        except CustomerOnBlockList as error:
            raise Rejection(
                409, CUSTOMER_BLOCKED, "Customer blocked", str(error), {"customer_id": error.customer_id}
            ) from error
        uow.orders.add(order)
        uow.outbox.add(OrderCreated(order))
        uow.outbox.add(FulfilmentRequested(order))
        return Reply(201, body(OrderView.of(order)))

    return run_idempotently(open_uow, request, operation)


def cancel_order(open_uow: UnitOfWorkFactory, command: CancelOrder, request: IdempotentRequest) -> Reply:
    """Compensation: cancel the checkout's order. Always 200; ``outcome`` tells what happened.

    The order is kept with status ``CANCELLED`` (an audit trail of what was sold and undone) and
    ``OrderCancelled`` tells fulfilment and loyalty. Cancelling a checkout that has no order records
    ``NOOP_NOTHING_TO_COMPENSATE`` and leaves a tombstone, so an order arriving late (a retried create
    overtaken by its compensation) is refused instead of being fulfilled. Every cancellation,
    effective or not, writes an audit row correlated by the checkout id.
    """

    def operation(uow: OrderUnitOfWork) -> Reply:
        found = uow.orders.get(command.checkout_id, lock=True)
        order: Order | None = None
        if found is None:
            uow.orders.add(Tombstone(command.checkout_id, utc_now()))
            outcome = AuditOutcome.NOOP_NOTHING_TO_COMPENSATE
        elif isinstance(found, Tombstone):
            outcome = AuditOutcome.NOOP_ALREADY_COMPENSATED
        else:
            order = found
            if model.cancel(order, utc_now()):
                uow.orders.save(order)
                uow.outbox.add(OrderCancelled(order))
                outcome = AuditOutcome.COMPENSATED
            else:
                outcome = AuditOutcome.NOOP_ALREADY_COMPENSATED
        view = CancelView(
            outcome=outcome,
            checkout_id=command.checkout_id,
            order=None if order is None else OrderView.of(order),
        )
        uow.audit.record(
            command.checkout_id,
            CANCEL_ACTION,
            outcome,
            {"idempotency_key": request.key, "order_id": None if order is None else order.order_id},
        )
        return Reply(200, body(view))

    return run_idempotently(open_uow, request, operation)


def get_order(open_uow: UnitOfWorkFactory, checkout_id: str) -> OrderView:
    with open_uow(read_only=True) as uow:
        found = uow.orders.get(checkout_id)
    if found is None:
        raise NotFound(ORDER_NOT_FOUND, "Order not found", f"checkout {checkout_id} has no order")
    if isinstance(found, Tombstone):
        raise NotFound(
            ORDER_NOT_FOUND,
            "Order not found",
            f"checkout {checkout_id} was cancelled before any order; none will be placed",
        )
    return OrderView.of(found)


def list_orders(open_uow: UnitOfWorkFactory, query: ListOrders) -> OrderPage:
    """A page of the customer's orders (confirmed and cancelled), newest first.

    ``after`` is the ``order_id`` that ended the previous page (its ``next_after``); one that is not
    the customer's is invalid input (422, path ``query.after``) rather than a silently empty page.
    """
    with open_uow(read_only=True) as uow:
        start = None
        if query.after is not None:
            start = uow.orders.page_start(query.customer_id, query.after)
            if start is None:
                message = f"order {query.after} is not one of customer {query.customer_id}'s orders"
                raise Rejection(
                    422,
                    VALIDATION_FAILED,
                    "The request is invalid",
                    f"query.after: {message}",
                    {"errors": [{"path": "query.after", "message": message}]},
                )
        orders = uow.orders.for_customer(query.customer_id, query.limit + 1, start)
    return OrderPage.of(query.customer_id, orders[: query.limit], more=len(orders) > query.limit)


def block_customer(open_uow: UnitOfWorkFactory, command: BlockCustomer) -> Reply:
    """Admin: no order is placed for the customer from now on (201 when newly blocked).

    A plain PUT: blocking again with the same reason changes nothing and writes no event, so it needs
    no idempotency key. Orders already placed are untouched.
    """

    def attempt() -> Reply:
        with open_uow() as uow:
            block = uow.block_list.get(command.customer_id, lock=True)
            status = 200
            if block is None:
                block = BlockedCustomer(command.customer_id, command.reason, utc_now())
                uow.block_list.add(block)
                status = 201
            elif block.reason != command.reason:
                block = replace(block, reason=command.reason)
                uow.block_list.save(block)
            else:
                return Reply(200, body(BlockedCustomerView.of(block)))
            uow.outbox.add(CustomerBlocked(block.customer_id, block.reason))
            uow.commit()
            return Reply(status, body(BlockedCustomerView.of(block)))

    return run_transaction(attempt, what=f"block of customer {command.customer_id}")


def unblock_customer(open_uow: UnitOfWorkFactory, command: UnblockCustomer) -> None:
    """Admin: the customer may order again. Unblocking one who is not blocked changes nothing."""

    def attempt() -> None:
        with open_uow() as uow:
            if uow.block_list.remove(command.customer_id):
                uow.outbox.add(CustomerUnblocked(command.customer_id))
                uow.commit()

    run_transaction(attempt, what=f"unblock of customer {command.customer_id}")
