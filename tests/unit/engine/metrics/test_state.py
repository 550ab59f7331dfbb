"""The state gauges say what is true in the partition at the moment of the scrape."""

from __future__ import annotations

from engine.metrics.registry import EngineMetrics
from engine.runtime.partition import Partition
from engine.runtime.state import IncidentType
from tests.unit.engine.metrics.partition_harness import JOB_TYPE, Harness

# ---------------------------------------------------------------------- process instances


def test_a_deployed_process_without_instances_reports_zero_active_and_zero_incidents() -> None:
    harness = Harness()
    harness.deploy("review")

    assert harness.active("review") == 0
    assert harness.incidents("review") == 0


def test_starting_instances_raises_the_active_count_of_their_process_only() -> None:
    harness = Harness()
    harness.deploy("review")
    harness.deploy("audit", job_type="audit.check")

    harness.start("review")
    harness.start("review")
    harness.start("audit")

    assert harness.active("review") == 2
    assert harness.active("audit") == 1


def test_a_completed_instance_is_no_longer_active() -> None:
    harness = Harness()
    harness.deploy("review")
    harness.start("review")
    harness.start("review")
    (job_key, _) = harness.activate()

    harness.engine.complete_job(job_key, {})

    assert harness.active("review") == 1


def test_a_canceled_instance_is_no_longer_active() -> None:
    harness = Harness()
    harness.deploy("review")
    instance = harness.start("review")

    harness.engine.cancel_instance(instance.key)

    assert harness.active("review") == 0


# ---------------------------------------------------------------------- jobs


def test_a_created_job_is_activatable() -> None:
    harness = Harness()
    harness.deploy("review")

    harness.start("review")
    harness.start("review")

    assert harness.activatable() == 2


def test_an_activated_job_is_not_activatable() -> None:
    harness = Harness()
    harness.deploy("review")
    harness.start("review")
    harness.start("review")

    harness.activate(max_jobs=1)

    assert harness.activatable() == 1


def test_a_job_whose_activation_timed_out_is_activatable_again() -> None:
    harness = Harness()
    harness.deploy("review")
    harness.start("review")
    harness.activate(timeout_ms=5_000)

    harness.pass_time(5)

    assert harness.activatable() == 1


def test_a_failed_job_with_retries_left_is_activatable_again() -> None:
    harness = Harness()
    harness.deploy("review")
    harness.start("review")
    (job_key,) = harness.activate()

    harness.engine.fail_job(job_key, retries=2, message="try again", backoff_ms=0, variables={})

    assert harness.activatable() == 1


def test_a_failed_job_is_not_activatable_while_it_waits_out_its_back_off() -> None:
    harness = Harness()
    harness.deploy("review")
    harness.start("review")
    (job_key,) = harness.activate()

    harness.engine.fail_job(job_key, retries=2, message="later", backoff_ms=10_000, variables={})
    harness.pass_time(9)

    assert harness.activatable() == 0


def test_a_failed_job_is_activatable_once_its_back_off_is_over() -> None:
    harness = Harness()
    harness.deploy("review")
    harness.start("review")
    (job_key,) = harness.activate()
    harness.engine.fail_job(job_key, retries=2, message="later", backoff_ms=10_000, variables={})

    harness.pass_time(10)

    assert harness.activatable() == 1


def test_job_types_are_counted_apart() -> None:
    harness = Harness()
    harness.deploy("review")
    harness.deploy("audit", job_type="audit.check")

    harness.start("review")
    harness.start("audit")
    harness.start("audit")

    assert harness.activatable(JOB_TYPE) == 1
    assert harness.activatable("audit.check") == 2


# ---------------------------------------------------------------------- incidents


def test_a_job_without_retries_left_opens_an_incident_and_is_not_activatable() -> None:
    harness = Harness()
    harness.deploy("review")
    harness.start("review")
    (job_key,) = harness.activate()

    harness.engine.fail_job(job_key, retries=0, message="broken", backoff_ms=0, variables={})

    assert harness.incidents("review") == 1
    assert harness.activatable() == 0


def test_resolving_an_incident_closes_it_and_makes_its_job_activatable() -> None:
    harness = Harness()
    harness.deploy("review")
    harness.start("review")
    (job_key,) = harness.activate()
    harness.engine.fail_job(job_key, retries=0, message="broken", backoff_ms=0, variables={})
    (incident_key,) = harness.partition.incidents

    harness.engine.update_job_retries(job_key, 1)
    harness.engine.resolve_incident(incident_key)

    assert harness.incidents("review") == 0
    assert harness.activatable() == 1


def test_an_unhandled_error_opens_an_incident_on_its_process() -> None:
    harness = Harness()
    harness.deploy("review")
    instance = harness.start("review")
    (job_key,) = harness.activate()

    harness.engine.throw_error(job_key, "NOT_CAUGHT", "nobody catches this", {})

    (incident,) = instance.incidents.values()
    assert incident.type is IncidentType.UNHANDLED_ERROR_EVENT
    assert harness.incidents("review") == 1


def test_canceling_an_instance_closes_its_incidents() -> None:
    harness = Harness()
    harness.deploy("review")
    instance = harness.start("review")
    (job_key,) = harness.activate()
    harness.engine.fail_job(job_key, retries=0, message="broken", backoff_ms=0, variables={})

    harness.engine.cancel_instance(instance.key)

    assert harness.incidents("review") == 0


# ---------------------------------------------------------------------- recovery


def test_gauges_count_the_instances_a_fresh_partition_loads() -> None:
    before = Harness()
    before.deploy("review")
    before.start("review")
    before.start("review")
    (job_key,) = before.activate(max_jobs=1)
    before.engine.fail_job(job_key, retries=0, message="broken", backoff_ms=0, variables={})
    loaded = Partition()
    registry = EngineMetrics.of(loaded).registry

    for instance in before.partition.instances.values():
        loaded.index_instance(instance)

    assert registry.get_sample_value("engine_process_instances_active", {"bpmn_process_id": "review"}) == 2
    assert registry.get_sample_value("engine_incidents_open", {"bpmn_process_id": "review"}) == 1
    assert registry.get_sample_value("engine_jobs_activatable", {"job_type": JOB_TYPE}) == 1
