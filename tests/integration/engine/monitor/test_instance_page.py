"""The instance page draws the diagram with each element's state, as Operate shows them.

A checkout whose inventory allocation fails compensates the three steps it completed; its page must
show those steps completed (green) and marked compensated, the failed step in red, and the variables
and counts of what ran.
"""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page, expect
from pyzeebe import ZeebeClient

from tests.integration.engine.conftest import Deploy
from tests.integration.engine.monitor.checkouts import (
    DONE_BEFORE_ALLOCATION,
    compensated_checkout,
    deploy_checkout,
    start_checkout,
)
from tests.integration.engine.observe import Jobs, ReadApi

GREEN_FILL = "rgb(217, 242, 221)"  # --completed-bg
RED_STROKE = "rgb(198, 40, 40)"  # --terminated
PURPLE_STROKE = "rgb(123, 31, 162)"  # --compensated
INCIDENT_STROKE = "rgb(185, 28, 28)"  # --incident


async def open_instance(page: Page, monitor_url: str, key: int) -> None:
    await page.goto(f"{monitor_url}/instances/{key}")
    await expect(page.locator("#canvas[data-ready=true]")).to_be_attached()


async def shape_style(page: Page, element_id: str) -> dict[str, Any]:
    """The classes of an element's drawing and the computed colours of its shape."""
    result: dict[str, Any] = await page.evaluate(
        """(id) => {
            const g = document.querySelector(`.djs-element[data-element-id="${id}"]`);
            const shape = g.querySelector('.djs-visual > :first-child');
            const style = getComputedStyle(shape);
            return {classes: [...g.classList], fill: style.fill, stroke: style.stroke};
        }""",
        element_id,
    )
    return result


async def compensated_page(
    page: Page, monitor_url: str, deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> int:
    await deploy_checkout(deploy)
    key = await compensated_checkout(client, jobs, read_api, "chk-compensated")
    await open_instance(page, monitor_url, key)
    return key


async def test_completed_steps_of_a_compensated_checkout_are_drawn_green(
    page: Page, monitor_url: str, deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await compensated_page(page, monitor_url, deploy, client, jobs, read_api)

    for element_id in (*DONE_BEFORE_ALLOCATION, "checkout_started", "release_cart", "refund_payment"):
        style = await shape_style(page, element_id)
        assert "state-completed" in style["classes"], element_id
        assert style["fill"] == GREEN_FILL, element_id


async def test_the_failed_step_of_a_compensated_checkout_is_drawn_red(
    page: Page, monitor_url: str, deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await compensated_page(page, monitor_url, deploy, client, jobs, read_api)

    style = await shape_style(page, "allocate_inventory")

    assert "state-terminated" in style["classes"]
    assert style["stroke"] == RED_STROKE


async def test_compensated_steps_are_marked_and_steps_never_reached_are_not(
    page: Page, monitor_url: str, deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await compensated_page(page, monitor_url, deploy, client, jobs, read_api)

    for element_id in DONE_BEFORE_ALLOCATION:
        style = await shape_style(page, element_id)
        assert "state-compensated" in style["classes"], element_id
        assert style["stroke"] == PURPLE_STROKE, element_id
    for element_id in ("allocate_inventory", "create_order", "cancel_order"):
        assert "state-compensated" not in (await shape_style(page, element_id))["classes"], element_id
    assert [c for c in (await shape_style(page, "create_order"))["classes"] if c.startswith("state-")] == []


async def test_each_element_shows_its_counts_per_state(
    page: Page, monitor_url: str, deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await compensated_page(page, monitor_url, deploy, client, jobs, read_api)

    capture = page.locator('.element-counts[data-element="capture_payment"]')
    await expect(capture.locator('[data-state="completed"]')).to_have_text("✓ 1")
    await expect(capture.locator('[data-state="compensated"]')).to_have_text("↺ 1")
    failed = page.locator('.element-counts[data-element="allocate_inventory"]')
    await expect(failed.locator('[data-state="terminated"]')).to_have_text("■ 1")


async def test_the_taken_sequence_flows_are_marked(
    page: Page, monitor_url: str, deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await compensated_page(page, monitor_url, deploy, client, jobs, read_api)

    taken = page.locator(".djs-connection.flow-taken")
    await expect(
        taken.and_(page.locator('[data-element-id="flow_reserve_cart_to_quote_price"]'))
    ).to_have_count(1)
    await expect(
        taken.and_(page.locator('[data-element-id="flow_allocate_inventory_to_create_order"]'))
    ).to_have_count(0)


async def test_the_page_lists_the_variables_per_scope(
    page: Page, monitor_url: str, deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    key = await compensated_page(page, monitor_url, deploy, client, jobs, read_api)

    error_code = page.locator(f'#variables-table tr[data-scope="{key}"][data-name="errorCode"]')
    await expect(error_code).to_contain_text('"OUT_OF_STOCK"')
    await expect(
        page.locator(f'#variables-table tr[data-scope="{key}"][data-name="checkoutId"]')
    ).to_contain_text('"chk-compensated"')


async def test_without_the_built_viewer_the_page_says_how_to_build_it(
    page: Page, monitor_url: str, deploy: Deploy, client: ZeebeClient
) -> None:
    await deploy_checkout(deploy)
    key = await start_checkout(client, "chk-no-viewer")
    await page.route("**/monitor/static/vendor/**", lambda route: route.fulfill(status=404))

    await page.goto(f"{monitor_url}/instances/{key}")

    await expect(page.locator("#viewer-missing")).to_contain_text("make monitor-assets")
    await expect(page.locator('#variables-table tr[data-name="checkoutId"]')).to_contain_text("chk-no-viewer")


async def test_an_incident_is_drawn_on_its_element_and_listed_with_its_message(
    page: Page, monitor_url: str, deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy_checkout(deploy)
    key = await start_checkout(client, "chk-incident")
    await jobs.fail((await jobs.one("saga.started")).key, retries=0, message="event log unreachable")
    await read_api.wait_incident(key)

    await open_instance(page, monitor_url, key)

    style = await shape_style(page, "checkout_started")
    assert "state-incident" in style["classes"]
    assert style["stroke"] == INCIDENT_STROKE
    await expect(page.locator("#incidents-table tbody tr")).to_contain_text("event log unreachable")
    await expect(page.locator("#incidents-table tbody tr")).to_contain_text("Checkout started")
