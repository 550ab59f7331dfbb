"""Messages: correlation by name and key, buffering with TTL, idempotent publishing, boundary and start events."""

import json
import time
from typing import Any

import grpc
import pytest
from pyzeebe import ZeebeClient
from pyzeebe.errors import MessageAlreadyExistsError

from tests.integration.engine import diagrams as d
from tests.integration.engine.conftest import Deploy
from tests.integration.engine.observe import Jobs, ReadApi, eventually, rpc_error

PAYMENT = d.message_definition("payment", "payment-received", "=orderId")


async def start(client: ZeebeClient, process_id: str, variables: dict[str, Any] | None = None) -> int:
    return (await client.run_process(process_id, variables or {})).process_instance_key


def waiting(process_id: str) -> bytes:
    """start -> wait for payment-received (correlation key = orderId) -> end."""
    return d.process(
        process_id,
        d.start(),
        d.message_catch("paid", "payment"),
        d.end(),
        d.chain("start", "paid", "end"),
        definitions=[PAYMENT],
    )


async def test_message_correlates_to_the_instance_with_its_correlation_key(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(waiting("by_key"))
    first = await start(client, "by_key", {"orderId": "o-1"})
    second = await start(client, "by_key", {"orderId": "o-2"})

    await client.publish_message("payment-received", "o-2", time_to_live_in_milliseconds=0)

    await read_api.wait_completed(second)
    assert await read_api.active(first) == ["paid"]


async def test_message_variables_are_merged_into_the_instance(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(waiting("merged"))
    key = await start(client, "merged", {"orderId": "o-1", "status": "open"})

    await client.publish_message(
        "payment-received", "o-1", {"status": "paid", "amount": 12.5}, time_to_live_in_milliseconds=0
    )

    await read_api.wait_completed(key)
    assert await read_api.variables(key) == {"orderId": "o-1", "status": "paid", "amount": 12.5}


async def test_numeric_correlation_key_matches_its_string_form(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(waiting("numeric_key"))
    key = await start(client, "numeric_key", {"orderId": 42})

    await client.publish_message("payment-received", "42", time_to_live_in_milliseconds=0)

    await read_api.wait_completed(key)


async def test_message_published_before_the_subscription_opens_is_buffered_for_its_ttl(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(waiting("buffered"))

    await client.publish_message(
        "payment-received", "o-1", {"early": True}, time_to_live_in_milliseconds=10_000
    )
    key = await start(client, "buffered", {"orderId": "o-1"})

    await read_api.wait_completed(key)
    assert (await read_api.variables(key))["early"] is True


async def test_buffered_message_correlates_to_a_subscription_opened_later_in_the_instance(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "later",
            d.start(),
            d.service_task("prepare", "msg.prepare"),
            d.message_catch("paid", "payment"),
            d.end(),
            d.chain("start", "prepare", "paid", "end"),
            definitions=[PAYMENT],
        )
    )
    key = await start(client, "later", {"orderId": "o-1"})
    await client.publish_message("payment-received", "o-1", time_to_live_in_milliseconds=10_000)

    await jobs.complete((await jobs.one("msg.prepare")).key)

    await read_api.wait_completed(key)


async def test_message_with_ttl_zero_is_not_buffered(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(waiting("not_buffered"))
    await client.publish_message("payment-received", "o-1", time_to_live_in_milliseconds=0)

    key = await start(client, "not_buffered", {"orderId": "o-1"})

    assert await read_api.active(key) == ["paid"]
    await client.publish_message("payment-received", "o-1", time_to_live_in_milliseconds=0)
    await read_api.wait_completed(key)


async def test_expired_message_is_not_correlated(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(waiting("expired"))
    await client.publish_message(
        "payment-received", "o-1", time_to_live_in_milliseconds=300, message_id="m-1"
    )
    began = time.monotonic()
    # Once the message expired its id is free again: publishing it anew (unbuffered) then succeeds.
    await eventually(lambda: _publish_succeeds(client, "m-1"), bool, "the message expired")
    assert time.monotonic() - began >= 0.3

    key = await start(client, "expired", {"orderId": "o-1"})

    assert await read_api.active(key) == ["paid"]


async def _publish_succeeds(client: ZeebeClient, message_id: str) -> bool:
    try:
        await client.publish_message(
            "payment-received", "o-1", time_to_live_in_milliseconds=0, message_id=message_id
        )
    except MessageAlreadyExistsError:
        return False
    return True


async def test_publishing_a_message_id_again_while_buffered_is_already_exists(client: ZeebeClient) -> None:
    await client.publish_message(
        "payment-received", "o-1", time_to_live_in_milliseconds=10_000, message_id="m-1"
    )

    with pytest.raises(MessageAlreadyExistsError) as raised:
        await client.publish_message(
            "payment-received", "o-1", time_to_live_in_milliseconds=10_000, message_id="m-1"
        )

    cause = raised.value.__cause__
    assert isinstance(cause, grpc.aio.AioRpcError)
    assert cause.code() == grpc.StatusCode.ALREADY_EXISTS


async def test_the_same_message_id_with_another_correlation_key_is_a_different_message(
    client: ZeebeClient,
) -> None:
    await client.publish_message(
        "payment-received", "o-1", time_to_live_in_milliseconds=10_000, message_id="m-1"
    )

    await client.publish_message(
        "payment-received", "o-2", time_to_live_in_milliseconds=10_000, message_id="m-1"
    )


async def test_duplicate_message_is_correlated_only_once(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(waiting("dedup"))
    await client.publish_message(
        "payment-received", "o-1", {"n": 1}, time_to_live_in_milliseconds=10_000, message_id="m-1"
    )
    with pytest.raises(MessageAlreadyExistsError):
        await client.publish_message(
            "payment-received", "o-1", {"n": 2}, time_to_live_in_milliseconds=10_000, message_id="m-1"
        )

    key = await start(client, "dedup", {"orderId": "o-1"})

    await read_api.wait_completed(key)
    assert (await read_api.variables(key))["n"] == 1


async def test_first_published_buffered_message_wins(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(waiting("first_wins"))
    for n in (1, 2):
        await client.publish_message("payment-received", "o-1", {"n": n}, time_to_live_in_milliseconds=10_000)

    key = await start(client, "first_wins", {"orderId": "o-1"})

    await read_api.wait_completed(key)
    assert (await read_api.variables(key))["n"] == 1


async def test_message_correlates_only_once_per_process_even_with_several_waiting_instances(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(waiting("once_per_process"))
    first = await start(client, "once_per_process", {"orderId": "o-1"})
    second = await start(client, "once_per_process", {"orderId": "o-1"})

    await client.publish_message("payment-received", "o-1", time_to_live_in_milliseconds=0)

    await eventually(
        lambda: read_api.search(
            "process-instances", {"bpmnProcessId": "once_per_process", "state": "COMPLETED"}
        ),
        bool,
        "one instance completes",
    )
    states = [(await read_api.instance(key) or {})["state"] for key in (first, second)]
    assert sorted(states) == ["ACTIVE", "COMPLETED"]


def message_boundary(process_id: str, *, interrupting: bool) -> bytes:
    return d.process(
        process_id,
        d.start(),
        d.service_task("ship", "msg.ship"),
        d.end(),
        d.chain("start", "ship", "end"),
        d.message_boundary("cancelled", "ship", "cancel", interrupting=interrupting),
        d.end("on_cancel"),
        d.flow("cancelled", "on_cancel"),
        definitions=[d.message_definition("cancel", "order-cancelled", "=orderId")],
    )


async def test_interrupting_message_boundary_terminates_the_task_and_its_job(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(message_boundary("interrupting", interrupting=True))
    key = await start(client, "interrupting", {"orderId": "o-1"})
    job = await jobs.one("msg.ship")

    await client.publish_message(
        "order-cancelled", "o-1", {"reason": "customer"}, time_to_live_in_milliseconds=0
    )

    await read_api.wait_completed(key)
    assert await read_api.ran(key) == ["start", "cancelled", "on_cancel"]
    assert [n["state"] for n in await read_api.flow_nodes(key, flowNodeId="ship")] == ["TERMINATED"]
    assert (await rpc_error(jobs.complete(job.key))).code() == grpc.StatusCode.NOT_FOUND
    assert (await read_api.variables(key))["reason"] == "customer"


async def test_non_interrupting_message_boundary_runs_beside_the_task(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(message_boundary("non_interrupting", interrupting=False))
    key = await start(client, "non_interrupting", {"orderId": "o-1"})
    job = await jobs.one("msg.ship")

    await client.publish_message("order-cancelled", "o-1", time_to_live_in_milliseconds=0)
    await read_api.wait_flow_node(key, "on_cancel")

    assert await read_api.active(key) == ["ship"]
    await jobs.complete(job.key)
    await read_api.wait_completed(key)
    assert sorted(await read_api.ran(key)) == sorted(["start", "cancelled", "on_cancel", "ship", "end"])


async def test_non_interrupting_message_boundary_can_trigger_repeatedly(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(message_boundary("repeated", interrupting=False))
    key = await start(client, "repeated", {"orderId": "o-1"})

    for _ in range(2):
        await client.publish_message("order-cancelled", "o-1", time_to_live_in_milliseconds=0)

    await read_api.wait_flow_node(key, "on_cancel", count=2)
    assert await read_api.active(key) == ["ship"]


async def test_receive_task_completes_when_its_message_correlates(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "receive",
            d.start(),
            d.receive_task("await_payment", "payment"),
            d.end(),
            d.chain("start", "await_payment", "end"),
            definitions=[PAYMENT],
        )
    )
    key = await start(client, "receive", {"orderId": "o-9"})
    assert await read_api.active(key) == ["await_payment"]

    await client.publish_message("payment-received", "o-9", {"amount": 3}, time_to_live_in_milliseconds=0)

    await read_api.wait_completed(key)
    assert (await read_api.variables(key))["amount"] == 3


async def test_message_start_event_starts_an_instance_with_the_message_variables(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "by_message",
            d.start("order_placed", event=d.message_event("placed")),
            d.end(),
            d.chain("order_placed", "end"),
            definitions=[d.message_definition_without_key("placed", "order-placed")],
        )
    )

    await client.publish_message("order-placed", "", {"orderId": "o-5"}, time_to_live_in_milliseconds=0)

    (instance,) = await eventually(
        lambda: read_api.search("process-instances", {"bpmnProcessId": "by_message"}), bool, "an instance"
    )
    await read_api.wait_completed(instance["key"])
    assert await read_api.variables(instance["key"]) == {"orderId": "o-5"}
    assert await read_api.ran(instance["key"]) == ["order_placed", "end"]


async def test_message_start_event_with_empty_correlation_key_starts_an_instance_per_message(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "per_message",
            d.start("order_placed", event=d.message_event("placed")),
            d.end(),
            d.chain("order_placed", "end"),
            definitions=[d.message_definition_without_key("placed", "order-placed")],
        )
    )

    for n in range(3):
        await client.publish_message("order-placed", "", {"n": n}, time_to_live_in_milliseconds=0)

    await eventually(
        lambda: read_api.search("process-instances", {"bpmnProcessId": "per_message", "state": "COMPLETED"}),
        lambda found: len(found) == 3,
        "three completed instances",
    )


async def test_message_start_event_with_a_correlation_key_starts_one_active_instance_per_key(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "one_per_key",
            d.start("order_placed", event=d.message_event("placed")),
            d.service_task("handle", "msg.handle"),
            d.end(),
            d.chain("order_placed", "handle", "end"),
            definitions=[d.message_definition_without_key("placed", "order-placed")],
        )
    )

    await client.publish_message("order-placed", "customer-1", {"n": 1}, time_to_live_in_milliseconds=0)
    await client.publish_message("order-placed", "customer-1", {"n": 2}, time_to_live_in_milliseconds=0)
    await client.publish_message("order-placed", "customer-2", {"n": 3}, time_to_live_in_milliseconds=0)

    instances = await eventually(
        lambda: read_api.search("process-instances", {"bpmnProcessId": "one_per_key"}),
        lambda found: len(found) >= 2,
        "instances for both keys",
    )
    handled = sorted(json.loads(j.variables)["n"] for j in await jobs.wait("msg.handle", 2))
    assert len(instances) == 2
    assert handled == [1, 3]
