"""The checkout diagram (bpmn/checkout.bpmn) on the local engine, with stand-in workers.

Every step's worker is a pyzeebe task that returns a small result or throws a BPMN error the way the
real workers must: with the service's error code AND the variables ``errorCode`` / ``errorMessage``
(Zeebe 8.6 does not expose a caught error's code or message as variables; the diagram's error start
event maps those two variables into the process).
"""

# No `from __future__ import annotations`: pyzeebe finds the `job: Job` parameter by its real annotation.
from typing import Any

import pytest
from pyzeebe import Job, JobController, ZeebeClient, ZeebeWorker
from pyzeebe.errors import BusinessError

from tests.integration.saga_diagram.conftest import ReadApi, eventually, start_worker
from workers.tasks.saga import ANNOUNCEMENTS

# (step element id, job type, compensation handler element id, handler job type, what the step returns)
STEPS: list[tuple[str, str, str, str, dict[str, Any]]] = [
    (
        "reserve_cart",
        "cart.reserve",
        "release_cart",
        "cart.release",
        {"cart": {"lines": [], "currency": "EUR"}},
    ),
    (
        "quote_price",
        "pricing.quote",
        "void_quote",
        "pricing.void",
        {"quote": {"quoteId": "q-1", "total": "10.00"}},
    ),
    (
        "capture_payment",
        "payment.capture",
        "refund_payment",
        "payment.refund",
        {"payment": {"paymentId": "p-1"}},
    ),
    (
        "allocate_inventory",
        "inventory.allocate",
        "release_inventory",
        "inventory.release",
        {"allocation": {"allocationId": "a-1"}},
    ),
    ("create_order", "order.create", "cancel_order", "order.cancel", {"orderId": "o-1"}),
]
STEP_IDS = [step[0] for step in STEPS]
START_VARIABLES = {"checkoutId": "c-1", "cartId": "cart-1", "customerId": "cust-1", "paymentMethod": "card"}


async def throw_with_variables(error: Exception, job: Job, controller: JobController) -> None:
    """How a real worker reports a business failure: code plus errorCode/errorMessage variables."""
    if isinstance(error, BusinessError):
        message = str(error)
        await controller.set_error_status(
            message,
            error_code=error.error_code,
            variables={"errorCode": error.error_code, "errorMessage": message},
        )
    else:
        await controller.set_failure_status(f"Failed job. Error: {error}")


def stand_in_announcer(worker: ZeebeWorker, announced: list[str]) -> None:
    """The lifecycle message events' jobs: each appends its job type to ``announced`` and completes."""
    for announcement in ANNOUNCEMENTS:
        worker.task(task_type=announcement)(_handler(announced))


def stand_in_workers(
    worker: ZeebeWorker,
    handled: list[str],
    *,
    failing: str | None = None,
    code: str = "",
    skip: frozenset[str] = frozenset(),
    announced: list[str] | None = None,
) -> None:
    """Register a task for every step, handler and lifecycle event. ``failing`` throws ``code``;
    ``skip`` gets no worker.

    Each handler job appends its job type to ``handled`` in the order the jobs arrive; each lifecycle
    job to ``announced``.
    """
    stand_in_announcer(worker, [] if announced is None else announced)
    for step_id, step_type, _, handler_type, result in STEPS:
        if step_type not in skip:
            worker.task(task_type=step_type, exception_handler=throw_with_variables)(
                _step(step_type, result, fail=step_id == failing, code=code)
            )
        worker.task(task_type=handler_type)(_handler(handled))


def _step(step_type: str, result: dict[str, Any], *, fail: bool, code: str) -> Any:
    async def step(job: Job) -> dict[str, Any]:
        if fail:
            raise BusinessError(code, f"{step_type} said no: {code}")
        return result

    return step


def _handler(handled: list[str]) -> Any:
    async def handler(job: Job) -> dict[str, Any]:
        handled.append(job.type)
        return {}

    return handler


async def start(client: ZeebeClient, variables: dict[str, Any]) -> int:
    return (await client.run_process("checkout", {**START_VARIABLES, **variables})).process_instance_key


def ids(nodes: list[dict[str, Any]], state: str) -> list[str]:
    return [n["flowNodeId"] for n in nodes if n["state"] == state]


async def test_happy_path_completes_through_checkout_completed(
    client: ZeebeClient, worker: ZeebeWorker, read_api: ReadApi
) -> None:
    handled: list[str] = []
    announced: list[str] = []
    stand_in_workers(worker, handled, announced=announced)
    await start_worker(worker)

    key = await start(client, {})
    instance = await read_api.wait_ended(key)

    assert instance["state"] == "COMPLETED"
    assert announced == ["saga.started", "saga.completed"]
    nodes = await read_api.flow_nodes(key)
    completed = ids(nodes, "COMPLETED")
    assert [n for n in completed if n in STEP_IDS] == STEP_IDS
    assert "checkout_completed" in completed
    assert "checkout_compensated" not in [n["flowNodeId"] for n in nodes]
    assert handled == []
    variables = await read_api.root_variables(key)
    assert variables["orderId"] == "o-1"
    assert "errorCode" not in variables


FAILURES = [
    ("reserve_cart", "CART_EMPTY"),
    ("quote_price", "INVALID_PROMO"),
    ("capture_payment", "PAYMENT_DECLINED"),
    ("allocate_inventory", "OUT_OF_STOCK"),
    ("create_order", "ORDER_REJECTED"),
]


@pytest.mark.parametrize(("failing", "code"), FAILURES, ids=[f[0] for f in FAILURES])
async def test_business_error_compensates_completed_steps_in_reverse_order(
    client: ZeebeClient, worker: ZeebeWorker, read_api: ReadApi, failing: str, code: str
) -> None:
    handled: list[str] = []
    announced: list[str] = []
    stand_in_workers(worker, handled, failing=failing, code=code, announced=announced)
    await start_worker(worker)

    key = await start(client, {})
    instance = await read_api.wait_ended(key)
    assert announced == ["saga.started", "saga.compensation-started", "saga.compensated"]

    done = STEPS[: STEP_IDS.index(failing)]
    expected_handler_types = [handler_type for _, _, _, handler_type, _ in reversed(done)]
    assert handled == expected_handler_types, "handler jobs arrived in this order"

    assert instance["state"] == "COMPLETED"
    nodes = await read_api.flow_nodes(key)
    completed = ids(nodes, "COMPLETED")
    assert "checkout_compensated" in completed
    assert "checkout_completed" not in [n["flowNodeId"] for n in nodes]
    assert failing in ids(nodes, "TERMINATED"), "the failing step was interrupted by the error"
    # The read API agrees: handlers completed in reverse order, each for its own step.
    handler_nodes = [n for n in nodes if n.get("compensatedFlowNodeId")]
    assert [(n["flowNodeId"], n["compensatedFlowNodeId"], n["state"]) for n in handler_nodes] == [
        (handler_id, step_id, "COMPLETED") for step_id, _, handler_id, _, _ in reversed(done)
    ]
    # Every compensation throw ran, in chain order, whether or not its step had completed.
    chain = [
        "compensate_order",
        "compensate_inventory",
        "compensate_payment",
        "compensate_pricing",
        "compensate_cart",
    ]
    assert [n for n in completed if n in chain] == chain

    variables = await read_api.root_variables(key)
    assert variables["errorCode"] == code
    assert code in variables["errorMessage"]


async def test_payment_timeout_voids_the_abandoned_capture_then_compensates_cart_and_pricing(
    client: ZeebeClient, worker: ZeebeWorker, read_api: ReadApi
) -> None:
    handled: list[str] = []
    # Nobody works on payment.capture: the capture job is never completed.
    stand_in_workers(worker, handled, skip=frozenset({"payment.capture"}))
    await start_worker(worker)

    key = await start(client, {"paymentTimeout": "PT1S"})
    await eventually(
        lambda: read_api.flow_nodes(key),
        lambda nodes: "capture_payment" in ids(nodes, "ACTIVE"),
        "capture_payment active",
    )
    instance = await read_api.wait_ended(key)

    assert handled == ["payment.refund", "pricing.void", "cart.release"]
    assert instance["state"] == "COMPLETED"
    nodes = await read_api.flow_nodes(key)
    completed = ids(nodes, "COMPLETED")
    assert "capture_payment" in ids(nodes, "TERMINATED")
    assert "payment_time_limit" in completed
    assert "cancel_abandoned_capture" in completed
    assert "checkout_compensated" in completed
    assert "refund_payment" not in [n["flowNodeId"] for n in nodes]  # the handler of a completed capture
    variables = await read_api.root_variables(key)
    assert variables["errorCode"] == "PAYMENT_TIMEOUT"
    assert "PT1S" in variables["errorMessage"]


async def test_error_without_variables_still_compensates_but_carries_no_code(
    client: ZeebeClient, worker: ZeebeWorker, read_api: ReadApi
) -> None:
    """pyzeebe's default handling of BusinessError sends no variables: the catch-all still compensates,
    but errorCode/errorMessage are null (the workers must send them, see the module docstring)."""
    handled: list[str] = []
    stand_in_announcer(worker, [])
    for _, step_type, _, handler_type, result in STEPS:
        if step_type == "payment.capture":

            @worker.task(task_type=step_type)
            async def declined(job: Job) -> dict[str, Any]:
                raise BusinessError("PAYMENT_DECLINED")

        else:
            worker.task(task_type=step_type)(_step(step_type, result, fail=False, code=""))
        worker.task(task_type=handler_type)(_handler(handled))
    await start_worker(worker)

    key = await start(client, {})
    instance = await read_api.wait_ended(key)

    assert instance["state"] == "COMPLETED"
    assert handled == ["pricing.void", "cart.release"]
    assert "checkout_compensated" in ids(await read_api.flow_nodes(key), "COMPLETED")
    variables = await read_api.root_variables(key)
    assert variables["errorCode"] is None
    assert variables["errorMessage"] is None
