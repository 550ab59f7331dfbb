"""Pricing: ``pricing.quote`` and its compensation ``pricing.void``."""

from typing import Any

from pyzeebe import ZeebeTaskRouter

from workers.metrics import WorkerMetrics
from workers.saga_events import SagaEventPublisher
from workers.service_client import ServiceClient
from workers.settings import WorkerSettings
from workers.steps import Steps, step_key


def router(
    pricing: ServiceClient, settings: WorkerSettings, events: SagaEventPublisher, metrics: WorkerMetrics
) -> ZeebeTaskRouter:
    steps = Steps(ZeebeTaskRouter(), settings, events, metrics)

    @steps.forward("pricing.quote", ["checkoutId", "customerId", "items", "shippingRegion", "promoCode"])
    async def quote(
        checkoutId: str,
        customerId: str,
        items: list[dict[str, Any]],
        shippingRegion: str,
        promoCode: str | None = None,
    ) -> dict[str, Any]:
        """Output: ``quote`` (quote_id, lines, subtotal, discount, tax, total: what payment charges and
        the order records)."""
        document = await pricing.post(
            "/v1/quotes",
            idempotency_key=step_key(checkoutId, "pricing.quote"),
            body={
                "checkout_id": checkoutId,
                "customer_id": customerId,
                "items": items,
                "shipping_region": shippingRegion,
                "promo_code": promoCode,
            },
        )
        return {
            "quote": {
                key: document[key]
                for key in ("quote_id", "currency", "lines", "subtotal", "discount", "tax", "total")
            }
        }

    @steps.compensation("pricing.void", undoes="pricing.quote")
    async def void(checkoutId: str) -> None:
        await pricing.post(
            f"/v1/quotes/{checkoutId}/void", idempotency_key=step_key(checkoutId, "pricing.void")
        )

    return steps.router
