"""Gateways: exclusive (conditions, default flow, incidents), parallel fork/join and event-based."""

import time
from typing import Any

from pyzeebe import ZeebeClient

from tests.integration.engine import diagrams as d
from tests.integration.engine.conftest import Deploy
from tests.integration.engine.observe import Jobs, ReadApi


async def start(client: ZeebeClient, process_id: str, variables: dict[str, Any] | None = None) -> int:
    return (await client.run_process(process_id, variables or {})).process_instance_key


def exclusive(process_id: str, *, default: bool = True) -> bytes:
    """start -> choose -> big (amount > 100) | medium (amount > 10) | small (default, if any)."""
    fragments = [
        d.start(),
        d.gateway("exclusiveGateway", "choose", default="to_small" if default else None),
        d.end("big"),
        d.end("medium"),
        d.chain("start", "choose"),
        d.flow("choose", "big", condition="=amount > 100", flow_id="to_big"),
        d.flow("choose", "medium", condition="=amount > 10", flow_id="to_medium"),
    ]
    if default:
        fragments += [d.end("small"), d.flow("choose", "small", flow_id="to_small")]
    return d.process(process_id, *fragments)


async def test_exclusive_gateway_takes_the_first_flow_whose_condition_is_true_in_xml_order(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(exclusive("first_true"))

    result = await client.run_process_with_result("first_true", {"amount": 500}, timeout=5_000)

    assert await read_api.ran(result.process_instance_key) == ["start", "choose", "big"]


async def test_exclusive_gateway_evaluates_later_conditions_when_earlier_ones_are_false(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(exclusive("second_true"))

    result = await client.run_process_with_result("second_true", {"amount": 50}, timeout=5_000)

    assert await read_api.ran(result.process_instance_key) == ["start", "choose", "medium"]


async def test_exclusive_gateway_takes_the_default_flow_when_no_condition_is_true(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(exclusive("default_flow"))

    result = await client.run_process_with_result("default_flow", {"amount": 5}, timeout=5_000)

    assert await read_api.ran(result.process_instance_key) == ["start", "choose", "small"]


async def test_exclusive_gateway_without_match_or_default_raises_a_condition_error_incident(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(exclusive("no_match", default=False))
    key = await start(client, "no_match", {"amount": 5})

    incident = await read_api.wait_incident(key)

    assert (incident["type"], incident["flowNodeId"]) == ("CONDITION_ERROR", "choose")
    assert await read_api.active(key) == ["choose"]
    assert (await read_api.instance(key) or {})["incident"] is True


async def test_set_variables_and_resolve_incident_let_the_exclusive_gateway_continue(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(exclusive("fix_and_resolve", default=False))
    key = await start(client, "fix_and_resolve", {"amount": 5})
    incident = await read_api.wait_incident(key)

    await jobs.set_variables(key, {"amount": 1000})
    await jobs.resolve_incident(incident["key"])

    await read_api.wait_completed(key)
    assert await read_api.ran(key) == ["start", "choose", "big"]
    assert await read_api.incidents(key) == []


async def test_resolving_without_fixing_the_cause_raises_a_new_incident(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(exclusive("unfixed", default=False))
    key = await start(client, "unfixed", {"amount": 5})
    first = await read_api.wait_incident(key)

    await jobs.resolve_incident(first["key"])

    second = await read_api.wait_incident(key)
    assert second["key"] != first["key"]
    assert second["type"] == "CONDITION_ERROR"


async def test_a_condition_that_is_not_boolean_raises_an_incident(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "not_boolean",
            d.start(),
            d.gateway("exclusiveGateway", "choose", default="to_other"),
            d.end("yes"),
            d.end("other"),
            d.chain("start", "choose"),
            d.flow("choose", "yes", condition="=amount", flow_id="to_yes"),
            d.flow("choose", "other", flow_id="to_other"),
        )
    )
    key = await start(client, "not_boolean", {"amount": 5})

    incident = await read_api.wait_incident(key)

    assert (incident["type"], incident["flowNodeId"]) == ("CONDITION_ERROR", "choose")
    assert "BOOLEAN" in incident["message"]


async def test_a_condition_on_a_missing_variable_raises_an_incident_instead_of_taking_the_default(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "null_condition",
            d.start(),
            d.gateway("exclusiveGateway", "choose", default="to_other"),
            d.end("yes"),
            d.end("other"),
            d.chain("start", "choose"),
            d.flow("choose", "yes", condition="=missing > 5", flow_id="to_yes"),
            d.flow("choose", "other", flow_id="to_other"),
        )
    )
    key = await start(client, "null_condition", {})

    incident = await read_api.wait_incident(key)

    assert (incident["type"], incident["flowNodeId"]) == ("CONDITION_ERROR", "choose")
    assert "'NULL'" in incident["message"]


def fork_join(process_id: str) -> bytes:
    return d.process(
        process_id,
        d.start(),
        d.gateway("parallelGateway", "fork"),
        d.service_task("a", "par.a"),
        d.service_task("b", "par.b"),
        d.service_task("c", "par.c"),
        d.gateway("parallelGateway", "join"),
        d.service_task("after", "par.after"),
        d.end(),
        d.chain("start", "fork"),
        *(d.chain("fork", branch, "join") for branch in ("a", "b", "c")),
        d.chain("join", "after", "end"),
    )


async def test_parallel_gateway_forks_a_token_per_outgoing_flow(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(fork_join("forking"))
    key = await start(client, "forking")

    activated = [await jobs.one(f"par.{branch}") for branch in ("a", "b", "c")]

    assert sorted(j.elementId for j in activated) == ["a", "b", "c"]
    assert sorted(await read_api.active(key)) == ["a", "b", "c"]


async def test_parallel_join_waits_for_all_branches(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(fork_join("joining"))
    key = await start(client, "joining")
    a, b, c = [await jobs.one(f"par.{branch}") for branch in ("a", "b", "c")]

    await jobs.complete(a.key, {"a": 1})
    await jobs.complete(c.key, {"c": 3})

    assert await jobs.activate("par.after") == []
    assert await read_api.active(key) == ["b"]

    await jobs.complete(b.key, {"b": 2})
    after = await jobs.one("par.after")
    await jobs.complete(after.key)
    await read_api.wait_completed(key)
    assert [n["flowNodeId"] for n in await read_api.flow_nodes(key, flowNodeId="join")] == ["join"]
    assert await read_api.variables(key) == {"a": 1, "b": 2, "c": 3}


def event_based(process_id: str, timer: str = "PT0.3S") -> bytes:
    return d.process(
        process_id,
        d.start(),
        d.gateway("eventBasedGateway", "wait"),
        d.message_catch("paid", "payment"),
        d.timer_catch("expired", timer),
        d.end("on_paid"),
        d.end("on_expired"),
        d.chain("start", "wait"),
        d.chain("wait", "paid", "on_paid"),
        d.chain("wait", "expired", "on_expired"),
        definitions=[d.message_definition("payment", "payment-received", "=orderId")],
    )


async def test_event_based_gateway_follows_the_message_when_it_arrives_first(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(event_based("message_wins", timer="PT10S"))
    key = await start(client, "message_wins", {"orderId": "o-1"})

    await client.publish_message(
        "payment-received", "o-1", {"paidAmount": 10}, time_to_live_in_milliseconds=0
    )

    await read_api.wait_completed(key)
    assert await read_api.ran(key) == ["start", "wait", "paid", "on_paid"]
    assert await read_api.variables(key) == {"orderId": "o-1", "paidAmount": 10}


async def test_event_based_gateway_follows_the_timer_when_no_message_arrives(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(event_based("timer_wins", timer="PT0.3S"))
    began = time.monotonic()
    key = await start(client, "timer_wins", {"orderId": "o-2"})

    await read_api.wait_completed(key)

    assert time.monotonic() - began >= 0.3
    assert await read_api.ran(key) == ["start", "wait", "expired", "on_expired"]


async def test_event_based_gateway_closes_the_other_events_once_one_triggered(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(event_based("closed", timer="PT0.3S"))
    key = await start(client, "closed", {"orderId": "o-3"})
    await read_api.wait_completed(key)

    await client.publish_message("payment-received", "o-3", time_to_live_in_milliseconds=0)

    assert await read_api.ran(key) == ["start", "wait", "expired", "on_expired"]
