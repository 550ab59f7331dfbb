"""The definitions view lists every deployed process version with its instance counts per state."""

from __future__ import annotations

from playwright.async_api import Page, expect
from pyzeebe import ZeebeClient

from tests.integration.engine.conftest import Deploy
from tests.integration.engine.monitor.checkouts import compensated_checkout, deploy_checkout, start_checkout
from tests.integration.engine.observe import Jobs, ReadApi


async def test_the_checkout_process_is_listed_with_its_instance_counts_per_state(
    page: Page, monitor_url: str, deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy_checkout(deploy)
    await compensated_checkout(client, jobs, read_api, "chk-done")
    for number in range(2):
        await start_checkout(client, f"chk-running-{number}")

    await page.goto(f"{monitor_url}/")

    row = page.locator('#definitions-table tr[data-process="checkout"][data-version="1"]')
    await expect(row).to_contain_text("Checkout")
    await expect(row.locator('[data-count="active"]')).to_have_text("2")
    await expect(row.locator('[data-count="incidents"]')).to_have_text("0")
    await expect(row.locator('[data-count="completed"]')).to_have_text("1")
    await expect(row.locator('[data-count="canceled"]')).to_have_text("0")


async def test_a_count_links_to_the_list_of_those_instances(
    page: Page, monitor_url: str, deploy: Deploy, client: ZeebeClient
) -> None:
    await deploy_checkout(deploy)
    key = await start_checkout(client, "chk-running")
    await page.goto(f"{monitor_url}/")

    await page.locator('#definitions-table [data-count="active"] a').click()

    await expect(page.locator("#instances-table tbody tr")).to_have_count(1)
    await expect(page.locator(f'#instances-table tr[data-key="{key}"]')).to_contain_text("ACTIVE")
