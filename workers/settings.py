"""The workers' configuration: one pydantic-settings object, ``WORKERS_`` variables, documented defaults.

Where Zeebe is comes from :class:`zeebe_connection.ZeebeSettings` (``ZEEBE_ADDRESS``...), shared with the
gateway and the CLI; everything here is about the services the workers call and how they call them.

``WORKERS_SERVICES`` picks which services' tasks one process runs, so that a deployment can run (and
scale) one worker process per service: payment's slow card calls then neither starve nor wait behind
the cheap cart calls, and each gets the replicas its own load needs.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from events.process import default_instance_id

TASK_GROUPS: tuple[str, ...] = ("cart", "pricing", "payment", "inventory", "order", "saga")
"""What ``WORKERS_SERVICES`` may name: the five services the diagram calls (each with its forward
steps and their compensations, job types ``<service>.*``) and ``saga``, the diagram's own lifecycle
announcements (``saga.*``, which call no service)."""


class WorkerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WORKERS_", frozen=True, extra="ignore")

    name: str = Field(default="checkout-workers", description="Worker name reported to Zeebe.")
    instance_id: str = Field(
        default_factory=default_instance_id,
        description="This process's name: its lifecycle-event producer's Kafka transactional.id "
        "(default: host, pid and a random suffix; unique per running process).",
    )
    cart_url: str = Field(default="http://127.0.0.1:8101", description="Base URL of the cart service.")
    pricing_url: str = Field(default="http://127.0.0.1:8102", description="Base URL of the pricing service.")
    payment_url: str = Field(default="http://127.0.0.1:8103", description="Base URL of the payment service.")
    inventory_url: str = Field(
        default="http://127.0.0.1:8104", description="Base URL of the inventory service."
    )
    order_url: str = Field(default="http://127.0.0.1:8105", description="Base URL of the order service.")
    http_timeout_seconds: float = Field(
        default=5.0, gt=0, description="Per-call HTTP timeout for every service but payment."
    )
    payment_timeout_seconds: float = Field(
        default=15.0,
        gt=0,
        description="Per-call HTTP timeout for payment (it waits on the card processor itself).",
    )
    job_timeout_ms: int = Field(
        default=30_000,
        ge=1_000,
        description="How long Zeebe lets a worker hold a job before handing it to another (at-least-once).",
    )
    max_running_jobs: int = Field(default=32, ge=1, description="Jobs of one task type run at once.")
    max_running_jobs_by_type: Annotated[dict[str, int], NoDecode] = Field(
        default_factory=dict,
        description="Jobs run at once for the job types named, instead of max_running_jobs: "
        "comma-separated <job type>=<jobs> (payment.capture=8,cart.reserve=64). Default: none.",
    )
    backoff_base_ms: int = Field(default=500, ge=1, description="First retry back-off of a failed job.")
    backoff_max_ms: int = Field(default=30_000, ge=1, description="Cap of the exponential back-off.")
    events_retry_ms: int = Field(
        default=2_000,
        ge=1,
        description="Back-off of a job whose lifecycle event the event log did not take (no retry is spent).",
    )
    breaker_failure_threshold: int = Field(
        default=5, ge=1, description="Consecutive technical failures that open a service's circuit."
    )
    breaker_reset_seconds: float = Field(
        default=10.0, gt=0, description="How long an open circuit fails fast before one trial call."
    )
    shutdown_grace_seconds: float = Field(
        default=20.0,
        ge=0,
        description="On SIGTERM, how long in-flight jobs may finish before being handed back.",
    )
    services: Annotated[tuple[str, ...], NoDecode] = Field(
        default=TASK_GROUPS,
        description="Comma-separated task groups this process runs, out of "
        f"{', '.join(TASK_GROUPS)} (default: all of them, one process for the whole diagram).",
    )
    status_host: str = Field(default="127.0.0.1", description="Address of the status endpoint.")
    status_port: int = Field(
        default=8090, ge=0, le=65535, description="Port of the status endpoint (health, circuit breakers)."
    )

    def running_jobs_of(self, job_type: str) -> int:
        """How many jobs of ``job_type`` this process runs at once."""
        return self.max_running_jobs_by_type.get(job_type, self.max_running_jobs)

    def most_running_jobs(self) -> int:
        """The most jobs of any one job type this process runs at once."""
        return max([self.max_running_jobs, *self.max_running_jobs_by_type.values()])

    @field_validator("max_running_jobs_by_type", mode="before")
    @classmethod
    def _pairs(cls, value: object) -> object:
        """``WORKERS_MAX_RUNNING_JOBS_BY_TYPE=payment.capture=8,cart.reserve=64``."""
        if not isinstance(value, str):
            return value
        limits: dict[str, str] = {}
        for part in filter(None, (part.strip() for part in value.split(","))):
            job_type, equals, count = part.partition("=")
            if not equals:
                raise ValueError(f"{part!r}: write <job type>=<jobs at once>")
            limits[job_type.strip()] = count.strip()
        return limits

    @field_validator("max_running_jobs_by_type")
    @classmethod
    def _limits_of_known_groups(cls, value: dict[str, int]) -> dict[str, int]:
        """Job types of known groups, each with at least one job at a time; which actions a group has is
        checked once its routers exist (:meth:`workers.app.WorkerApp.routers`)."""
        for job_type, count in value.items():
            if job_type.partition(".")[0] not in TASK_GROUPS or "." not in job_type:
                raise ValueError(
                    f"{job_type!r} is not a job type: <group>.<action>, the group one of {', '.join(TASK_GROUPS)}"
                )
            if count < 1:
                raise ValueError(f"{job_type}: at least one job at a time")
        return value

    @field_validator("services", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        """``WORKERS_SERVICES=payment,cart``: a comma-separated list, as operators write it in a manifest."""
        if isinstance(value, str):
            return tuple(part.strip().lower() for part in value.split(",") if part.strip())
        return value

    @field_validator("services")
    @classmethod
    def _known(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        """Only known groups, at least one; kept in the diagram's order without repeats.

        A typo must stop the process at start-up: silently running nothing would leave that
        service's jobs waiting for a worker that never comes.
        """
        unknown = [name for name in value if name not in TASK_GROUPS]
        if unknown:
            raise ValueError(
                f"unknown service {', '.join(map(repr, unknown))}; known: {', '.join(TASK_GROUPS)}"
            )
        if not value:
            raise ValueError(f"name at least one of {', '.join(TASK_GROUPS)}")
        return tuple(name for name in TASK_GROUPS if name in value)
