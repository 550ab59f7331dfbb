"""Operations from the instance page, as Operate offers them: retry an incident, cancel, set a variable.

Each asks for confirmation in the page's dialog, is applied by the engine, and the page shows the outcome
and then the instance as the engine has it.
"""

from __future__ import annotations

from playwright.async_api import Page, expect
from pyzeebe import ZeebeClient

from tests.integration.engine.conftest import Deploy
from tests.integration.engine.monitor.one_task import open_instance, start
from tests.integration.engine.observe import Jobs, ReadApi

LIVE = 10_000  # ms: a few polling rounds


async def confirm(page: Page) -> None:
    dialog = page.locator("#confirm-dialog")
    await expect(dialog).to_be_visible()
    await dialog.locator("#confirm-yes").click()
    await expect(dialog).to_be_hidden()


def outcome(page: Page, kind: str = "success") -> str:
    return f'#operation-result [data-outcome="{kind}"]'


async def test_retrying_an_incident_lets_the_instance_finish(
    page: Page, monitor_url: str, deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    key = await start(deploy, client)
    await jobs.fail((await jobs.one("work")).key, retries=0, message="printer on fire")
    await read_api.wait_incident(key)
    await open_instance(page, monitor_url, key)

    await page.locator("#incidents-table button.retry").click()
    await confirm(page)
    await expect(page.locator(outcome(page))).to_contain_text("resolved")
    await jobs.complete((await jobs.one("work")).key)

    await expect(page.locator("#summary .state")).to_have_text("COMPLETED", timeout=LIVE)
    await expect(page.locator("#incidents-table tbody tr")).to_contain_text("RESOLVED")


async def test_an_operation_not_confirmed_is_not_applied(
    page: Page, monitor_url: str, deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    key = await start(deploy, client)
    await open_instance(page, monitor_url, key)

    await page.locator("#cancel-instance").click()
    await page.locator("#confirm-no").click()

    await expect(page.locator("#confirm-dialog")).to_be_hidden()
    assert (await read_api.instance(key) or {}).get("state") == "ACTIVE"


async def test_canceling_an_instance_shows_it_canceled(
    page: Page, monitor_url: str, deploy: Deploy, client: ZeebeClient
) -> None:
    key = await start(deploy, client)
    await open_instance(page, monitor_url, key)

    await page.locator("#cancel-instance").click()
    await confirm(page)

    await expect(page.locator(outcome(page))).to_contain_text("canceled")
    await expect(page.locator("#summary .state")).to_have_text("CANCELED")
    await expect(page.locator('.djs-element[data-element-id="task"].state-terminated')).to_be_attached()
    await expect(page.locator("#cancel-instance")).to_have_count(0)
    await expect(page.locator("#summary")).not_to_contain_text("null")


async def test_setting_a_variable_shows_it_in_the_variables_table(
    page: Page, monitor_url: str, deploy: Deploy, client: ZeebeClient
) -> None:
    key = await start(deploy, client)
    await open_instance(page, monitor_url, key)
    form = page.locator("#set-variable")

    await form.locator("select[name=scope]").select_option(str(key))
    await form.locator("input[name=name]").fill("approvedBy")
    await form.locator("input[name=value]").fill('"ops-team"')
    await form.locator("button[type=submit]").click()
    await confirm(page)

    await expect(page.locator(outcome(page))).to_contain_text("approvedBy")
    row = page.locator(f'#variables-table tr[data-scope="{key}"][data-name="approvedBy"]')
    await expect(row).to_contain_text('"ops-team"')


async def test_an_operation_the_engine_rejects_shows_its_message(
    page: Page, monitor_url: str, deploy: Deploy, client: ZeebeClient
) -> None:
    key = await start(deploy, client)
    await open_instance(page, monitor_url, key)
    form = page.locator("#set-variable")

    await form.locator("input[name=name]").fill("broken")
    await form.locator("input[name=value]").fill("{not json")
    await form.locator("button[type=submit]").click()
    await confirm(page)

    await expect(page.locator(outcome(page, "error"))).to_contain_text("400: The value is not JSON")
