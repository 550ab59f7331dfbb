"""Checkouts on the real diagram (``bpmn/checkout.bpmn``), driven job by job over the gateway."""

from __future__ import annotations

from pathlib import Path

from pyzeebe import ZeebeClient
from pyzeebe.grpc_internals.types import DeployResourceResponse

from tests.integration.engine.conftest import Deploy
from tests.integration.engine.observe import Jobs, ReadApi

CHECKOUT_BPMN = Path(__file__).resolve().parents[4] / "bpmn" / "checkout.bpmn"
FORWARD_STEPS = ("cart.reserve", "pricing.quote", "payment.capture", "inventory.allocate", "order.create")
DONE_BEFORE_ALLOCATION = ("reserve_cart", "quote_price", "capture_payment")
"""The steps a checkout whose inventory allocation fails has completed (and must compensate)."""


async def deploy_checkout(deploy: Deploy) -> int:
    """Deploy the checkout diagram; its process definition key."""
    response = await deploy(CHECKOUT_BPMN.read_bytes(), "checkout.bpmn")
    (process,) = (m for m in response.deployments if isinstance(m, DeployResourceResponse.ProcessMetadata))
    return process.process_definition_key


async def start_checkout(client: ZeebeClient, checkout_id: str) -> int:
    variables = {
        "checkoutId": checkout_id,
        "customerId": "cust-1",
        "items": [{"sku": "SKU-1", "quantity": 1}],
    }
    return (await client.run_process("checkout", variables)).process_instance_key


async def compensated_checkout(client: ZeebeClient, jobs: Jobs, read_api: ReadApi, checkout_id: str) -> int:
    """A checkout whose inventory allocation throws OUT_OF_STOCK, compensated to the end."""
    key = await start_checkout(client, checkout_id)
    await jobs.complete((await jobs.one("saga.started")).key)
    for job_type in FORWARD_STEPS[:3]:
        await jobs.complete((await jobs.one(job_type)).key)
    allocate = await jobs.one("inventory.allocate")
    await jobs.throw_error(
        allocate.key,
        "OUT_OF_STOCK",
        "SKU-1 is sold out",
        {"errorCode": "OUT_OF_STOCK", "errorMessage": "SKU-1 is sold out"},
    )
    for job_type in ("saga.compensation-started", "payment.refund", "pricing.void", "cart.release"):
        await jobs.complete((await jobs.one(job_type)).key)
    await jobs.complete((await jobs.one("saga.compensated")).key)
    await read_api.wait_completed(key)
    return key
