"""How a consumer group's handler reads a service's answer: retry, give up on the record, or go on.

A 5xx, a 429 or a network error is technical and raises for the runner to retry the same record;
any other 4xx will never succeed and is :class:`Poison` (the record goes to the dead-letter topic).
"""

from __future__ import annotations

import httpx

from events.consumer.dead_letters import Poison
from events.envelope import Envelope


def idempotency_headers(group_id: str, envelope: Envelope) -> dict[str, str]:
    """One key per group and event: a redelivery the inbox missed replays the stored answer."""
    return {"Idempotency-Key": f"{group_id}:{envelope.event_id}"}


def problem_code(response: httpx.Response) -> str | None:
    """The problem document's ``code``, if the answer is one."""
    try:
        code = response.json().get("code")
    except ValueError:
        return None
    return code if isinstance(code, str) else None


def raise_for(service: str, response: httpx.Response) -> None:
    if response.status_code >= 500 or response.status_code == 429:
        response.raise_for_status()
    if response.status_code >= 400:
        raise Poison(f"{service} answered {response.status_code} {problem_code(response) or ''}".strip())
