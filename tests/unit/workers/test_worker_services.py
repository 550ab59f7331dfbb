"""``WORKERS_SERVICES``: one worker process per service, each registering that service's job types only.

A deployment scales each service's workers on its own (deploy/k8s/), so a process configured for
payment must take payment's jobs, forward and compensation, and leave every other job type to the
deployment that registers it; together the groups must still cover the whole diagram exactly once.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from tests.unit.workers.built import tasks_of
from workers.app import WorkerApp
from workers.settings import TASK_GROUPS, WorkerSettings
from workers.tasks.saga import ANNOUNCEMENTS
from zeebe_connection import ZeebeSettings


def registered_job_types(settings: WorkerSettings, tmp_path: Path) -> set[str]:
    """The job types the process's pyzeebe worker would activate."""
    return {task.type for task in tasks_of(settings, tmp_path)}


def test_a_process_for_payment_registers_exactly_payments_step_and_its_compensation(tmp_path: Path) -> None:
    assert registered_job_types(WorkerSettings(services=("payment",)), tmp_path) == {
        "payment.capture",
        "payment.refund",
    }


def test_the_saga_group_registers_the_lifecycle_announcements_only(tmp_path: Path) -> None:
    assert registered_job_types(WorkerSettings(services=("saga",)), tmp_path) == set(ANNOUNCEMENTS)


def test_the_groups_split_the_default_process_without_overlap(tmp_path: Path) -> None:
    every = registered_job_types(WorkerSettings(), tmp_path)
    groups = {name: registered_job_types(WorkerSettings(services=(name,)), tmp_path) for name in TASK_GROUPS}

    assert all(job_type.startswith(f"{name}.") for name, types in groups.items() for job_type in types)
    assert all(len(types) >= 2 for types in groups.values())
    assert sum(len(types) for types in groups.values()) == len(every)
    assert set().union(*groups.values()) == every


def test_the_default_is_every_group(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WORKERS_SERVICES", raising=False)
    assert WorkerSettings().services == TASK_GROUPS


def test_the_variable_is_a_comma_separated_list_kept_in_the_diagrams_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WORKERS_SERVICES", " Payment, cart,,payment ")
    assert WorkerSettings().services == ("cart", "payment")


@pytest.mark.parametrize("value", ["paymnt", "payment,loyalty"])
def test_an_unknown_service_is_refused_by_name(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("WORKERS_SERVICES", value)
    with pytest.raises(ValidationError) as raised:
        WorkerSettings()
    unknown = value.split(",")[-1]
    assert f"unknown service '{unknown}'" in str(raised.value)
    assert "known: cart, pricing, payment, inventory, order, saga" in str(raised.value)


def test_naming_no_service_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKERS_SERVICES", " , ")
    with pytest.raises(ValidationError, match="name at least one of"):
        WorkerSettings()


def test_only_the_services_a_process_calls_have_a_circuit_breaker() -> None:
    assert set(WorkerApp(WorkerSettings(services=("payment", "saga")), ZeebeSettings()).breakers) == {
        "payment"
    }
    assert WorkerApp(WorkerSettings(services=("saga",)), ZeebeSettings()).breakers == {}
