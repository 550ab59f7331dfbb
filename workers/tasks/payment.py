"""Payment: ``payment.capture`` and its compensation ``payment.refund``.

``payment.refund`` also serves the diagram's payment time limit: a capture abandoned by the timer may
still be in flight, and only a refund (which voids an unfinished capture) makes sure nothing stays
charged.
"""

from typing import Any

from pyzeebe import ZeebeTaskRouter

from workers.metrics import WorkerMetrics
from workers.saga_events import SagaEventPublisher
from workers.service_client import ServiceClient
from workers.settings import WorkerSettings
from workers.steps import Steps, step_key


def router(
    payment: ServiceClient, settings: WorkerSettings, events: SagaEventPublisher, metrics: WorkerMetrics
) -> ZeebeTaskRouter:
    steps = Steps(ZeebeTaskRouter(), settings, events, metrics)

    @steps.forward("payment.capture", ["checkoutId", "customerId", "quote", "paymentToken"])
    async def capture(
        checkoutId: str, customerId: str, quote: dict[str, Any], paymentToken: str
    ) -> dict[str, Any]:
        """Charges the quote's total. Output: ``paymentId``."""
        document = await payment.post(
            "/v1/payments",
            idempotency_key=step_key(checkoutId, "payment.capture"),
            body={
                "checkout_id": checkoutId,
                "customer_id": customerId,
                "amount": quote["total"],
                "payment_token": paymentToken,
            },
        )
        return {"paymentId": document["payment_id"]}

    @steps.compensation("payment.refund", undoes="payment.capture")
    async def refund(checkoutId: str) -> None:
        await payment.post(
            f"/v1/payments/{checkoutId}/refund", idempotency_key=step_key(checkoutId, "payment.refund")
        )

    return steps.router
