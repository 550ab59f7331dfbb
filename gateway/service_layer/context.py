"""What the use cases work with: the database, a way to start instances, a way to read them, and the
few settings that shape starting (lease, payment time limit, diagram version). The ports are
protocols so the use cases do not depend on pyzeebe or httpx themselves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from gateway.domain.model import StartedInstance
from gateway.domain.progress import ProcessInstance, ProcessSnapshot
from gateway.domain.rollout import Rollout
from gateway.service_layer.settlements import Settlements
from gateway.service_layer.unit_of_work import GatewayUnitOfWork
from services.common.database import Database


class ProcessStarter(Protocol):
    async def start(self, variables: dict[str, Any], version: int) -> StartedInstance:
        """A new checkout instance at ``version`` (-1: the latest); raises ``StartFailed`` when it may
        not have started."""
        ...


class ProcessReader(Protocol):
    async def instance(self, key: int) -> ProcessInstance | None: ...

    async def snapshot(self, key: int) -> ProcessSnapshot: ...

    async def instances_of_checkout(self, checkout_id: str) -> list[StartedInstance]: ...


@dataclass(frozen=True)
class GatewayContext:
    database: Database
    starter: ProcessStarter
    reader: ProcessReader
    replica_id: str
    """Names this gateway process in start claims."""
    lease: timedelta
    start_timeout_seconds: float
    payment_timeout: str | None
    rollout: Rollout
    """Which diagram version new checkouts start on."""
    settlements: Settlements
    """Wakes the waiting requests of this gateway."""
    projection_in_process: bool
    """Whether this gateway runs the checkout projection's consumer (its announcements then wake the
    waiting requests at once, and Operate is only their safety net)."""
    recovery_batch_size: int = 50

    def uow(self, *, read_only: bool = False) -> GatewayUnitOfWork:
        return GatewayUnitOfWork(self.database, read_only=read_only)
