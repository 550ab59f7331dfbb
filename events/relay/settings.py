"""Relay settings (``RELAY_*``); the log itself is chosen by :class:`events.settings.EventsSettings`."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from events.process import default_instance_id


class RelaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RELAY_", frozen=True, extra="ignore")

    instance_id: str = Field(
        default_factory=default_instance_id,
        description="This relay's name, as the holder of its outboxes' leases. Unique per running "
        "instance (default: host, pid and a random suffix).",
    )
    transactional_id_prefix: str = Field(
        default="relay",
        min_length=1,
        max_length=100,
        description="Starts each outbox's Kafka transactional.id (`<prefix>-<service>`). Give each "
        "deployment sharing a Kafka cluster its own (e.g. relay-staging), or their relays fence each "
        "other.",
    )
    batch_size: int = Field(
        default=1000, ge=1, le=10_000, description="Outbox rows published per transaction (at most)."
    )
    idle_poll_seconds: float = Field(
        default=0.05, gt=0, description="Pause after a batch, and the first pause once nothing is waiting."
    )
    idle_poll_longest_seconds: float = Field(
        default=0.5,
        gt=0,
        description="Longest pause between polls of a quiet outbox (the pauses double up to it).",
    )
    lease_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How long a lease lasts without renewal: the longest a crashed relay's outbox "
        "waits before another relay takes over.",
    )
    retry_seconds: float = Field(
        default=1.0, gt=0, description="Pause after a failed publish or database error before retrying."
    )
