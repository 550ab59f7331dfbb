"""Inventory: ``inventory.allocate`` and its compensation ``inventory.release``."""

from typing import Any

from pyzeebe import ZeebeTaskRouter

from workers.metrics import WorkerMetrics
from workers.saga_events import SagaEventPublisher
from workers.service_client import ServiceClient
from workers.settings import WorkerSettings
from workers.steps import Steps, step_key


def router(
    inventory: ServiceClient, settings: WorkerSettings, events: SagaEventPublisher, metrics: WorkerMetrics
) -> ZeebeTaskRouter:
    steps = Steps(ZeebeTaskRouter(), settings, events, metrics)

    @steps.forward("inventory.allocate", ["checkoutId", "items"])
    async def allocate(checkoutId: str, items: list[dict[str, Any]]) -> dict[str, Any]:
        """Output: ``allocation`` (sku, quantity and warehouse location of every line)."""
        document = await inventory.post(
            "/v1/allocations",
            idempotency_key=step_key(checkoutId, "inventory.allocate"),
            body={"checkout_id": checkoutId, "items": items},
        )
        return {"allocation": document["items"]}

    @steps.compensation("inventory.release", undoes="inventory.allocate")
    async def release(checkoutId: str) -> None:
        await inventory.post(
            f"/v1/allocations/{checkoutId}/release", idempotency_key=step_key(checkoutId, "inventory.release")
        )

    return steps.router
