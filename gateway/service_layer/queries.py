"""Read checkouts: one, or a client's checkouts for a customer (waiting for one to settle: ``waiting``).

A client sees only its own checkouts; another client's checkout answers exactly like a missing one
(404 ``CHECKOUT_NOT_FOUND``), so ids cannot be probed. A checkout whose instance has ended is answered
from the gateway's database (its document was stored when the end was first seen); any other one with
an instance is read from Operate on every request.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence

from starlette.concurrency import run_in_threadpool

from gateway.domain.cursor import Cursor, InvalidCursor
from gateway.domain.lifecycle import LifecycleEvent, announced_status
from gateway.domain.model import Checkout
from gateway.domain.progress import progress_of
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
LIST_CONCURRENCY = 8


def _load(ctx: GatewayContext, client_id: str, checkout_id: str) -> Checkout | None:
    with ctx.uow(read_only=True) as uow:
        return uow.checkouts.get(checkout_id, client_id)


async def find(ctx: GatewayContext, client_id: str, checkout_id: str) -> Checkout:
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
    return await current_document(ctx, await find(ctx, client_id, checkout_id))


def _lifecycle(ctx: GatewayContext, checkout_id: str) -> list[LifecycleEvent]:
    with ctx.uow(read_only=True) as uow:
        return uow.projection.lifecycle(checkout_id)


async def checkout_lifecycle(ctx: GatewayContext, client_id: str, checkout_id: str) -> CheckoutLifecycle:
    checkout = await find(ctx, client_id, checkout_id)
    events = await run_in_threadpool(_lifecycle, ctx, checkout.id)
    return CheckoutLifecycle(
        checkout_id=checkout.id,
        status=announced_status(events),
        events=[LifecycleEventView.of(event) for event in events],
    )


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
