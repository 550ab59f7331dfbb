"""Deployment: versions and keys, instances pinned to their version, and refusal of invalid diagrams."""

from pathlib import Path

import grpc
import pytest
from pyzeebe import ZeebeClient
from pyzeebe.errors import ProcessDefinitionNotFoundError, ProcessInvalidError
from pyzeebe.grpc_internals.types import DeployResourceResponse

from tests.integration.engine import diagrams as d
from tests.integration.engine.conftest import Deploy
from tests.integration.engine.observe import Jobs, ReadApi

FIRST_KEY = 2251799813685248
"""Zeebe's first key on partition 1: ``1 << 51``."""
NEXT_PARTITION = 2 * FIRST_KEY


def processes(response: DeployResourceResponse) -> list[DeployResourceResponse.ProcessMetadata]:
    found = [m for m in response.deployments if isinstance(m, DeployResourceResponse.ProcessMetadata)]
    assert len(found) == len(response.deployments), "only processes were deployed"
    return found


def version_of(process_id: str, job_type: str) -> bytes:
    return d.single_task(process_id, job_type)


async def refusal(deploy: Deploy, document: bytes, name: str) -> str:
    """Deploy ``document`` as ``name``; it must be refused with INVALID_ARGUMENT. Returns the message."""
    with pytest.raises(ProcessInvalidError) as raised:
        await deploy(document, name)
    cause = raised.value.__cause__
    assert isinstance(cause, grpc.aio.AioRpcError)
    assert cause.code() == grpc.StatusCode.INVALID_ARGUMENT
    details: str = cause.details() or ""
    return details


# ---------------------------------------------------------------------- versions


async def test_first_deployment_of_a_process_is_version_1(deploy: Deploy) -> None:
    response = await deploy(version_of("versions", "v.one"), "versions.bpmn")

    (process,) = processes(response)
    assert (process.bpmn_process_id, process.version, process.resource_name) == (
        "versions",
        1,
        "versions.bpmn",
    )


async def test_redeploying_an_unchanged_resource_returns_the_same_version_and_key(deploy: Deploy) -> None:
    first = processes(await deploy(version_of("unchanged", "v.one")))[0]

    again = processes(await deploy(version_of("unchanged", "v.one")))[0]

    assert (again.version, again.process_definition_key) == (first.version, first.process_definition_key)


async def test_deploying_a_changed_resource_creates_the_next_version(deploy: Deploy) -> None:
    first = processes(await deploy(version_of("changed", "v.one")))[0]

    second = processes(await deploy(version_of("changed", "v.two")))[0]

    assert second.version == 2
    assert second.process_definition_key != first.process_definition_key


async def test_an_instance_keeps_running_on_the_version_it_started_with(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(version_of("pinned", "v.one"))
    old = (await client.run_process("pinned")).process_instance_key

    await deploy(version_of("pinned", "v.two"))
    new = (await client.run_process("pinned")).process_instance_key

    old_job, new_job = await jobs.one("v.one"), await jobs.one("v.two")
    assert (old_job.processInstanceKey, old_job.processDefinitionVersion) == (old, 1)
    assert (new_job.processInstanceKey, new_job.processDefinitionVersion) == (new, 2)
    await jobs.complete(old_job.key)
    instance = await read_api.wait_completed(old)
    assert instance["processVersion"] == 1


async def test_an_instance_can_be_started_on_an_older_version(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs
) -> None:
    await deploy(version_of("explicit", "v.one"))
    await deploy(version_of("explicit", "v.two"))

    response = await client.run_process("explicit", version=1)

    assert response.version == 1
    assert (await jobs.one("v.one")).processInstanceKey == response.process_instance_key


async def test_one_deployment_can_hold_several_resources(client: ZeebeClient, tmp_path: Path) -> None:
    paths = []
    for name in ("first", "second"):
        path = tmp_path / f"{name}.bpmn"
        path.write_bytes(version_of(name, f"{name}.work"))
        paths.append(path)

    response = await client.deploy_resource(*paths)

    assert sorted((p.bpmn_process_id, p.version) for p in processes(response)) == [
        ("first", 1),
        ("second", 1),
    ]


async def test_a_deployment_with_one_invalid_resource_deploys_nothing(
    client: ZeebeClient, tmp_path: Path
) -> None:
    good, bad = tmp_path / "good.bpmn", tmp_path / "bad.bpmn"
    good.write_bytes(version_of("good", "good.work"))
    bad.write_bytes(d.process("bad", d.start(), d.service_task("task", ""), d.chain("start", "task")))

    with pytest.raises(ProcessInvalidError):
        await client.deploy_resource(good, bad)

    with pytest.raises(ProcessDefinitionNotFoundError):
        await client.run_process("good")


# ---------------------------------------------------------------------- keys


async def test_keys_look_like_zeebes_partition_1_keys(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    response = await deploy(version_of("keys", "keys.work"))
    instance = await client.run_process("keys")
    job = await jobs.one("keys.work")
    await jobs.fail(job.key, retries=0, message="for the incident key")
    incident = await read_api.wait_incident(instance.process_instance_key)

    keys = {
        "deployment": response.key,
        "process definition": processes(response)[0].process_definition_key,
        "process instance": instance.process_instance_key,
        "element instance": job.elementInstanceKey,
        "job": job.key,
        "incident": incident["key"],
    }
    assert {name: FIRST_KEY <= key < NEXT_PARTITION for name, key in keys.items()} == dict.fromkeys(
        keys, True
    )
    assert len(set(keys.values())) == len(keys)


# ---------------------------------------------------------------------- invalid diagrams


async def test_service_task_without_task_definition_is_refused_naming_resource_and_element(
    deploy: Deploy,
) -> None:
    document = d.process(
        "no_task_definition",
        d.start(),
        '<bpmn:serviceTask id="charge_card" name="charge"/>',
        d.end(),
        d.chain("start", "charge_card", "end"),
    )

    message = await refusal(deploy, document, "checkout.bpmn")

    assert "'checkout.bpmn'" in message
    assert "charge_card" in message
    assert "taskDefinition" in message


async def test_compensation_boundary_without_handler_is_refused(deploy: Deploy) -> None:
    document = d.process(
        "no_handler",
        d.start(),
        d.service_task("reserve", "reserve"),
        '<bpmn:boundaryEvent id="reserve_comp" attachedToRef="reserve">'
        '<bpmn:compensateEventDefinition id="reserve_comp_def"/></bpmn:boundaryEvent>',
        d.end(),
        d.chain("start", "reserve", "end"),
    )

    message = await refusal(deploy, document, "saga.bpmn")

    assert "'saga.bpmn'" in message
    assert "reserve_comp" in message


async def test_invalid_feel_expression_is_refused_naming_the_element(deploy: Deploy) -> None:
    document = d.process(
        "bad_feel",
        d.start(),
        d.gateway("exclusiveGateway", "choose", default="to_other"),
        d.end("big"),
        d.end("other"),
        d.chain("start", "choose"),
        d.flow("choose", "big", condition="=amount >", flow_id="to_big"),
        d.flow("choose", "other", flow_id="to_other"),
    )

    message = await refusal(deploy, document, "feel.bpmn")

    assert "'feel.bpmn'" in message
    assert "to_big" in message


async def test_invalid_feel_in_an_input_mapping_is_refused(deploy: Deploy) -> None:
    document = d.single_task("bad_mapping", "work", inputs=[("=order.(", "orderId")])

    message = await refusal(deploy, document, "mapping.bpmn")

    assert "'mapping.bpmn'" in message
    assert "task" in message


async def test_malformed_xml_is_refused_naming_the_resource(deploy: Deploy) -> None:
    message = await refusal(deploy, b"<bpmn:definitions", "broken.bpmn")

    assert "'broken.bpmn'" in message


async def test_a_refused_deployment_leaves_earlier_versions_in_place(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs
) -> None:
    await deploy(version_of("kept", "kept.work"))
    await refusal(
        deploy,
        d.process("kept", d.start(), '<bpmn:serviceTask id="task"/>', d.chain("start", "task")),
        "kept.bpmn",
    )

    response = await client.run_process("kept")

    assert response.version == 1
    assert (await jobs.one("kept.work")).processInstanceKey == response.process_instance_key
