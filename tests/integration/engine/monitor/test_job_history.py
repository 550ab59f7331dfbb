"""Clicking an element on the instance's diagram shows its job history, as the engine recorded it."""

from __future__ import annotations

from playwright.async_api import Page, expect
from pyzeebe import ZeebeClient

from tests.integration.engine.conftest import Deploy
from tests.integration.engine.monitor.one_task import open_instance, start
from tests.integration.engine.observe import Jobs, ReadApi


async def test_the_history_of_a_failed_then_completed_job_shows_each_step(
    page: Page, monitor_url: str, deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    key = await start(deploy, client)
    job = await jobs.one("work")
    await jobs.fail(job.key, retries=1, message="printer jammed")
    await jobs.complete((await jobs.one("work")).key)
    await read_api.wait_completed(key)
    await open_instance(page, monitor_url, key)

    await page.locator('.djs-element[data-element-id="task"]').click()

    history = page.locator(f'#jobs-table tr[data-job="{job.key}"][data-event]')
    await expect(history).to_have_count(5)
    events = [await row.get_attribute("data-event") for row in await history.all()]
    assert events == ["CREATED", "ACTIVATED", "FAILED", "ACTIVATED", "COMPLETED"]
    failed = page.locator(f'#jobs-table tr[data-job="{job.key}"][data-event="FAILED"]')
    await expect(failed).to_contain_text("test-worker")
    await expect(failed).to_contain_text("printer jammed")
    await expect(page.locator("#jobs-title")).to_have_text("Job history · Work")


async def test_an_element_without_jobs_says_so(
    page: Page, monitor_url: str, deploy: Deploy, client: ZeebeClient
) -> None:
    key = await start(deploy, client)
    await open_instance(page, monitor_url, key)

    await page.locator('.djs-element[data-element-id="start"]').click()

    await expect(page.locator("#jobs")).to_contain_text("no jobs")
