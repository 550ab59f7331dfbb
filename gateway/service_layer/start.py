"""Start a checkout: record it and commit FIRST, then create its process instance, then record the key.

Recording first means no crash can lose a checkout the client was told about: a checkout whose instance
was never started stays PENDING, and the recovery loop (``recovery.py``) starts it. The request that
records a checkout holds its start claim (lease) while it calls Zeebe, so no replica's recovery pass
starts it at the same time; when Zeebe is unreachable the claim is given up and the client still gets
its 202, with status PENDING.

Idempotency is per client: the first request with a key records the checkout; the same key and the
same body (sha256 fingerprint) answer that checkout again; the same key with another body is a 409.
Concurrent requests with one key collide on the key's primary key: the loser's transaction is rerun
and finds the winner's checkout.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool

from gateway.adapters.repository import StartOrder
from gateway.adapters.zeebe import StartFailed
from gateway.domain.model import Checkout, CheckoutRequest, CheckoutStatus, StartedInstance, start_variables
from gateway.service_layer.context import GatewayContext
from services.common.errors import Rejection
from services.common.problems import IDEMPOTENCY_KEY_REUSED
from services.common.sqltypes import utc_now
from services.common.transactions import run_transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Started:
    checkout: Checkout
    replayed: bool


@dataclass(frozen=True)
class IdempotentStart:
    client_id: str
    key: str
    fingerprint: str


def _record(
    ctx: GatewayContext, request: IdempotentStart, checkout_request: CheckoutRequest, payment_token: str
) -> Started:
    def attempt() -> Started:
        now = utc_now()
        with ctx.uow() as uow:
            stored = uow.checkouts.find_request(request.client_id, request.key)
            if stored is not None:
                if stored.fingerprint != request.fingerprint:
                    raise Rejection(
                        409,
                        IDEMPOTENCY_KEY_REUSED,
                        "Idempotency key reused with a different request",
                        "This key was first used with another request; use a new key for a new checkout.",
                    )
                existing = uow.checkouts.get(stored.checkout_id)
                assert existing is not None, "a checkout request always points at its checkout"
                return Started(existing, replayed=True)
            checkout = Checkout(
                id=str(uuid.uuid4()),
                client_id=request.client_id,
                customer_id=checkout_request.customer_id,
                items=checkout_request.items,
                shipping_region=checkout_request.shipping_region,
                promo_code=checkout_request.promo_code,
                status=CheckoutStatus.PENDING,
                process_instance_key=None,
                created_at=now,
                updated_at=now,
            )
            uow.checkouts.add(checkout, payment_token, ctx.replica_id, now + ctx.lease)
            uow.checkouts.add_request(request.client_id, request.key, request.fingerprint, checkout.id, now)
            uow.commit()
            return Started(checkout, replayed=False)

    return run_transaction(attempt, what="checkout request")


def _record_started(
    ctx: GatewayContext, checkout_id: str, instance: StartedInstance
) -> tuple[bool, Checkout]:
    """Whether ``instance``'s key was recorded (False: another instance's was, first), and the checkout
    as it then is."""

    def attempt() -> tuple[bool, Checkout]:
        with ctx.uow() as uow:
            recorded = uow.checkouts.record_started(checkout_id, instance, utc_now())
            checkout = uow.checkouts.get(checkout_id)
            uow.commit()
        assert checkout is not None
        return recorded, checkout

    return run_transaction(attempt, what=f"recording the instance of checkout {checkout_id}")


def _release(ctx: GatewayContext, checkout_id: str) -> None:
    with ctx.uow() as uow:
        uow.checkouts.release(checkout_id, ctx.replica_id)
        uow.commit()


async def start_instance(ctx: GatewayContext, order: StartOrder) -> Checkout:
    """Create the checkout's process instance and record its key; on failure give up the claim.

    Answers the checkout as it now is: RUNNING with its key, or still PENDING. A crash after
    CreateProcessInstance but before the key is recorded leaves the checkout PENDING; recovery then
    follows the instance left behind (:func:`adopt_or_start_instance`) rather than starting another.
    """
    checkout = order.checkout
    variables = start_variables(checkout, order.payment_token, ctx.payment_timeout)
    try:
        instance = await ctx.starter.start(variables, ctx.rollout.version_for(checkout.id))
    except StartFailed as failure:
        log.warning(
            "checkout %s: process instance not started (%s); it stays PENDING for recovery",
            checkout.id,
            failure.reason,
        )
        await run_in_threadpool(_release, ctx, checkout.id)
        return checkout
    recorded, current = await run_in_threadpool(_record_started, ctx, checkout.id, instance)
    if not recorded:
        log.warning(
            "checkout %s: a second process instance %d was started; the first recorded one is followed "
            "(should the second fail a step, its compensations undo effects the first shares with it)",
            checkout.id,
            instance.key,
        )
        return current
    log.info(
        "checkout %s: process instance %d started on version %d", checkout.id, instance.key, instance.version
    )
    return current


async def adopt_or_start_instance(ctx: GatewayContext, order: StartOrder) -> Checkout:
    """Recovery's start: the instance a crashed start left behind if Operate shows one, else a new one.

    A gateway that crashed after CreateProcessInstance answered, before it recorded the key, left an
    instance running with no record of it. Starting a second one would not be harmless: both sagas
    share their effects (every step is keyed by the checkout id), so if the second failed a step its
    compensations would undo the first's, which completes: an order with its payment refunded. So the
    instance Operate knows for the checkout (``checkoutId`` in its root scope; the oldest, should there
    be several) is recorded and followed instead. Recovery runs only once the crashed replica's claim
    expired, which leaves Operate that long to import the instance; while Operate cannot be asked, its
    :class:`~services.common.errors.TemporaryFailure` stops the pass and nothing is started blind.
    """
    checkout = order.checkout
    existing = await ctx.reader.instances_of_checkout(checkout.id)
    if not existing:
        return await start_instance(ctx, order)
    instance = existing[0]
    log.warning(
        "checkout %s: following process instance %d, which a start interrupted before its key was recorded",
        checkout.id,
        instance.key,
    )
    _, current = await run_in_threadpool(_record_started, ctx, checkout.id, instance)
    return current


async def start_checkout(
    ctx: GatewayContext, request: IdempotentStart, checkout_request: CheckoutRequest, payment_token: str
) -> Started:
    """Record the checkout (or find the one this key recorded), then start its instance if new."""
    recorded = await run_in_threadpool(_record, ctx, request, checkout_request, payment_token)
    if recorded.replayed:
        return recorded
    checkout = await start_instance(ctx, StartOrder(recorded.checkout, payment_token))
    return dataclasses.replace(recorded, checkout=checkout)
