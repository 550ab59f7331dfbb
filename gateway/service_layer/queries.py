"""Read checkouts: one (optionally waiting until it settles), or a client's checkouts for a customer.

A client sees only its own checkouts; another client's checkout answers exactly like a missing one
(404 ``CHECKOUT_NOT_FOUND``), so ids cannot be probed. A checkout whose instance has ended is answered
from the gateway's database (its document was stored when the end was first seen); any other one with
an instance is read from Operate on every request.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Sequence

from starlette.concurrency import run_in_threadpool

from gateway.domain.cursor import Cursor, InvalidCursor
from gateway.domain.lifecycle import LifecycleEvent, announced_status
from gateway.domain.model import SETTLED, Checkout
from gateway.domain.progress import InstanceState, progress_of
from gateway.service_layer.context import GatewayContext
from gateway.service_layer.views import (
    CheckoutDocument,
    CheckoutLifecycle,
    CheckoutPage,
    LifecycleEventView,
    body,
    document_of,
)
from services.common.errors import NotFound, Rejection
from services.common.problems import VALIDATION_FAILED

log = logging.getLogger(__name__)

CHECKOUT_NOT_FOUND = "CHECKOUT_NOT_FOUND"
FIRST_POLL_SECONDS = 0.05
LONGEST_POLL_SECONDS = 0.5
OPERATE_SAFETY_NET_SECONDS = 2.0
LONGEST_SAFETY_NET_SECONDS = 8.0
LIST_CONCURRENCY = 8


def _load(ctx: GatewayContext, client_id: str, checkout_id: str) -> Checkout | None:
    with ctx.uow(read_only=True) as uow:
        return uow.checkouts.get(checkout_id, client_id)


async def _find(ctx: GatewayContext, client_id: str, checkout_id: str) -> Checkout:
    try:
        uuid.UUID(checkout_id)
    except ValueError:
        checkout = None
    else:
        checkout = await run_in_threadpool(_load, ctx, client_id, checkout_id)
    if checkout is None:
        raise NotFound(CHECKOUT_NOT_FOUND, "Checkout not found", f"There is no checkout {checkout_id}.")
    return checkout


def _store_final(ctx: GatewayContext, checkout_id: str, document: CheckoutDocument) -> None:
    with ctx.uow() as uow:
        uow.checkouts.store_final(checkout_id, document.status, body(document), document.updated_at)
        uow.commit()


async def current_document(ctx: GatewayContext, checkout: Checkout) -> CheckoutDocument:
    """The checkout's document now: stored once final, else from its record and Operate."""
    if checkout.final_document is not None:
        return CheckoutDocument.model_validate(checkout.final_document)
    if checkout.process_instance_key is None:
        return document_of(checkout)
    progress = progress_of(await ctx.reader.snapshot(checkout.process_instance_key))
    document = document_of(checkout, progress)
    if progress.final:
        await run_in_threadpool(_store_final, ctx, checkout.id, document)
    return document


async def checkout_document(ctx: GatewayContext, client_id: str, checkout_id: str) -> CheckoutDocument:
    return await current_document(ctx, await _find(ctx, client_id, checkout_id))


def _announced_settled(ctx: GatewayContext, checkout_id: str) -> bool:
    with ctx.uow(read_only=True) as uow:
        return uow.projection.announced_settled(checkout_id)


def _lifecycle(ctx: GatewayContext, checkout_id: str) -> list[LifecycleEvent]:
    with ctx.uow(read_only=True) as uow:
        return uow.projection.lifecycle(checkout_id)


async def _may_have_settled(ctx: GatewayContext, checkout: Checkout, *, ask_operate: bool) -> bool:
    """A cheap probe telling whether the full document is worth reading again: the checkout
    projection (a read of this gateway's own database), and one Operate call when ``ask_operate``
    (the projection may lag, and incidents and cancellations are seen there first)."""
    if checkout.process_instance_key is None:
        return False
    if await run_in_threadpool(_announced_settled, ctx, checkout.id):
        return True
    if not ask_operate:
        return False
    instance = await ctx.reader.instance(checkout.process_instance_key)
    return instance is not None and (instance.state is not InstanceState.ACTIVE or instance.incident)


async def checkout_lifecycle(ctx: GatewayContext, client_id: str, checkout_id: str) -> CheckoutLifecycle:
    checkout = await _find(ctx, client_id, checkout_id)
    events = await run_in_threadpool(_lifecycle, ctx, checkout.id)
    return CheckoutLifecycle(
        checkout_id=checkout.id,
        status=announced_status(events),
        events=[LifecycleEventView.of(event) for event in events],
    )


class _OperateSchedule:
    """When a waiting request asks Operate about its instance.

    Without a projection in this gateway Operate is the only source, asked at every probe. With one,
    its announcements wake the waiter (:class:`Settlements`), and Operate is only the safety net for
    a projection that lags (and for what only Operate sees, such as an operator cancelling the
    instance): asked after 2 s, then at doubling intervals up to 8 s."""

    def __init__(self, ctx: GatewayContext) -> None:
        self._always = ctx.settlements is None
        self._interval = OPERATE_SAFETY_NET_SECONDS
        self._next = time.monotonic() + self._interval

    def due(self) -> bool:
        if self._always:
            return True
        if time.monotonic() < self._next:
            return False
        self._interval = min(self._interval * 2, LONGEST_SAFETY_NET_SECONDS)
        self._next = time.monotonic() + self._interval
        return True


async def _pause(ctx: GatewayContext, checkout_id: str, seconds: float) -> None:
    """Sleep ``seconds``, or less when this gateway's projection announces the checkout settled."""
    if ctx.settlements is None:
        await asyncio.sleep(seconds)
    else:
        await ctx.settlements.wait(checkout_id, seconds)


async def wait_for_document(
    ctx: GatewayContext, client_id: str, checkout_id: str, wait_seconds: float
) -> CheckoutDocument:
    """The document as soon as the checkout settles (COMPLETED, COMPENSATED, FAILED) or when
    ``wait_seconds`` have passed, whichever is first. Between probes it pauses with growing
    intervals (50 ms to 500 ms), cut short by this gateway's projection announcing the settlement.
    A probe reads the checkout projection (an announcement another replica stored) and, when the
    :class:`_OperateSchedule` says so, the instance's state (one Operate call); the full document
    (three or four Operate calls) is read only once a probe says the checkout may have settled, or
    when the time is up. Under load, the probes are most of what a waiting client costs."""
    checkout = await _find(ctx, client_id, checkout_id)
    deadline = time.monotonic() + wait_seconds
    interval = FIRST_POLL_SECONDS
    operate = _OperateSchedule(ctx)
    while True:
        if checkout.final_document is not None or await _may_have_settled(
            ctx, checkout, ask_operate=operate.due()
        ):
            document = await current_document(ctx, checkout)
            if document.status in SETTLED:
                return document
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return await current_document(ctx, checkout)
        await _pause(ctx, checkout.id, min(interval, remaining))
        interval = min(interval * 2, LONGEST_POLL_SECONDS)
        if checkout.process_instance_key is None:
            checkout = await _find(ctx, client_id, checkout_id)  # recovery may have started it


def _list(
    ctx: GatewayContext, client_id: str, customer_id: str, after: Cursor | None, limit: int
) -> list[Checkout]:
    with ctx.uow(read_only=True) as uow:
        return uow.checkouts.list_for_customer(client_id, customer_id, after, limit)


def _cursor(text: str | None) -> Cursor | None:
    if text is None:
        return None
    try:
        return Cursor.decode(text)
    except InvalidCursor:
        raise Rejection(
            422,
            VALIDATION_FAILED,
            "The request is invalid",
            "query.cursor: not a cursor of this list",
            {"errors": [{"path": "query.cursor", "message": "not a cursor of this list"}]},
        ) from None


async def _documents(ctx: GatewayContext, checkouts: Sequence[Checkout]) -> list[CheckoutDocument]:
    limit = asyncio.Semaphore(LIST_CONCURRENCY)

    async def one(checkout: Checkout) -> CheckoutDocument:
        async with limit:
            return await current_document(ctx, checkout)

    return list(await asyncio.gather(*(one(checkout) for checkout in checkouts)))


async def list_checkouts(
    ctx: GatewayContext, client_id: str, customer_id: str, limit: int, cursor: str | None
) -> CheckoutPage:
    """The client's checkouts for ``customer_id``, newest first, ``limit`` per page."""
    after = _cursor(cursor)
    found = await run_in_threadpool(_list, ctx, client_id, customer_id, after, limit + 1)
    page = found[:limit]
    next_cursor = Cursor(page[-1].created_at, page[-1].id).encode() if len(found) > limit else None
    return CheckoutPage(items=await _documents(ctx, page), next_cursor=next_cursor)
