"""The README's monitor screenshots, taken from a real engine: ``make monitor-screenshots``.

Starts an engine in this process on a temporary directory, drives checkouts of ``bpmn/checkout.bpmn``
job by job over its gRPC gateway (completed ones, a compensated one, one stuck in an incident, running
ones), then has Debian's chromium (through Playwright) photograph the instance list and the compensated
instance's page into ``docs/monitor-list.png`` and ``docs/monitor-instance.png``.

Run from the repository root: ``.venv/bin/python -m tools.monitor_screenshots [--out docs]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import async_playwright
from pyzeebe import ZeebeClient, create_insecure_channel
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from engine.server import start_engine
from engine.settings import EngineSettings

ROOT = Path(__file__).resolve().parent.parent
CHECKOUT = ROOT / "bpmn" / "checkout.bpmn"
HAPPY_PATH = (
    "saga.started",
    "cart.reserve",
    "pricing.quote",
    "payment.capture",
    "inventory.allocate",
    "order.create",
    "saga.completed",
)
COMPENSATION = (
    "saga.compensation-started",
    "payment.refund",
    "pricing.void",
    "cart.release",
    "saga.compensated",
)


class Driver:
    """Works the jobs of one checkout at a time, as a worker would."""

    def __init__(self, stub: GatewayStub, client: ZeebeClient) -> None:
        self.stub = stub
        self.client = client

    async def start(self, checkout_id: str) -> int:
        variables = {
            "checkoutId": checkout_id,
            "customerId": "cust-7",
            "items": [{"sku": "SKU-1", "quantity": 2}],
        }
        return (await self.client.run_process("checkout", variables)).process_instance_key

    async def job(self, job_type: str) -> pb.ActivatedJob:
        request = pb.ActivateJobsRequest(
            type=job_type,
            worker="screenshot-worker",
            timeout=60_000,
            maxJobsToActivate=1,
            requestTimeout=10_000,
        )
        async for response in self.stub.ActivateJobs(request):
            for job in response.jobs:
                return job
        raise RuntimeError(f"no {job_type} job within 10 s")

    async def complete(self, *job_types: str) -> None:
        for job_type in job_types:
            job = await self.job(job_type)
            await self.stub.CompleteJob(pb.CompleteJobRequest(jobKey=job.key, variables="{}"))


async def wait_state(http: httpx.AsyncClient, key: int, state: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        response = await http.get(f"/v1/process-instances/{key}")
        if response.status_code == 200 and response.json()["state"] == state:
            return
        await asyncio.sleep(0.05)
    raise RuntimeError(f"instance {key} did not become {state}")


async def checkouts(driver: Driver, http: httpx.AsyncClient) -> int:
    """Instances in every state the list shows; the key of the compensated one."""
    for number in range(1, 5):
        key = await driver.start(f"chk-100{number}")
        await driver.complete(*HAPPY_PATH)
        await wait_state(http, key, "COMPLETED")
    compensated = await driver.start("chk-2001")
    await driver.complete(*HAPPY_PATH[:4])
    allocate = await driver.job("inventory.allocate")
    error = {"errorCode": "OUT_OF_STOCK", "errorMessage": "SKU-1 is sold out"}
    await driver.stub.ThrowError(
        pb.ThrowErrorRequest(
            jobKey=allocate.key,
            errorCode="OUT_OF_STOCK",
            errorMessage="SKU-1 is sold out",
            variables=json.dumps(error),
        )
    )
    await driver.complete(*COMPENSATION)
    await wait_state(http, compensated, "COMPLETED")
    stuck = await driver.start("chk-3001")
    await driver.complete(*HAPPY_PATH[:3])
    capture = await driver.job("payment.capture")
    await driver.stub.FailJob(
        pb.FailJobRequest(jobKey=capture.key, retries=0, errorMessage="payment provider unreachable")
    )
    await driver.start("chk-4001")
    await driver.complete("saga.started")
    running = await driver.start("chk-4002")
    await wait_state(http, stuck, "ACTIVE")
    await wait_state(http, running, "ACTIVE")
    return compensated


async def photograph(base: str, compensated: int, out: Path) -> None:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        page = await browser.new_page(viewport={"width": 1366, "height": 800})
        await page.goto(f"{base}/monitor/instances")
        await page.wait_for_selector("#instances-table tbody tr")
        await page.screenshot(path=str(out / "monitor-list.png"))
        await page.goto(f"{base}/monitor/instances/{compensated}")
        await page.wait_for_selector("#canvas[data-ready=true]")
        await page.locator('.djs-element[data-element-id="capture_payment"]').click()
        await page.wait_for_selector("#jobs-table")
        await page.evaluate("document.activeElement?.blur()")  # no focus ring around the diagram
        await page.screenshot(path=str(out / "monitor-instance.png"), full_page=True)
        await browser.close()


async def main(out: Path) -> None:
    with tempfile.TemporaryDirectory() as data:
        engine = await start_engine(EngineSettings(port=0, http_port=0, data_dir=Path(data)))
        channel = create_insecure_channel(grpc_address=f"127.0.0.1:{engine.port}")
        base = f"http://127.0.0.1:{engine.http_port}"
        try:
            client = ZeebeClient(channel)
            await client.deploy_resource(str(CHECKOUT))
            async with httpx.AsyncClient(base_url=base, timeout=10) as http:
                compensated = await checkouts(Driver(GatewayStub(channel), client), http)
            await photograph(base, compensated, out)
        finally:
            await channel.close(grace=None)
            await engine.stop()
    print(f"wrote {out / 'monitor-list.png'} and {out / 'monitor-instance.png'}")


def run(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    arguments: Any = parser.parse_args(argv)
    arguments.out.mkdir(parents=True, exist_ok=True)
    asyncio.run(main(arguments.out))


if __name__ == "__main__":
    run()
