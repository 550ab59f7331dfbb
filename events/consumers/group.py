"""What ``python -m events.consumers`` needs to run a group whose handlers call one service."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import httpx

from events.consumer.runner import Handler


@dataclass(frozen=True)
class HttpGroup:
    group_id: str
    topics: tuple[str, ...]
    database_url: str
    """Where the group's inbox lives."""
    service_url: str
    timeout_seconds: float
    handlers: Callable[[httpx.Client], Mapping[str, Handler]]
    """The handlers by event type, given a client of the service."""
