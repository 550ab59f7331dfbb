"""The workers process as its settings build it, never connected: what the unit tests look into."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pyzeebe.task.task import Task

from events.transport.local_log import LocalLogTransport
from telemetry.http_client import open_session
from workers.app import WorkerApp
from workers.saga_events import SagaEventPublisher
from workers.settings import WorkerSettings
from zeebe_connection import ZeebeSettings


def saga_events(directory: Path) -> SagaEventPublisher:
    """A lifecycle-event publisher over a local log file in ``directory`` (never started)."""
    return SagaEventPublisher(LocalLogTransport(directory / "log.sqlite").publisher("workers"))


def tasks_of(settings: WorkerSettings, directory: Path) -> list[Task]:
    """The tasks the workers process would register with these settings."""

    async def build() -> list[Task]:
        async with open_session(1) as http:
            worker = WorkerApp(settings, ZeebeSettings()).build_worker(http, saga_events(directory))
            return list(worker.tasks)

    return asyncio.run(build())
