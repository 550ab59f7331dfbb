"""Order: ``order.create`` and its compensation ``order.cancel``."""

from typing import Any

from pyzeebe import ZeebeTaskRouter

from workers.metrics import WorkerMetrics
from workers.saga_events import SagaEventPublisher
from workers.service_client import ServiceClient
from workers.settings import WorkerSettings
from workers.steps import Steps, step_key


def router(
    order: ServiceClient, settings: WorkerSettings, events: SagaEventPublisher, metrics: WorkerMetrics
) -> ZeebeTaskRouter:
    steps = Steps(ZeebeTaskRouter(), settings, events, metrics)

    @steps.forward("order.create", ["checkoutId", "customerId", "quote", "paymentId", "allocation"])
    async def create(
        checkoutId: str,
        customerId: str,
        quote: dict[str, Any],
        paymentId: str,
        allocation: list[dict[str, Any]],
    ) -> dict[str, Any]:
        """Output: ``orderId``."""
        document = await order.post(
            "/v1/orders",
            idempotency_key=step_key(checkoutId, "order.create"),
            body={
                "checkout_id": checkoutId,
                "customer_id": customerId,
                "items": quote["lines"],
                "discount": quote["discount"],
                "tax": quote["tax"],
                "total": quote["total"],
                "quote_id": quote["quote_id"],
                "payment_id": paymentId,
                "allocation": allocation,
            },
        )
        return {"orderId": document["order_id"]}

    @steps.compensation("order.cancel", undoes="order.create")
    async def cancel(checkoutId: str) -> None:
        await order.post(
            f"/v1/orders/{checkoutId}/cancel", idempotency_key=step_key(checkoutId, "order.cancel")
        )

    return steps.router
