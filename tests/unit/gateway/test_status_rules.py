"""A checkout's status follows from its process instance as Operate reports it (see
gateway/domain/progress.py for the table)."""

from __future__ import annotations

from gateway.domain.model import CheckoutStatus
from gateway.domain.progress import status_of
from tests.unit.gateway.operate_documents import incident, instance, node, snapshot

END = "2026-01-01T10:00:09.000+0000"


def test_an_instance_operate_has_not_imported_yet_is_running_not_final() -> None:
    assert status_of(snapshot(None)) == (CheckoutStatus.RUNNING, False)


def test_an_active_instance_without_incident_is_running() -> None:
    assert status_of(snapshot(instance(), [node(1, "reserve_cart", "ACTIVE", end=None)])) == (
        CheckoutStatus.RUNNING,
        False,
    )


def test_an_active_instance_with_an_incident_is_failed_but_not_final() -> None:
    stuck = snapshot(instance(incident=True), incidents=[incident("payment service down")])

    assert status_of(stuck) == (CheckoutStatus.FAILED, False)


def test_an_incident_seen_before_the_instance_flag_still_fails_it() -> None:
    assert status_of(snapshot(instance(), incidents=[incident("down")])) == (CheckoutStatus.FAILED, False)


def test_an_instance_ended_through_checkout_completed_is_completed_and_final() -> None:
    ended = snapshot(instance("COMPLETED", end=END), [node(9, "checkout_completed")])

    assert status_of(ended) == (CheckoutStatus.COMPLETED, True)


def test_an_instance_ended_through_checkout_compensated_is_compensated_and_final() -> None:
    ended = snapshot(instance("COMPLETED", end=END), [node(9, "checkout_compensated")])

    assert status_of(ended) == (CheckoutStatus.COMPENSATED, True)


def test_an_ended_instance_whose_end_event_is_not_imported_yet_is_still_running() -> None:
    assert status_of(snapshot(instance("COMPLETED", end=END), [node(1, "reserve_cart")])) == (
        CheckoutStatus.RUNNING,
        False,
    )


def test_an_instance_cancelled_by_an_operator_is_failed_for_good() -> None:
    assert status_of(snapshot(instance("CANCELED", end=END))) == (CheckoutStatus.FAILED, True)


def test_an_instance_state_operate_may_add_later_reads_as_running() -> None:
    assert status_of(snapshot(instance("SUSPENDED"))) == (CheckoutStatus.RUNNING, False)
