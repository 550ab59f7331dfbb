"""The status a checkout's lifecycle announcements imply."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.domain.lifecycle import LifecycleEvent, announced_status
from gateway.domain.model import CheckoutStatus

AT = datetime(2026, 11, 27, tzinfo=UTC)


def events(*types: str) -> list[LifecycleEvent]:
    return [LifecycleEvent(str(n), t, None, None, None, AT) for n, t in enumerate(types)]


def test_no_terminal_announcement_means_no_status_yet() -> None:
    assert announced_status(events("CheckoutStarted", "StepCompleted")) is None


def test_a_completed_checkout_is_completed() -> None:
    assert announced_status(events("CheckoutStarted", "CheckoutCompleted")) is CheckoutStatus.COMPLETED


def test_an_incident_makes_the_checkout_failed() -> None:
    assert announced_status(events("CheckoutStarted", "CheckoutFailed")) is CheckoutStatus.FAILED


def test_a_checkout_that_finished_after_its_incident_was_resolved_takes_its_final_status() -> None:
    announced = events("CheckoutStarted", "CompensationStarted", "CheckoutFailed", "CheckoutCompensated")
    assert announced_status(announced) is CheckoutStatus.COMPENSATED
