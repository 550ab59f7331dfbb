"""A checkout's lifecycle as the saga announced it on ``checkout.saga``, and the status it implies.

The projection keeps every lifecycle event once. The status rule: the last terminal announcement
wins (``CheckoutFailed`` marks an incident; a later ``CheckoutCompensated`` or ``CheckoutCompleted``
means an operator resolved it and the saga finished); no terminal announcement yet means the saga is
still running, or the projection has not caught up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from gateway.domain.model import CheckoutStatus

TERMINAL = {
    "CheckoutCompleted": CheckoutStatus.COMPLETED,
    "CheckoutCompensated": CheckoutStatus.COMPENSATED,
    "CheckoutFailed": CheckoutStatus.FAILED,
}


@dataclass(frozen=True)
class LifecycleEvent:
    event_id: str
    event_type: str
    step: str | None
    error_code: str | None
    error_message: str | None
    occurred_at: datetime


def announced_status(events: Sequence[LifecycleEvent]) -> CheckoutStatus | None:
    """The status the latest terminal announcement gives, or None when there is none yet."""
    status = None
    for event in events:
        status = TERMINAL.get(event.event_type, status)
    return status
