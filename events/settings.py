"""Which log the events travel on: Kafka when ``KAFKA_BOOTSTRAP_SERVERS`` is set, else a local file.

The variable names are the ones operators already know (no prefix for Kafka's), so one environment
serves the relay, the consumers and the benchmark alike.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class EventsSettings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore", validate_by_name=True)

    kafka_bootstrap_servers: str | None = Field(
        default=None,
        validation_alias="KAFKA_BOOTSTRAP_SERVERS",
        description="Kafka brokers, e.g. '127.0.0.1:59092'. Unset or empty: the local log below "
        "(the embedded default of `make run`, no broker needed).",
    )
    local_log_path: Path = Field(
        default=Path("var/events/log.sqlite"),
        validation_alias="EVENTS_LOCAL_LOG_PATH",
        description="The SQLite file of the local log, shared by every process on this machine.",
    )
