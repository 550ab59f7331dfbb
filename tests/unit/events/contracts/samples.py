"""Real domain events of every service, built the way the services' use cases build them (through
the domain's own rules and transitions), with each nullable field seen both set and null."""

from __future__ import annotations

from datetime import UTC, datetime

from services.cart.domain import events as cart_events
from services.cart.domain import model as cart
from services.common.money import Money
from services.common.outbox import DomainEvent
from services.inventory.domain import events as inventory_events
from services.inventory.domain import model as inventory
from services.loyalty.domain import events as loyalty_events
from services.loyalty.domain import model as loyalty
from services.order.domain import events as order_events
from services.order.domain import model as order
from services.payment.domain import events as payment_events
from services.payment.domain import model as payment
from services.pricing.domain import events as pricing_events
from services.pricing.domain import model as pricing

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def eur(amount_minor: int) -> Money:
    return Money(amount_minor, "EUR")


def _cart() -> dict[str, DomainEvent]:
    mug = cart.Product("SKU-1", "Mug", eur(1500))
    products = {"SKU-1": mug, "SKU-2": cart.Product("SKU-2", "Tea", eur(399), max_per_order=5)}
    wanted = [cart.RequestedItem("SKU-1", 2), cart.RequestedItem("SKU-2", 1)]
    reservation = cart.reserve("chk-1", "cust-1", wanted, products)
    total = reservation.provisional_total
    assert total is not None
    reserved = cart_events.CartReserved("chk-1", "cust-1", tuple(reservation.items), total)
    released = cart_events.CartReleased("chk-1", tuple(cart.release(reservation, products)))
    ordered = cart.reserve("chk-2", "cust-1", wanted, products)
    cart.check_out(ordered, products)
    checked_out = cart_events.CartCheckedOut("chk-2", tuple(ordered.items))
    released_after_order = cart_events.CartReleased("chk-2", tuple(cart.release(ordered, products)))
    created = cart_events.ProductUpdated.of(mug, created=True)
    mug.describe("Big mug", eur(1700), 3, sellable=False)
    changed = cart_events.ProductUpdated.of(mug, created=False)
    return {
        "CartReserved": reserved,
        "CartReleased": released,
        "CartCheckedOut": checked_out,
        "CartReleased after its check-out, nothing given back": released_after_order,
        "ProductUpdated created": created,
        "ProductUpdated changed, not sellable": changed,
    }


def _pricing() -> dict[str, DomainEvent]:
    welcome = pricing.Promotion("WELCOME10", pricing.PromotionTerms(percent_off=10))
    request = pricing.QuoteRequest("cust-1", (pricing.RequestedItem("SKU-1", 2),), "EU-DE", "WELCOME10")
    prices = {"SKU-1": eur(1999), "SKU-2": eur(399)}
    promoted = pricing.quote("chk-1", "q-1", request, prices, 1900, welcome, NOW)
    plain_request = pricing.QuoteRequest(
        "cust-2", (pricing.RequestedItem("SKU-2", 3), pricing.RequestedItem("SKU-1", 1)), "UK"
    )
    plain = pricing.quote("chk-2", "q-2", plain_request, prices, 2000, None, NOW)
    pricing.void(promoted, welcome)
    spring = pricing.Promotion(
        "SPRING",
        pricing.PromotionTerms(
            amount_off=eur(500),
            min_subtotal=eur(2000),
            max_redemptions=100,
            valid_until=datetime(2026, 4, 30, 23, 59, tzinfo=UTC),
            active=False,
        ),
        redemptions=3,
    )
    return {
        "PriceQuoted with a promotion": pricing_events.PriceQuoted(promoted),
        "PriceQuoted without a promotion": pricing_events.PriceQuoted(plain),
        "QuoteVoided, code back": pricing_events.QuoteVoided("chk-1", "q-1", welcome.code),
        "QuoteVoided without a code": pricing_events.QuoteVoided("chk-2", "q-2", None),
        "PriceChanged, new SKU": pricing_events.PriceChanged("SKU-3", eur(250), None),
        "PriceChanged": pricing_events.PriceChanged("SKU-1", eur(2199), eur(1999)),
        "PromotionChanged percent": pricing_events.PromotionChanged.of(welcome, created=True),
        "PromotionChanged amount": pricing_events.PromotionChanged.of(spring, created=False),
        "TaxRateChanged, new region": pricing_events.TaxRateChanged("EU-DE", 1900, None),
        "TaxRateChanged": pricing_events.TaxRateChanged("EU-DE", 2000, 1900),
    }


def _payment() -> dict[str, DomainEvent]:
    def started(checkout_id: str) -> payment.Payment:
        return payment.Payment.start(checkout_id, payment.Charge("cust-1", eur(4282), "tok_visa"), NOW)

    captured = started("chk-1")
    captured.captured("cap_1", NOW)
    captured_event = payment_events.PaymentCaptured.of(captured)
    captured.void(NOW)
    captured.refunded("cap_1", "re_1", NOW)
    in_flight = started("chk-2")  # compensated while its capture was in flight: captured, then refunded
    in_flight.void(NOW)
    in_flight.refunded("cap_2", "re_2", NOW)
    declined = started("chk-3")
    declined.declined("card_declined", "cap_3", NOW)
    unrecorded = started("chk-4")
    unrecorded.declined("invalid_payment_token", None, NOW)
    voided = started("chk-5")
    voided.void(NOW)
    voided.voided_without_capture("insufficient_funds")
    return {
        "PaymentCaptured": captured_event,
        "PaymentRefunded": payment_events.PaymentRefunded.of(captured),
        "PaymentCaptured while refunding": payment_events.PaymentCaptured.of(in_flight),
        "PaymentRefunded of a capture in flight": payment_events.PaymentRefunded.of(in_flight),
        "PaymentDeclined": payment_events.PaymentDeclined.of(declined),
        "PaymentDeclined without a record": payment_events.PaymentDeclined.of(unrecorded),
        "PaymentVoided": payment_events.PaymentVoided.of(voided),
    }


def _inventory() -> dict[str, DomainEvent]:
    mug = inventory.StockItem("SKU-1", "A-01", on_hand=10, received=10)
    stock = {"SKU-1": mug, "SKU-2": inventory.StockItem("SKU-2", "B-07", on_hand=3, received=3)}
    lines = [inventory.OrderLine("SKU-1", 2), inventory.OrderLine("SKU-2", 3)]
    allocation = inventory.allocate("chk-1", lines, stock)
    allocated = inventory_events.StockAllocated("chk-1", tuple(allocation.lines))
    released = inventory_events.StockReleased("chk-1", tuple(inventory.release(allocation, stock)))
    delta = mug.set_on_hand(4, "A-02")
    counted = inventory_events.StockLevelSet(
        sku=mug.sku,
        location=mug.location,
        on_hand=mug.on_hand,
        allocated=mug.allocated,
        received=mug.received,
        received_delta=delta,
    )
    return {
        "StockAllocated": allocated,
        "StockReleased": released,
        "StockLevelSet, a write-off": counted,
    }


def _order() -> dict[str, DomainEvent]:
    details = order.OrderDetails(
        customer_id="cust-1",
        items=(order.OrderLine("SKU-1", 2, eur(1999), eur(3998)),),
        total=eur(4282),
        quote_id="q-1",
        payment_id="pay_1",
        allocation=(order.AllocatedLine("SKU-1", 2, "A-01"),),
        discount=eur(400),
        tax=eur(684),
    )
    placed = order.place("chk-1", details, None, NOW)
    created, fulfilment = order_events.OrderCreated(placed), order_events.FulfilmentRequested(placed)
    order.cancel(placed, NOW)
    return {
        "OrderCreated": created,
        "FulfilmentRequested": fulfilment,
        "OrderCancelled": order_events.OrderCancelled(placed),
        "CustomerBlocked": order_events.CustomerBlocked("cust-9", "chargebacks"),
        "CustomerUnblocked": order_events.CustomerUnblocked("cust-9"),
    }


def _loyalty() -> dict[str, DomainEvent]:
    award = loyalty.Award.grant(
        "chk-1", loyalty.Purchase("cust-1", "ord_1", eur(4282)), loyalty.PointsRule(), NOW
    )
    account = loyalty.Account("cust-1")
    loyalty.credit(account, award)
    awarded = loyalty_events.PointsAwarded(award)
    loyalty.revoke(award, account, NOW)
    return {
        "PointsAwarded": awarded,
        "PointsRevoked": loyalty_events.PointsRevoked(award),
    }


SERVICE_EVENTS: dict[str, DomainEvent] = {
    **_cart(),
    **_pricing(),
    **_payment(),
    **_inventory(),
    **_order(),
    **_loyalty(),
}
"""Every sample, by a name saying which case it is."""
