"""Service tasks: jobs are created, activated by pyzeebe workers, completed, and variables merged."""

import asyncio
import json
import time
from typing import Any

import grpc
from pyzeebe import ZeebeClient, ZeebeWorker
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from tests.integration.engine import diagrams as d
from tests.integration.engine.conftest import Deploy, run_worker
from tests.integration.engine.observe import Jobs, ReadApi, eventually, rpc_error


async def start(client: ZeebeClient, process_id: str, variables: dict[str, Any] | None = None) -> int:
    return (await client.run_process(process_id, variables or {})).process_instance_key


# ---------------------------------------------------------------------- completing jobs and variables


async def test_instance_completes_after_worker_completes_its_job(
    deploy: Deploy, client: ZeebeClient, worker: ZeebeWorker
) -> None:
    await deploy(
        d.process(
            "one_task", d.start(), d.service_task("task", "work"), d.end(), d.chain("start", "task", "end")
        )
    )

    @worker.task(task_type="work")
    async def work(amount: int) -> dict[str, Any]:
        return {"doubled": amount * 2}

    await run_worker(worker)
    result = await client.run_process_with_result("one_task", {"amount": 21}, timeout=10_000)

    assert result.variables == {"amount": 21, "doubled": 42}


async def test_completing_a_job_merges_its_variables_into_the_instance(
    deploy: Deploy, client: ZeebeClient, worker: ZeebeWorker
) -> None:
    await deploy(d.single_task("merge", "merge.work"))

    @worker.task(task_type="merge.work")
    async def work(a: int, b: int) -> dict[str, Any]:
        return {"b": b + 10, "c": a + b}

    await run_worker(worker)
    result = await client.run_process_with_result("merge", {"a": 1, "b": 2, "keep": "me"}, timeout=10_000)

    assert result.variables == {"a": 1, "b": 12, "c": 3, "keep": "me"}


async def test_activated_job_carries_all_visible_variables_without_fetch_variable(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs
) -> None:
    await deploy(d.single_task("all_vars", "all.work"))
    await start(client, "all_vars", {"a": 1, "b": {"nested": [1, 2]}, "c": None})

    job = await jobs.one("all.work")

    assert json.loads(job.variables) == {"a": 1, "b": {"nested": [1, 2]}, "c": None}


async def test_fetch_variable_returns_exactly_the_named_variables(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs
) -> None:
    await deploy(d.single_task("fetch", "fetch.work"))
    await start(client, "fetch", {"a": 1, "b": 2, "c": 3})

    job = await jobs.one("fetch.work", fetch=["a", "c", "not_there"])

    assert json.loads(job.variables) == {"a": 1, "c": 3}


async def test_custom_headers_are_a_json_object_of_the_task_headers(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs
) -> None:
    await deploy(d.single_task("headers", "headers.work", headers={"region": "eu", "priority": "2"}))
    await start(client, "headers")

    job = await jobs.one("headers.work")

    assert json.loads(job.customHeaders) == {"region": "eu", "priority": "2"}


async def test_custom_headers_are_an_empty_json_object_when_the_task_has_none(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs
) -> None:
    await deploy(d.single_task("no_headers", "noheaders.work"))
    await start(client, "no_headers")

    job = await jobs.one("noheaders.work")

    assert json.loads(job.customHeaders) == {}
    assert json.loads(job.variables) == {}


async def test_job_retries_default_to_three(deploy: Deploy, client: ZeebeClient, jobs: Jobs) -> None:
    await deploy(d.single_task("default_retries", "retries.default"))
    await start(client, "default_retries")

    assert (await jobs.one("retries.default")).retries == 3


async def test_job_retries_come_from_the_diagram(deploy: Deploy, client: ZeebeClient, jobs: Jobs) -> None:
    await deploy(d.single_task("static_retries", "retries.static", retries="5"))
    await start(client, "static_retries")

    assert (await jobs.one("retries.static")).retries == 5


async def test_job_retries_can_be_a_feel_expression(deploy: Deploy, client: ZeebeClient, jobs: Jobs) -> None:
    await deploy(d.single_task("feel_retries", "retries.feel", retries="=attempts + 1"))
    await start(client, "feel_retries", {"attempts": 6})

    assert (await jobs.one("retries.feel")).retries == 7


async def test_job_type_can_be_a_feel_expression(deploy: Deploy, client: ZeebeClient, jobs: Jobs) -> None:
    await deploy(d.single_task("feel_type", '="payment-" + region'))
    await start(client, "feel_type", {"region": "eu"})

    job = await jobs.one("payment-eu")

    assert job.type == "payment-eu"
    assert job.elementId == "task"


async def test_input_mapping_with_nested_target_builds_a_local_object(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs
) -> None:
    await deploy(
        d.single_task(
            "inputs", "inputs.work", inputs=[("=orderId", "order.id"), ("=amount * 2", "order.total")]
        )
    )
    await start(client, "inputs", {"orderId": "o-1", "amount": 5})

    job = await jobs.one("inputs.work")

    assert json.loads(job.variables) == {"orderId": "o-1", "amount": 5, "order": {"id": "o-1", "total": 10}}


async def test_input_mapping_targets_are_local_to_the_task(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(d.single_task("inputs_local", "inputs.local", inputs=[("=orderId", "order.id")]))
    key = await start(client, "inputs_local", {"orderId": "o-1"})
    job = await jobs.one("inputs.local")

    await jobs.complete(job.key)

    await read_api.wait_completed(key)
    assert await read_api.variables(key) == {"orderId": "o-1"}


async def test_output_mappings_alone_reach_the_process_and_may_target_nested_paths(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs
) -> None:
    await deploy(
        d.single_task(
            "outputs", "outputs.work", outputs=[("=total", "receipt.total"), ("=orderId", "receipt.orderId")]
        )
    )
    result_call = asyncio.ensure_future(
        client.run_process_with_result("outputs", {"orderId": "o-1"}, timeout=10_000)
    )
    job = await jobs.one("outputs.work")

    await jobs.complete(job.key, {"total": 99, "scratch": "internal"})

    result = await result_call
    assert result.variables == {"orderId": "o-1", "receipt": {"total": 99, "orderId": "o-1"}}


async def test_output_mapping_to_a_nested_path_updates_the_existing_object(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs
) -> None:
    await deploy(d.single_task("outputs_nested", "outputs.nested", outputs=[("=paid", "order.paid")]))
    result_call = asyncio.ensure_future(
        client.run_process_with_result(
            "outputs_nested", {"order": {"id": "o-1", "paid": False}}, timeout=10_000
        )
    )
    job = await jobs.one("outputs.nested")

    await jobs.complete(job.key, {"paid": True})

    assert (await result_call).variables == {"order": {"id": "o-1", "paid": True}}


# ---------------------------------------------------------------------- failing jobs and incidents


async def test_failed_job_with_retries_left_is_activated_again(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs
) -> None:
    await deploy(d.single_task("fail_retry", "fail.retry"))
    await start(client, "fail_retry")
    first = await jobs.one("fail.retry")

    await jobs.fail(first.key, retries=2, message="try again")

    again = await jobs.one("fail.retry")
    assert (again.key, again.retries) == (first.key, 2)


async def test_failed_job_with_retry_backoff_is_not_activatable_before_the_backoff_elapses(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs
) -> None:
    await deploy(d.single_task("backoff", "fail.backoff"))
    await start(client, "backoff")
    first = await jobs.one("fail.backoff")

    failed_at = time.monotonic()
    await jobs.fail(first.key, retries=1, message="later", backoff_ms=600)

    assert await jobs.activate("fail.backoff") == []
    again = await jobs.one("fail.backoff")
    assert time.monotonic() - failed_at >= 0.6
    assert (again.key, again.retries) == (first.key, 1)


async def test_failing_a_job_to_zero_retries_raises_a_job_no_retries_incident_with_the_message(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(d.single_task("no_retries", "fail.final"))
    key = await start(client, "no_retries")
    job = await jobs.one("fail.final")

    await jobs.fail(job.key, retries=0, message="card declined")

    incident = await read_api.wait_incident(key)
    assert (incident["type"], incident["message"], incident["jobKey"], incident["flowNodeId"]) == (
        "JOB_NO_RETRIES",
        "card declined",
        job.key,
        "task",
    )
    assert await jobs.activate("fail.final") == []
    assert (await read_api.instance(key) or {}).get("incident") is True


async def test_update_retries_and_resolve_incident_make_the_job_activatable_and_the_instance_completes(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(d.single_task("resolve", "fail.resolve"))
    key = await start(client, "resolve")
    job = await jobs.one("fail.resolve")
    await jobs.fail(job.key, retries=0, message="down")
    incident = await read_api.wait_incident(key)

    await jobs.update_retries(job.key, 2)
    await jobs.resolve_incident(incident["key"])

    again = await jobs.one("fail.resolve")
    assert (again.key, again.retries) == (job.key, 2)
    await jobs.complete(again.key, {"ok": True})
    await read_api.wait_completed(key)
    assert await read_api.incidents(key) == []
    assert [i["state"] for i in await read_api.incidents(key, state=None)] == ["RESOLVED"]


async def test_update_retries_of_an_unknown_job_is_not_found(jobs: Jobs) -> None:
    error = await rpc_error(jobs.update_retries(2251799813685999, 0))

    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error.details() == (
        "Command 'UPDATE_RETRIES' rejected with code 'NOT_FOUND': Expected to update job with key "
        "'2251799813685999', but no such job was found"
    )


async def test_resolving_a_job_incident_while_the_job_has_no_retries_is_a_failed_precondition(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(d.single_task("no_retries", "fail.no_retries"))
    key = await start(client, "no_retries")
    job = await jobs.one("fail.no_retries")
    await jobs.fail(job.key, retries=0, message="down")
    incident = await read_api.wait_incident(key)

    error = await rpc_error(jobs.resolve_incident(incident["key"]))

    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == (
        f"Command 'RESOLVE' rejected with code 'INVALID_STATE': Expected to resolve incident with key "
        f"'{incident['key']}', but job with key '{job.key}' has no retries left. Please update the job "
        "retries and retry resolving the incident"
    )
    assert [i["key"] for i in await read_api.incidents(key)] == [incident["key"]]
    assert await jobs.activate("fail.no_retries") == []


async def test_pyzeebe_worker_failure_decrements_retries_until_an_incident(
    deploy: Deploy, client: ZeebeClient, worker: ZeebeWorker, read_api: ReadApi
) -> None:
    await deploy(d.single_task("worker_fails", "fail.worker", retries="2"))
    attempts: list[int] = []

    @worker.task(task_type="fail.worker")
    async def work() -> dict[str, Any]:
        attempts.append(1)
        raise RuntimeError("boom")

    await run_worker(worker)
    key = await start(client, "worker_fails")

    incident = await read_api.wait_incident(key)
    assert incident["type"] == "JOB_NO_RETRIES"
    assert "boom" in incident["message"]
    assert len(attempts) == 2


async def test_fail_job_variables_are_local_to_the_task(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(d.single_task("fail_vars", "fail.vars"))
    key = await start(client, "fail_vars", {"orderId": "o-1"})
    first = await jobs.one("fail.vars")

    await jobs.stub.FailJob(
        pb.FailJobRequest(
            jobKey=first.key, retries=1, errorMessage="later", variables=json.dumps({"attempt": 1})
        )
    )
    again = await jobs.one("fail.vars")
    await jobs.complete(again.key)

    assert json.loads(again.variables) == {"orderId": "o-1", "attempt": 1}
    await read_api.wait_completed(key)
    assert await read_api.variables(key) == {"orderId": "o-1"}


async def test_failing_a_job_that_already_has_an_incident_is_a_failed_precondition(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(d.single_task("fail_twice", "fail.twice"))
    key = await start(client, "fail_twice")
    job = await jobs.one("fail.twice")
    await jobs.fail(job.key, retries=0, message="first")
    await read_api.wait_incident(key)

    error = await rpc_error(jobs.fail(job.key, retries=0, message="second"))

    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_update_retries_to_zero_is_invalid_argument(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs
) -> None:
    await deploy(d.single_task("retries_zero", "retries.zero"))
    await start(client, "retries_zero")
    job = await jobs.one("retries.zero")

    error = await rpc_error(jobs.update_retries(job.key, 0))

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


# ---------------------------------------------------------------------- job timeouts


async def test_timed_out_job_is_activated_again_with_retries_unchanged(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs
) -> None:
    await deploy(d.single_task("timeout", "timeout.work"))
    await start(client, "timeout")
    asked_at = time.monotonic()  # the activation, and so its deadline, can only come later
    first = await jobs.one("timeout.work", timeout_ms=300)

    again = await jobs.one("timeout.work")

    assert time.monotonic() - asked_at >= 0.3
    assert (again.key, again.retries) == (first.key, first.retries)


async def test_activated_job_deadline_is_activation_time_plus_timeout(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs
) -> None:
    await deploy(d.single_task("deadline", "timeout.deadline"))
    await start(client, "deadline")

    before = time.time() * 1000
    job = await jobs.one("timeout.deadline", timeout_ms=60_000)
    after = time.time() * 1000

    assert before + 60_000 - 5 <= job.deadline <= after + 60_000 + 5


async def test_update_job_timeout_shortens_the_deadline(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs
) -> None:
    await deploy(d.single_task("shorten", "timeout.shorten"))
    await start(client, "shorten")
    first = await jobs.one("timeout.shorten", timeout_ms=60_000)

    await jobs.update_timeout(first.key, 200)

    again = await jobs.one("timeout.shorten", timeout=3)
    assert again.key == first.key


async def test_update_job_timeout_extends_the_deadline(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs
) -> None:
    await deploy(d.single_task("extend", "timeout.extend"))
    await start(client, "extend")
    first = await jobs.one("timeout.extend", timeout_ms=200)

    await jobs.update_timeout(first.key, 60_000)

    assert await jobs.activate("timeout.extend", request_timeout_ms=700) == []
    await jobs.complete(first.key)


async def test_the_slower_worker_of_a_timed_out_job_can_still_complete_it_if_first(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(d.single_task("late", "timeout.late"))
    key = await start(client, "late")
    job = await jobs.one("timeout.late", timeout_ms=100)
    await eventually(lambda: jobs.activate("timeout.late", timeout_ms=100), bool, "the job times out")

    await jobs.complete(job.key)

    await read_api.wait_completed(key)


# ---------------------------------------------------------------------- rejections


async def test_complete_job_of_unknown_key_is_not_found_with_zeebes_message(jobs: Jobs) -> None:
    error = await rpc_error(jobs.complete(2251799813686000))

    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error.details() == (
        "Command 'COMPLETE' rejected with code 'NOT_FOUND': Expected to complete job with key "
        "'2251799813686000', but no such job was found"
    )


async def test_complete_job_twice_is_not_found_the_second_time(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs
) -> None:
    await deploy(d.single_task("twice", "twice.work"))
    await start(client, "twice")
    job = await jobs.one("twice.work")
    await jobs.complete(job.key)

    error = await rpc_error(jobs.complete(job.key))

    assert error.code() == grpc.StatusCode.NOT_FOUND


async def test_activate_jobs_with_blank_type_is_invalid_argument(jobs: Jobs) -> None:
    error = await rpc_error(jobs.activate("  "))

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_activate_jobs_with_blank_worker_is_invalid_argument(jobs: Jobs) -> None:
    error = await rpc_error(jobs.activate("some.type", worker=""))

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_complete_job_with_variables_that_are_not_json_is_invalid_argument(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, gateway: GatewayStub
) -> None:
    await deploy(d.single_task("bad_json", "bad.json"))
    await start(client, "bad_json")
    job = await jobs.one("bad.json")

    error = await rpc_error(gateway.CompleteJob(pb.CompleteJobRequest(jobKey=job.key, variables="{not json")))

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    await jobs.complete(job.key)


async def test_activate_jobs_with_max_jobs_zero_is_invalid_argument(jobs: Jobs) -> None:
    error = await rpc_error(jobs.activate("some.type", max_jobs=0))

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_activate_jobs_with_timeout_zero_is_invalid_argument(jobs: Jobs) -> None:
    error = await rpc_error(jobs.activate("some.type", timeout_ms=0))

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_activate_jobs_refusals_are_worded_as_zeebes_job_batch_rejections(jobs: Jobs) -> None:
    no_jobs = await rpc_error(jobs.activate("some.type", max_jobs=0, timeout_ms=0))
    no_timeout = await rpc_error(jobs.activate("some.type", timeout_ms=0))
    no_type = await rpc_error(jobs.activate(""))

    assert [e.details() for e in (no_jobs, no_timeout, no_type)] == [
        "Command 'ACTIVATE' rejected with code 'INVALID_ARGUMENT': Expected to activate job batch with "
        "max jobs to activate to be greater than zero, but it was '0'",
        "Command 'ACTIVATE' rejected with code 'INVALID_ARGUMENT': Expected to activate job batch with "
        "timeout to be greater than zero, but it was '0'",
        "Command 'ACTIVATE' rejected with code 'INVALID_ARGUMENT': Expected to activate job batch with "
        "type to be present, but it was blank",
    ]


async def test_stream_activated_jobs_with_blank_type_is_invalid_argument_with_zeebes_message(
    gateway: GatewayStub,
) -> None:
    request = pb.StreamActivatedJobsRequest(type=" ", worker="w", timeout=1_000)

    error = await rpc_error(anext(aiter(gateway.StreamActivatedJobs(request))))

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == "Expected to stream activated jobs with type to be present, but it was blank"


async def test_job_variables_null_mean_none_and_scalars_name_their_msgpack_type(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, gateway: GatewayStub
) -> None:
    await deploy(d.single_task("scalar_vars", "scalar.vars"))
    await start(client, "scalar_vars")
    job = await jobs.one("scalar.vars")

    errors = [
        await rpc_error(gateway.CompleteJob(pb.CompleteJobRequest(jobKey=job.key, variables=text)))
        for text in ("42", '"text"', "true", "1.5", "{not json")
    ]
    await gateway.CompleteJob(pb.CompleteJobRequest(jobKey=job.key, variables="null"))

    assert {e.code() for e in errors} == {grpc.StatusCode.INVALID_ARGUMENT}
    assert [e.details() for e in errors] == [
        *(
            f"Property 'variables' is invalid: Expected document to be a root level object, but was '{kind}'"
            for kind in ("INTEGER", "STRING", "BOOLEAN", "FLOAT")
        ),
        "Invalid JSON value: {not json",
    ]


# ---------------------------------------------------------------------- long polling and streaming


async def test_activate_jobs_long_poll_returns_as_soon_as_a_job_is_created(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs
) -> None:
    await deploy(d.single_task("long_poll", "poll.work"))
    poll = asyncio.ensure_future(jobs.activate("poll.work", request_timeout_ms=5000))
    await asyncio.sleep(0.2)  # let the poll reach the gateway; not an assertion
    assert not poll.done()

    created_at = time.monotonic()
    await start(client, "long_poll")
    activated = await asyncio.wait_for(poll, 5)

    assert [j.type for j in activated] == ["poll.work"]
    assert time.monotonic() - created_at < 1.0


async def test_activate_jobs_with_negative_request_timeout_returns_at_once_without_jobs(jobs: Jobs) -> None:
    began = time.monotonic()

    activated = await jobs.activate("nothing.here", request_timeout_ms=-1)

    assert activated == []
    assert time.monotonic() - began < 0.5


async def test_activate_jobs_long_poll_without_jobs_ends_after_the_request_timeout(jobs: Jobs) -> None:
    began = time.monotonic()

    activated = await jobs.activate("nothing.here", request_timeout_ms=400)

    assert activated == []
    assert 0.4 <= time.monotonic() - began < 2.0


async def test_activate_jobs_activates_at_most_max_jobs(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs
) -> None:
    await deploy(d.single_task("many", "many.work"))
    for _ in range(3):
        await start(client, "many")

    first = await jobs.activate("many.work", max_jobs=2)
    rest = await jobs.activate("many.work", max_jobs=5)

    assert (len(first), len(rest)) == (2, 1)
    assert {j.key for j in first}.isdisjoint(j.key for j in rest)


async def test_stream_activated_jobs_delivers_jobs_created_after_the_stream_opened(
    deploy: Deploy, client: ZeebeClient, gateway: GatewayStub
) -> None:
    await deploy(d.single_task("streamed", "stream.work"))
    stream = gateway.StreamActivatedJobs(
        pb.StreamActivatedJobsRequest(type="stream.work", worker="streamer", timeout=30_000)
    )
    try:
        key = await start(client, "streamed", {"x": 1})
        job = await asyncio.wait_for(stream.read(), 5)
    finally:
        stream.cancel()

    assert (job.type, job.processInstanceKey, json.loads(job.variables)) == ("stream.work", key, {"x": 1})


async def test_pyzeebe_streaming_worker_completes_instances(
    deploy: Deploy, client: ZeebeClient, channel: grpc.aio.Channel
) -> None:
    await deploy(d.single_task("stream_worker", "stream.worker"))
    worker = ZeebeWorker(channel, poll_retry_delay=0, stream_enabled=True)

    @worker.task(task_type="stream.worker")
    async def work(n: int) -> dict[str, Any]:
        return {"n": n + 1}

    await run_worker(worker)
    try:
        result = await client.run_process_with_result("stream_worker", {"n": 1}, timeout=10_000)
    finally:
        await worker.stop()

    assert result.variables == {"n": 2}
