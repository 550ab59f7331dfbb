"""What each job type's worker asks Zeebe for: exactly the variables its diagram element says it reads
(plus the trace context), and how many of its jobs run at once: the process's limit, or the job type's
own (``WORKERS_MAX_RUNNING_JOBS_BY_TYPE``)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pydantic import ValidationError
from pyzeebe.task.task import Task

from telemetry.propagation import TRACEPARENT
from tests.unit.workers.built import tasks_of
from workers.settings import WorkerSettings

DIAGRAM = Path(__file__).resolve().parents[3] / "bpmn" / "checkout.bpmn"
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
ZEEBE = "{http://camunda.org/schema/zeebe/1.0}"


def reads_by_job_type() -> dict[str, list[str]]:
    """Each job type's variables as its element's documentation lists them (``Reads: a, b (note).``)."""
    reads: dict[str, list[str]] = {}
    for element in ET.parse(DIAGRAM).getroot().iter():
        definition = element.find(f"{BPMN}extensionElements/{ZEEBE}taskDefinition")
        if definition is None:
            continue
        documentation = element.findtext(f"{BPMN}documentation") or ""
        match = re.search(r"Reads: (.*?)\.(?:\s|$)", documentation)
        assert match is not None, f"{element.get('id')} does not say what it reads"
        reads[definition.get("type", "")] = [name.split()[0] for name in match.group(1).split(",")]
    return reads


@pytest.fixture
def tasks(tmp_path: Path) -> list[Task]:
    return tasks_of(WorkerSettings(max_running_jobs=7), tmp_path)


def test_every_job_type_fetches_exactly_what_its_element_says_it_reads(tasks: list[Task]) -> None:
    fetched = {task.type: list(task.config.variables_to_fetch or []) for task in tasks}

    assert fetched == {job_type: [*names, TRACEPARENT] for job_type, names in reads_by_job_type().items()}


def test_every_job_type_runs_at_most_the_configured_number_of_jobs_at_once(tasks: list[Task]) -> None:
    assert {(task.config.max_running_jobs, task.config.max_jobs_to_activate) for task in tasks} == {(7, 7)}


def test_a_job_type_given_its_own_limit_runs_that_many_and_the_others_the_default(tmp_path: Path) -> None:
    settings = WorkerSettings(
        max_running_jobs=7, max_running_jobs_by_type="payment.capture=2, cart.reserve=64"
    )

    limits = {task.type: task.config.max_running_jobs for task in tasks_of(settings, tmp_path)}

    assert (limits.pop("payment.capture"), limits.pop("cart.reserve")) == (2, 64)
    assert set(limits.values()) == {7}


def test_a_limit_for_a_job_type_no_worker_of_the_process_registers_stops_it_at_start_up(
    tmp_path: Path,
) -> None:
    settings = WorkerSettings(services=("payment",), max_running_jobs_by_type="payment.captur=2")

    with pytest.raises(ValueError, match=r"no job type of this process: \['payment.captur'\]"):
        tasks_of(settings, tmp_path)


def test_a_limit_for_another_process_s_job_type_is_left_to_that_process(tmp_path: Path) -> None:
    settings = WorkerSettings(services=("payment",), max_running_jobs_by_type="cart.reserve=64")

    assert {task.type for task in tasks_of(settings, tmp_path)} == {"payment.capture", "payment.refund"}


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        ("payment.capture", "write <job type>=<jobs at once>"),
        ("shipping.book=3", "is not a job type"),
        ("payment.capture=0", "at least one job at a time"),
        ("payment.capture=many", "valid integer"),
    ],
)
def test_a_malformed_per_type_limit_is_refused(value: str, complaint: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(complaint)):
        WorkerSettings(max_running_jobs_by_type=value)


def test_per_type_limits_are_read_from_the_environment_as_operators_write_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WORKERS_MAX_RUNNING_JOBS_BY_TYPE", "payment.capture=8, cart.reserve=64")

    settings = WorkerSettings()

    assert (settings.running_jobs_of("payment.capture"), settings.running_jobs_of("order.create")) == (8, 32)
