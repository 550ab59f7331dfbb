"""The instance list filters by state and by a root variable, and pages with the server's cursors."""

from __future__ import annotations

from playwright.async_api import Page, expect
from pyzeebe import ZeebeClient

from tests.integration.engine.conftest import Deploy
from tests.integration.engine.monitor.checkouts import compensated_checkout, deploy_checkout, start_checkout
from tests.integration.engine.observe import Jobs, ReadApi


async def shown_keys(page: Page) -> list[int]:
    return [
        int(k)
        for k in await page.locator("#instances-table tbody tr").evaluate_all(
            "rows => rows.map(r => r.dataset.key)"
        )
    ]


async def test_filtering_by_state_shows_only_instances_in_that_state(
    page: Page, monitor_url: str, deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy_checkout(deploy)
    done = await compensated_checkout(client, jobs, read_api, "chk-done")
    running = [await start_checkout(client, f"chk-{n}") for n in range(2)]
    await page.goto(f"{monitor_url}/instances")
    await expect(page.locator("#instances-table tbody tr")).to_have_count(3)

    await page.select_option("#f-state", "COMPLETED")
    await page.click("#filters button[type=submit]")

    await expect(page.locator("#instances-table tbody tr")).to_have_count(1)
    assert await shown_keys(page) == [done]
    assert "state=COMPLETED" in page.url
    await page.select_option("#f-state", "ACTIVE")
    await page.click("#filters button[type=submit]")
    await expect(page.locator("#instances-table tbody tr")).to_have_count(2)
    assert sorted(await shown_keys(page)) == sorted(running)


async def test_filtering_by_checkout_id_finds_that_checkout(
    page: Page, monitor_url: str, deploy: Deploy, client: ZeebeClient
) -> None:
    await deploy_checkout(deploy)
    wanted = await start_checkout(client, "chk-wanted")
    await start_checkout(client, "chk-other")
    await page.goto(f"{monitor_url}/instances")

    await page.fill("#f-variable-value", "chk-wanted")
    await page.click("#filters button[type=submit]")

    await expect(page.locator("#instances-table tbody tr")).to_have_count(1)
    assert await shown_keys(page) == [wanted]
    await expect(page.locator(f'tr[data-key="{wanted}"]')).to_contain_text("chk-wanted")


async def test_pages_go_forward_and_back_without_gaps_or_repeats(
    page: Page, monitor_url: str, deploy: Deploy, client: ZeebeClient
) -> None:
    await deploy_checkout(deploy)
    started = [await start_checkout(client, f"chk-{n}") for n in range(5)]
    seen: list[int] = []

    await page.goto(f"{monitor_url}/instances?sort=key&order=ASC&size=2")
    for shown in ("1–2 of 5", "3–4 of 5", "5–5 of 5"):
        if shown != "1–2 of 5":
            await page.click("#next")
        await expect(page.locator("#page-info")).to_have_text(shown)
        seen += await shown_keys(page)
    await expect(page.locator("#next")).to_be_disabled()

    await page.click("#previous")
    await expect(page.locator("#page-info")).to_have_text("3–4 of 5")

    assert seen == started
    assert await shown_keys(page) == started[2:4]
