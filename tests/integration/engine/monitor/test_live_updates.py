"""The pages follow the engine without being reloaded (they poll the read API)."""

from __future__ import annotations

from playwright.async_api import Page, expect
from pyzeebe import ZeebeClient

from tests.integration.engine.conftest import Deploy
from tests.integration.engine.monitor.checkouts import deploy_checkout, start_checkout
from tests.integration.engine.observe import Jobs

LIVE = 10_000  # ms: a few polling rounds


def drawn(element_id: str, state: str) -> str:
    return f'.djs-element[data-element-id="{element_id}"].state-{state}'


async def test_the_instance_page_shows_a_completed_step_without_a_reload(
    page: Page, monitor_url: str, deploy: Deploy, client: ZeebeClient, jobs: Jobs
) -> None:
    await deploy_checkout(deploy)
    key = await start_checkout(client, "chk-live")
    await page.goto(f"{monitor_url}/instances/{key}")
    await expect(page.locator(drawn("checkout_started", "active"))).to_be_attached()

    await jobs.complete((await jobs.one("saga.started")).key)

    await expect(page.locator(drawn("checkout_started", "completed"))).to_be_attached(timeout=LIVE)
    await expect(page.locator(drawn("reserve_cart", "active"))).to_be_attached(timeout=LIVE)
    await expect(page.locator(drawn("checkout_started", "active"))).to_have_count(0)


async def test_the_list_shows_a_new_instance_without_a_reload(
    page: Page, monitor_url: str, deploy: Deploy, client: ZeebeClient
) -> None:
    await deploy_checkout(deploy)
    await start_checkout(client, "chk-first")
    await page.goto(f"{monitor_url}/instances")
    await expect(page.locator("#instances-table tbody tr")).to_have_count(1)

    key = await start_checkout(client, "chk-second")

    await expect(page.locator(f'#instances-table tr[data-key="{key}"]')).to_be_attached(timeout=LIVE)
