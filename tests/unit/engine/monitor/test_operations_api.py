"""``POST /monitor/api/...``: the monitor's operations, applied through the engine's command path.

A real :class:`EngineService` on a temporary directory is driven with its own commands; the read API
reads the database the service writes, as in ``engine serve`` (fixtures in ``conftest.py``).
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from engine.service import EngineService
from tests.unit.engine.monitor.driver import Driver

SAME_SITE = {"X-Requested-With": "engine-monitor"}


def assert_problem(response: Any, status: int, detail_part: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert detail_part in body["detail"]


# --------------------------------------------------------------------------- retry an incident
def test_retrying_an_incident_gives_its_job_a_retry_and_resolves_it(
    operations: TestClient, driver: Driver, service: EngineService
) -> None:
    instance, incident = driver.incident()

    response = operations.post(f"/monitor/api/incidents/{incident}/retry", json={}, headers=SAME_SITE)

    assert response.status_code == 200, response.text
    assert response.json()["operation"] == "RESOLVE_INCIDENT"
    assert service.partition.instances[instance].incidents == {}
    (job,) = service.partition.instances[instance].jobs.values()
    assert (job.retries, job.state) == (1, "ACTIVATABLE")


def test_retrying_an_unknown_incident_is_not_found(operations: TestClient, driver: Driver) -> None:
    response = operations.post("/monitor/api/incidents/999999/retry", headers=SAME_SITE)

    assert_problem(response, 404, "no such incident")


def test_retrying_a_resolved_incident_is_a_conflict(operations: TestClient, driver: Driver) -> None:
    _, incident = driver.incident()
    operations.post(f"/monitor/api/incidents/{incident}/retry", headers=SAME_SITE)

    response = operations.post(f"/monitor/api/incidents/{incident}/retry", headers=SAME_SITE)

    assert_problem(response, 409, "already resolved")


# --------------------------------------------------------------------------- cancel an instance
def test_canceling_an_instance_ends_it(
    operations: TestClient, driver: Driver, service: EngineService
) -> None:
    instance = driver.instance()

    response = operations.post(f"/monitor/api/instances/{instance}/cancel", headers=SAME_SITE)

    assert response.status_code == 200, response.text
    assert instance not in service.partition.instances
    assert operations.get(f"/v1/process-instances/{instance}").json()["state"] == "CANCELED"


def test_canceling_an_ended_instance_is_a_conflict(operations: TestClient, driver: Driver) -> None:
    instance = driver.instance()
    operations.post(f"/monitor/api/instances/{instance}/cancel", headers=SAME_SITE)

    response = operations.post(f"/monitor/api/instances/{instance}/cancel", headers=SAME_SITE)

    assert_problem(response, 409, "already canceled")


def test_canceling_an_unknown_instance_is_not_found(operations: TestClient, driver: Driver) -> None:
    response = operations.post("/monitor/api/instances/999999/cancel", headers=SAME_SITE)

    assert_problem(response, 404, "no such process was found")


# --------------------------------------------------------------------------- set a variable
def test_setting_a_variable_writes_it_in_the_chosen_scope(
    operations: TestClient, driver: Driver, service: EngineService
) -> None:
    instance = driver.instance()
    (task,) = (e for e in service.partition.instances[instance].elements.values() if e.element_id == "task")

    response = operations.post(
        f"/monitor/api/instances/{instance}/variables",
        json={"scopeKey": task.key, "name": "note", "value": '{"checked": true}'},
        headers=SAME_SITE,
    )

    assert response.status_code == 200, response.text
    variable = operations.get(f"/v1/variables/{task.key}-note").json()
    assert (variable["scopeKey"], variable["value"]) == (task.key, '{"checked":true}')


def test_a_variable_value_must_be_json(operations: TestClient, driver: Driver) -> None:
    instance = driver.instance()

    response = operations.post(
        f"/monitor/api/instances/{instance}/variables",
        json={"scopeKey": instance, "name": "note", "value": "not json"},
        headers=SAME_SITE,
    )

    assert_problem(response, 400, "not JSON")


def test_setting_a_variable_in_a_scope_of_another_instance_is_not_found(
    operations: TestClient, driver: Driver
) -> None:
    instance, other = driver.instance(), driver.instance()

    response = operations.post(
        f"/monitor/api/instances/{instance}/variables",
        json={"scopeKey": other, "name": "note", "value": "1"},
        headers=SAME_SITE,
    )

    assert_problem(response, 404, f"no such element is active in process instance {instance}")


def test_setting_a_variable_of_an_ended_instance_is_a_conflict(
    operations: TestClient, driver: Driver
) -> None:
    instance = driver.instance()
    operations.post(f"/monitor/api/instances/{instance}/cancel", headers=SAME_SITE)

    response = operations.post(
        f"/monitor/api/instances/{instance}/variables",
        json={"scopeKey": instance, "name": "note", "value": "1"},
        headers=SAME_SITE,
    )

    assert_problem(response, 409, "canceled")


# --------------------------------------------------------------------------- no engine
@pytest.mark.parametrize("path", ["/monitor/api/incidents/1/retry", "/monitor/api/instances/1/cancel"])
def test_operations_without_an_engine_are_unavailable(client: TestClient, path: str) -> None:
    response = client.post(path, headers=SAME_SITE)

    assert_problem(response, 503, "need the engine")


# --------------------------------------------------------------------------- cross-site requests
def test_an_operation_without_the_monitor_header_is_forbidden(
    operations: TestClient, driver: Driver, service: EngineService
) -> None:
    instance = driver.instance()

    response = operations.post(f"/monitor/api/instances/{instance}/cancel")

    assert_problem(response, 403, "X-Requested-With")
    assert instance in service.partition.instances


def test_an_operation_from_another_origin_is_forbidden(
    operations: TestClient, driver: Driver, service: EngineService
) -> None:
    instance = driver.instance()

    response = operations.post(
        f"/monitor/api/instances/{instance}/cancel",
        headers={**SAME_SITE, "Origin": "http://evil.example"},
    )

    assert_problem(response, 403, "http://evil.example")
    assert instance in service.partition.instances


def test_an_operation_from_the_monitors_own_origin_is_accepted(
    operations: TestClient, driver: Driver
) -> None:
    instance = driver.instance()

    response = operations.post(
        f"/monitor/api/instances/{instance}/cancel",
        headers={**SAME_SITE, "Origin": "http://testserver"},
    )

    assert response.status_code == 200, response.text
