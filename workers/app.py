"""The worker process: one pyzeebe worker with the routers of the services it is configured for
(``WORKERS_SERVICES``, default all), the status endpoint, and a graceful shutdown.

On SIGTERM the worker stops activating jobs and lets the running ones finish for up to
``shutdown_grace_seconds``; jobs still running then are handed back to Zeebe (FailJob with their
retries unchanged and no back-off) so another worker takes them at once instead of after the job
timeout. Handing back is safe because every step is idempotent per checkout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import aiohttp
import grpc
import uvicorn
from pyzeebe import Job, ZeebeTaskRouter, ZeebeWorker

from events.settings import EventsSettings
from events.transport import open_transport
from telemetry.http_client import open_session
from workers.breaker import CircuitBreaker
from workers.metrics import WorkerMetrics
from workers.saga_events import SagaEventPublisher
from workers.service_client import ServiceClient
from workers.settings import WorkerSettings
from workers.status import ZeebeProblem, status_app, zeebe_problem
from workers.tasks import cart, inventory, order, payment, pricing, saga
from zeebe_connection import ZeebeSettings, open_channel

logger = logging.getLogger(__name__)

SERVICES = ("cart", "pricing", "payment", "inventory", "order")
"""The services the workers call over HTTP (each with its client and circuit breaker)."""

ServiceRouter = Callable[[ServiceClient, WorkerSettings, SagaEventPublisher, WorkerMetrics], ZeebeTaskRouter]
SERVICE_ROUTERS: dict[str, ServiceRouter] = {
    "cart": cart.router,
    "pricing": pricing.router,
    "payment": payment.router,
    "inventory": inventory.router,
    "order": order.router,
}


class InFlightJobs:
    """The jobs whose task function is running: pyzeebe's before/after decorators keep the set (and
    time each job from its activation)."""

    def __init__(self, metrics: WorkerMetrics) -> None:
        self.jobs: dict[int, Job] = {}
        self._metrics = metrics

    async def started(self, job: Job) -> Job:
        self.jobs[job.key] = job
        return job

    async def finished(self, job: Job) -> Job:
        self.jobs.pop(job.key, None)
        self._metrics.job_handled(job.type, job.deadline)
        return job


class WorkerApp:
    def __init__(self, settings: WorkerSettings, zeebe: ZeebeSettings) -> None:
        self.settings = settings
        self.zeebe = zeebe
        # Only the services this process calls: a payment-only worker reports payment's circuit alone,
        # and the breakers of all the worker deployments together cover every service once.
        self.services = tuple(name for name in SERVICES if name in settings.services)
        self.breakers = {
            name: CircuitBreaker(name, settings.breaker_failure_threshold, settings.breaker_reset_seconds)
            for name in self.services
        }
        self.metrics = WorkerMetrics(self.breakers, settings.job_timeout_ms)
        self.in_flight = InFlightJobs(self.metrics)

    def _client(self, name: str, http: aiohttp.ClientSession) -> ServiceClient:
        timeout = (
            self.settings.payment_timeout_seconds if name == "payment" else self.settings.http_timeout_seconds
        )
        url: str = getattr(self.settings, f"{name}_url")
        return ServiceClient(name, url, timeout, self.breakers[name], http)

    def build_worker(
        self, http: aiohttp.ClientSession, events: SagaEventPublisher, channel: grpc.aio.Channel | None = None
    ) -> ZeebeWorker:
        worker = ZeebeWorker(
            channel or open_channel(self.zeebe),
            name=self.settings.name,
            before=[self.in_flight.started],
            after=[self.in_flight.finished],
            max_connection_retries=-1,  # a restarting gateway must not stop the workers for good
        )
        worker.include_router(*self.routers(http, events))
        return worker

    def routers(self, http: aiohttp.ClientSession, events: SagaEventPublisher) -> list[ZeebeTaskRouter]:
        """The routers of the task groups in ``WORKERS_SERVICES``, and no others: a job type this
        process does not register is left to the worker deployment that does."""
        routers = [
            SERVICE_ROUTERS[name](self._client(name, http), self.settings, events, self.metrics)
            for name in self.services
        ]
        if "saga" in self.settings.services:
            routers.append(saga.router(self.settings, events, self.metrics))
        registered = {task.type for router in routers for task in router.tasks}
        unknown = sorted(
            job_type
            for job_type in self.settings.max_running_jobs_by_type
            if job_type.partition(".")[0] in self.settings.services and job_type not in registered
        )
        if unknown:
            # A typo must stop the process at start-up rather than leave the limit silently unset.
            raise ValueError(f"WORKERS_MAX_RUNNING_JOBS_BY_TYPE names no job type of this process: {unknown}")
        return routers

    async def run(self, stop: asyncio.Event, ready: asyncio.Event | None = None) -> None:
        """Work until ``stop`` is set, then shut down gracefully."""
        max_connections = max(1, len(self.services)) * self.settings.most_running_jobs()
        transport = open_transport(EventsSettings())
        events = SagaEventPublisher(transport.publisher(f"workers-{self.settings.instance_id}"))
        events.start()
        try:
            # Closed only after the graceful shutdown: jobs finishing in the grace period still call.
            async with open_session(max_connections) as http:
                channel = open_channel(self.zeebe)
                await self._work(
                    self.build_worker(http, events, channel), zeebe_problem(channel), stop, ready
                )
        finally:
            await events.stop()

    async def _work(
        self, worker: ZeebeWorker, zeebe: ZeebeProblem, stop: asyncio.Event, ready: asyncio.Event | None
    ) -> None:
        """Serve the status endpoint and work until ``stop`` is set or the worker dies."""
        status = uvicorn.Server(
            uvicorn.Config(
                status_app(self.breakers, self.metrics.registry, zeebe),
                host=self.settings.status_host,
                port=self.settings.status_port,
                log_level="warning",
                lifespan="off",
            )
        )
        status_task = asyncio.create_task(status.serve())
        work_task = asyncio.create_task(worker.work())
        logger.info("workers for %s connected to %s", ",".join(self.settings.services), self.zeebe.describe())
        if ready is not None:
            ready.set()
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait({work_task, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if work_task.done():
            stopped.cancel()
            status.should_exit = True
            await status_task
            work_task.result()  # the worker died on its own: let its error out
            return
        await self._shut_down(worker, work_task)
        status.should_exit = True
        await status_task

    async def _shut_down(self, worker: ZeebeWorker, work_task: asyncio.Task[None]) -> None:
        logger.info("stopping: no new jobs; %d running", len(self.in_flight.jobs))
        try:
            await asyncio.wait_for(worker.stop(), timeout=self.settings.shutdown_grace_seconds)
        except TimeoutError:
            await self._hand_back(worker)
        work_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await work_task
        logger.info("workers stopped")

    async def _hand_back(self, worker: ZeebeWorker) -> None:
        for job in list(self.in_flight.jobs.values()):
            with contextlib.suppress(Exception):  # the job may have timed out or completed meanwhile
                await worker.zeebe_adapter.fail_job(
                    job_key=job.key,
                    retries=job.retries,
                    message="worker shutting down; handed back",
                    retry_back_off_ms=0,
                    variables={},
                )
                logger.info("handed back job %s (%s)", job.key, job.type)
