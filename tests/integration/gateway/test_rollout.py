"""Which diagram version the gateway starts checkouts on, and that each checkout records it.

The engine holds two versions of ``checkout`` (the second differs only by a comment, which is enough
for Zeebe to make it a new version); the gateway's rollout settings decide where new checkouts go.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from tests.integration.gateway.conftest import (
    CHECKOUT_BPMN,
    LocalEngine,
    checkout_body,
    gateway_settings,
    running_gateway,
)

CHECKOUTS = 12


@pytest.fixture
async def second_version(engine: LocalEngine, tmp_path: Path) -> int:
    """Deploy a second version of ``checkout``; its version number."""
    diagram = tmp_path / "checkout.bpmn"
    diagram.write_text(
        CHECKOUT_BPMN.read_text().replace("</bpmn:definitions>", "<!-- v2 --></bpmn:definitions>")
    )
    deployment = await engine.zeebe.deploy_resource(str(diagram))
    version: int = deployment.deployments[0].version
    return version


async def start_checkouts(
    engine: LocalEngine, tmp_path: Path, count: int = CHECKOUTS, **rollout: Any
) -> list[dict[str, Any]]:
    settings = gateway_settings(f"sqlite:///{tmp_path / 'gateway.db'}", engine.operate_url, **rollout)
    async with running_gateway(settings, engine.address) as gateway:
        return [(await gateway.start(checkout_body())).json() for _ in range(count)]


async def instance_versions(engine: LocalEngine, documents: list[dict[str, Any]]) -> set[int]:
    versions = set()
    for document in documents:
        response = await engine.read_api.get(f"/v1/process-instances/{document['process_instance_key']}")
        response.raise_for_status()
        versions.add(response.json()["processVersion"])
    return versions


async def test_checkouts_start_on_the_latest_version_by_default(
    engine: LocalEngine, second_version: int, tmp_path: Path
) -> None:
    documents = await start_checkouts(engine, tmp_path)

    assert {d["process_version"] for d in documents} == {second_version}
    assert await instance_versions(engine, documents) == {second_version}


async def test_a_pinned_version_takes_every_new_checkout(
    engine: LocalEngine, second_version: int, tmp_path: Path
) -> None:
    documents = await start_checkouts(engine, tmp_path, process_version=1)

    assert {d["process_version"] for d in documents} == {1}
    assert await instance_versions(engine, documents) == {1}


async def test_a_full_canary_sends_every_new_checkout_to_the_latest_version(
    engine: LocalEngine, second_version: int, tmp_path: Path
) -> None:
    documents = await start_checkouts(engine, tmp_path, process_version=1, canary_percent=100)

    assert {d["process_version"] for d in documents} == {second_version}


async def test_a_half_canary_splits_new_checkouts_between_the_versions(
    engine: LocalEngine, second_version: int, tmp_path: Path
) -> None:
    documents = await start_checkouts(engine, tmp_path, count=24, process_version=1, canary_percent=50)

    versions = [d["process_version"] for d in documents]
    # Checkout ids are random: 24 of them all landing on one side has probability 2 * 0.5**24.
    assert set(versions) == {1, second_version}
    assert await instance_versions(engine, documents) == {1, second_version}


async def test_the_metrics_count_started_instances_per_version(
    engine: LocalEngine, second_version: int, tmp_path: Path
) -> None:
    settings = gateway_settings(
        f"sqlite:///{tmp_path / 'gateway.db'}", engine.operate_url, process_version=1, canary_percent=50
    )
    async with running_gateway(settings, engine.address) as gateway:
        documents = [(await gateway.start(checkout_body())).json() for _ in range(CHECKOUTS)]
        exposition = (await gateway.anonymous.get("/metrics")).text

    started = {
        version: len([d for d in documents if d["process_version"] == version])
        for version in (1, second_version)
    }
    for version, count in started.items():
        line = f'checkout_gateway_instances_started_total{{version="{version}"}} {float(count)}'
        assert (line in exposition) == (count > 0), line


async def test_a_checkout_read_back_names_its_version(
    engine: LocalEngine, second_version: int, tmp_path: Path
) -> None:
    settings = gateway_settings(f"sqlite:///{tmp_path / 'gateway.db'}", engine.operate_url, process_version=1)
    async with running_gateway(settings, engine.address) as gateway:
        checkout_id = await gateway.started_id()
        document = await gateway.get(checkout_id)

    assert document["process_version"] == 1


async def test_pinning_a_version_that_was_never_deployed_leaves_the_checkout_pending(
    engine: LocalEngine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="gateway.service_layer.start")

    documents = await start_checkouts(engine, tmp_path, process_version=99)

    assert {(d["status"], d["process_version"]) for d in documents} == {("PENDING", None)}
    assert "process instance not started (ProcessDefinitionNotFoundError)" in caplog.text
