"""How a consumer group runs (``CONSUMER_*``); each consumer adds its own settings next to these."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from events.process import default_instance_id
from events.topics import DAY_MS, RETENTION_MS


class ConsumerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONSUMER_", frozen=True, extra="ignore")

    instance_id: str = Field(
        default_factory=default_instance_id,
        description="This consumer's name (its dead-letter producer's transactional.id); unique per "
        "running instance (default: host, pid and a random suffix).",
    )
    batch_size: int = Field(
        default=100, ge=1, le=10_000, description="Records polled (and committed) at once."
    )
    poll_timeout_seconds: float = Field(default=0.2, gt=0, description="Longest wait for a record per poll.")
    retry_first_seconds: float = Field(
        default=0.2,
        gt=0,
        description="First pause before retrying a record that failed for a technical reason.",
    )
    retry_longest_seconds: float = Field(
        default=10.0, gt=0, description="Longest pause between retries (they double up to this)."
    )
    keep_processed_days: float = Field(
        default=14.0,
        ge=0,
        description="Inbox rows are deleted once their event was applied this long ago: twice the "
        "topics' retention, so no redelivered copy outlives its row; 0 keeps them for ever.",
    )
    purge_interval_seconds: float = Field(
        default=3600.0, gt=0, description="How often each consumer deletes its group's old inbox rows."
    )

    @field_validator("keep_processed_days")
    @classmethod
    def _outlives_the_topics(cls, days: float) -> float:
        """Shorter than the topics' retention, a redelivered copy could find no row and apply twice."""
        least = RETENTION_MS / DAY_MS
        if 0 < days < least:
            raise ValueError(f"must be 0 (keep for ever) or at least the topics' retention, {least:g} days")
        return days
