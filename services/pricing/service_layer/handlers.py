"""Pricing's saga use cases: quote a checkout, void its quote. Each is one transaction: the quote, the
promotion's redemption, the outbox event, the audit row (for voids) and the stored idempotent reply
commit together.

Business failures become :class:`Rejection` with the stable codes workers map to BPMN errors:

========================  ======  ===============================================================
code                      status  meaning
========================  ======  ===============================================================
``UNKNOWN_SKU``           422     some SKU has no price (``skus``; ``errors[].path`` = ``items.N.sku``)
``UNSUPPORTED_REGION``    422     no tax rate for the shipping region (``errors[].path`` =
                                  ``shipping_region``)
``MIXED_CURRENCY``        409     the items are priced in several currencies (``currencies``)
``INVALID_PROMO``         409     the promotion cannot apply; ``reason``: ``UNKNOWN``, ``INACTIVE``,
                                  ``EXPIRED``, ``EXHAUSTED``, ``CURRENCY_MISMATCH``, ``BELOW_MINIMUM``
``QUOTE_CONFLICT``        409     the checkout already has a quote of something else
``QUOTE_VOIDED``          409     the checkout's quote was voided; it is not quoted again
``QUOTE_NOT_FOUND``       404     no quote for that checkout (reads only)
========================  ======  ===============================================================

The checks run in that order and the first failing one answers; nothing is written in any case (the
rejection itself is stored under the idempotency key).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from services.common.audit import AuditOutcome
from services.common.errors import NotFound, Rejection
from services.common.idempotency.runner import IdempotentRequest, run_idempotently
from services.common.reply import Reply
from services.common.sqltypes import utc_now
from services.pricing.domain import model
from services.pricing.domain.errors import (
    DuplicateSku,
    InvalidPromotion,
    MixedCurrency,
    QuoteAlreadyVoided,
    QuoteConflict,
    UnknownSkus,
    UnsupportedRegion,
)
from services.pricing.domain.events import PriceQuoted, QuoteVoided
from services.pricing.domain.model import QuoteStatus
from services.pricing.service_layer.commands import QuoteCheckout, VoidQuote
from services.pricing.service_layer.unit_of_work import PricingUnitOfWork
from services.pricing.service_layer.views import QuoteView, VoidView, body

UnitOfWorkFactory = Callable[..., PricingUnitOfWork]
"""Opens a unit of work; ``read_only=True`` for queries."""

UNKNOWN_SKU = "UNKNOWN_SKU"
UNSUPPORTED_REGION = "UNSUPPORTED_REGION"
MIXED_CURRENCY = "MIXED_CURRENCY"
INVALID_PROMO = "INVALID_PROMO"
QUOTE_CONFLICT = "QUOTE_CONFLICT"
QUOTE_VOIDED = "QUOTE_VOIDED"
QUOTE_NOT_FOUND = "QUOTE_NOT_FOUND"
DUPLICATE_SKU = "DUPLICATE_SKU"

VOID_ACTION = "pricing.void_quote"

REFUSALS = (UnknownSkus, UnsupportedRegion, MixedCurrency, InvalidPromotion, DuplicateSku)
"""Why :func:`services.pricing.domain.model.quote` may say no."""


def _refusal(
    error: UnknownSkus | UnsupportedRegion | MixedCurrency | InvalidPromotion | DuplicateSku,
    command: QuoteCheckout,
) -> Rejection:
    """The problem a refused quote answers with (see the table in the module docstring)."""
    if isinstance(error, UnknownSkus):
        unknown = set(error.skus)
        errors = [
            {"path": f"items.{index}.sku", "message": f"no price for SKU {item.sku}"}
            for index, item in enumerate(command.request.items)
            if item.sku in unknown
        ]
        return Rejection(
            422, UNKNOWN_SKU, "Unknown SKU", str(error), {"skus": sorted(unknown), "errors": errors}
        )
    if isinstance(error, UnsupportedRegion):
        errors = [{"path": "shipping_region", "message": f"no tax rate for region {error.region}"}]
        return Rejection(
            422, UNSUPPORTED_REGION, "Unsupported shipping region", str(error), {"errors": errors}
        )
    if isinstance(error, MixedCurrency):
        return Rejection(
            409, MIXED_CURRENCY, "Mixed currencies", str(error), {"currencies": list(error.currencies)}
        )
    if isinstance(error, InvalidPromotion):
        return Rejection(
            409,
            INVALID_PROMO,
            "Invalid promotion code",
            str(error),
            {"reason": error.reason.value, "promo_code": error.code},
        )
    return Rejection(422, DUPLICATE_SKU, "Duplicate SKU", str(error))


def new_quote_id() -> str:
    return str(uuid.uuid4())


def quote(open_uow: UnitOfWorkFactory, command: QuoteCheckout, request: IdempotentRequest) -> Reply:
    """Forward step: price the checkout, lock its unit prices and take the promotion's redemption (201).

    At most once per checkout, whatever the idempotency key: a repeat with the same customer, items,
    region and promotion code answers 200 with the existing quote (its locked prices, whatever the
    price list says now), or 409 when it asks for something else or the quote was voided.
    """

    def operation(uow: PricingUnitOfWork) -> Reply:
        existing = uow.quotes.get(command.checkout_id, lock=True)
        if existing is not None:
            try:
                existing.check_repeat(command.request)
            except QuoteAlreadyVoided as error:
                raise Rejection(409, QUOTE_VOIDED, "Quote already voided", str(error)) from error
            except QuoteConflict as error:
                raise Rejection(409, QUOTE_CONFLICT, "Checkout has another quote", str(error)) from error
            return Reply(200, body(QuoteView.of(existing)))
        uow.quotes.claim(command.checkout_id, QuoteStatus.ACTIVE)
        wanted = command.request
        prices = uow.unit_prices([item.sku for item in wanted.items])
        rate_bp = uow.tax_rates.get(wanted.shipping_region)
        code = wanted.promo_code
        promotion = None if code is None else uow.promotions.get(code, lock=True)
        try:
            priced = model.quote(
                command.checkout_id, new_quote_id(), wanted, prices, rate_bp, promotion, utc_now()
            )
        except REFUSALS as error:
            raise _refusal(error, command) from error
        if promotion is not None:
            uow.promotions.put(promotion)
        saved = uow.quotes.save(priced)
        uow.outbox.add(PriceQuoted(saved))
        return Reply(201, body(QuoteView.of(saved)))

    return run_idempotently(open_uow, request, operation)


def void(open_uow: UnitOfWorkFactory, command: VoidQuote, request: IdempotentRequest) -> Reply:
    """Compensation: void the checkout's quote and give its promotion redemption back. Always 200.

    Needs only the checkout id. Voiding a checkout that was never quoted records
    ``NOOP_NOTHING_TO_COMPENSATE`` and leaves a voided tombstone, so a quote arriving late (a retried
    request overtaken by its compensation) is refused instead of holding a redemption for ever. Every
    void, effective or not, writes an audit row correlated by the checkout id.
    """

    def operation(uow: PricingUnitOfWork) -> Reply:
        found = uow.quotes.get(command.checkout_id, lock=True)
        returned: str | None = None
        if found is None:
            uow.quotes.claim(command.checkout_id, QuoteStatus.VOIDED)
            outcome = AuditOutcome.NOOP_NOTHING_TO_COMPENSATE
        elif found.status is QuoteStatus.VOIDED:
            outcome = AuditOutcome.NOOP_ALREADY_COMPENSATED
        else:
            code = found.promo_code
            promotion = None if code is None else uow.promotions.get(code, lock=True)
            model.void(found, promotion)
            if promotion is not None:
                uow.promotions.put(promotion)
                returned = promotion.code
            uow.quotes.save(found)
            assert found.quote_id is not None
            uow.outbox.add(QuoteVoided(command.checkout_id, found.quote_id, returned))
            outcome = AuditOutcome.COMPENSATED
        quote_id = None if found is None else found.quote_id
        uow.audit.record(
            command.checkout_id,
            VOID_ACTION,
            outcome,
            {"idempotency_key": request.key, "quote_id": quote_id, "redemption_returned": returned},
        )
        return Reply(200, body(VoidView(outcome=outcome, checkout_id=command.checkout_id, quote_id=quote_id)))

    return run_idempotently(open_uow, request, operation)


def get_quote(open_uow: UnitOfWorkFactory, checkout_id: str) -> QuoteView:
    with open_uow(read_only=True) as uow:
        found = uow.quotes.get(checkout_id)
    if found is None:
        raise NotFound(QUOTE_NOT_FOUND, "Quote not found", f"checkout {checkout_id} has no quote")
    return QuoteView.of(found)
