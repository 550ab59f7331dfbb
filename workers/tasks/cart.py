"""Cart: ``cart.reserve`` and its compensation ``cart.release``.

Variables are the process's (camelCase, as BPMN authors write them); pyzeebe passes them by name.
"""

from typing import Any

from pyzeebe import ZeebeTaskRouter

from workers.metrics import WorkerMetrics
from workers.saga_events import SagaEventPublisher
from workers.service_client import ServiceClient
from workers.settings import WorkerSettings
from workers.steps import Steps, step_key


def router(
    cart: ServiceClient, settings: WorkerSettings, events: SagaEventPublisher, metrics: WorkerMetrics
) -> ZeebeTaskRouter:
    steps = Steps(ZeebeTaskRouter(), settings, events, metrics)

    @steps.forward("cart.reserve", ["checkoutId", "customerId", "items"])
    async def reserve(checkoutId: str, customerId: str, items: list[dict[str, Any]]) -> dict[str, Any]:
        """Output: ``provisionalTotal`` (Money document: amount_minor, currency)."""
        reservation = await cart.post(
            "/v1/reservations",
            idempotency_key=step_key(checkoutId, "cart.reserve"),
            body={"checkout_id": checkoutId, "customer_id": customerId, "items": items},
        )
        return {"provisionalTotal": reservation["provisional_total"]}

    @steps.compensation("cart.release", undoes="cart.reserve")
    async def release(checkoutId: str) -> None:
        await cart.post(
            f"/v1/reservations/{checkoutId}/release", idempotency_key=step_key(checkoutId, "cart.release")
        )

    return steps.router
