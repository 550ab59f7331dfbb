"""``GET /monitor/api/instances/{key}/jobs``: the jobs of an element and each one's state changes,
as the engine's runtime recorded them."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.unit.engine.monitor.driver import Driver


def jobs(client: TestClient, key: int, element_id: str | None = "task") -> list[dict[str, Any]]:
    params = {"elementId": element_id} if element_id else {}
    response = client.get(f"/monitor/api/instances/{key}/jobs", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def events(job: dict[str, Any]) -> list[str]:
    return [e["event"] for e in job["events"]]


def test_a_created_job_is_in_the_history_of_its_element(operations: TestClient, driver: Driver) -> None:
    instance = driver.instance()

    (job,) = jobs(operations, instance)

    assert (job["type"], job["elementId"], job["state"], job["retries"]) == ("work", "task", "CREATED", 1)
    assert job["events"][0]["time"].endswith("+0000")


def test_a_job_failed_then_retried_and_completed_shows_each_step(
    operations: TestClient, driver: Driver
) -> None:
    instance, incident = driver.incident()
    driver.run(lambda e: e.retry_incident(incident))
    job_key = driver.job(worker="second-worker")
    driver.run(lambda e: e.complete_job(job_key, {}))

    (job,) = jobs(operations, instance)

    assert events(job) == ["CREATED", "ACTIVATED", "FAILED", "RETRIES_UPDATED", "ACTIVATED", "COMPLETED"]
    failed = job["events"][2]
    assert (failed["worker"], failed["retries"], failed["message"]) == ("tester", 0, "boom")
    assert job["events"][4]["worker"] == "second-worker"
    assert (job["key"], job["state"]) == (job_key, "COMPLETED")


def test_an_error_thrown_by_a_worker_is_in_the_history_with_its_code(
    operations: TestClient, driver: Driver
) -> None:
    instance = driver.instance()
    job_key = driver.job()
    driver.run(lambda e: e.throw_error(job_key, "NO_STOCK", "sold out", {}))

    (job,) = jobs(operations, instance)

    assert job["events"][-1]["event"] == "ERROR_THROWN"
    assert job["events"][-1]["message"] == "NO_STOCK: sold out"


def test_canceling_the_instance_cancels_its_job_in_the_history(
    operations: TestClient, driver: Driver
) -> None:
    instance = driver.instance()
    driver.run(lambda e: e.cancel_instance(instance))

    (job,) = jobs(operations, instance)

    assert job["state"] == "CANCELED"


def test_an_element_without_jobs_has_an_empty_history(operations: TestClient, driver: Driver) -> None:
    instance = driver.instance()

    assert jobs(operations, instance, "start") == []


def test_without_an_element_the_jobs_of_every_element_are_listed(
    operations: TestClient, driver: Driver
) -> None:
    first, second = driver.instance(), driver.instance()

    assert [j["elementId"] for j in jobs(operations, first, None)] == ["task"]
    assert jobs(operations, first, None) != jobs(operations, second, None)


def test_the_jobs_of_an_unknown_instance_are_not_found(operations: TestClient) -> None:
    response = operations.get("/monitor/api/instances/424242/jobs")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_job_its_worker_held_past_the_timeout_shows_it_timed_out(
    operations: TestClient, driver: Driver
) -> None:
    instance = driver.instance()
    driver.job()
    later = driver.service.partition.clock() + 3600
    driver.service.partition.clock = lambda: later
    driver.run(lambda e: e.tick())

    (job,) = jobs(operations, instance)

    assert events(job)[-1] == "TIMED_OUT"
    assert job["events"][-1]["worker"] == "tester"
