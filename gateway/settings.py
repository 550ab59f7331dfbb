"""The gateway's configuration: one pydantic-settings object, ``GATEWAY_`` variables, documented defaults.

Where Zeebe is (and the OAuth client credentials of a real Camunda 8) comes from
:class:`zeebe_connection.ZeebeSettings` (``ZEEBE_ADDRESS``...), shared with the workers; everything here
is the gateway's own. Validation errors never show the values given (``hide_input_in_errors``): the
API keys and the database URL are secrets.
"""

from __future__ import annotations

import re

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from gateway.domain.api_keys import ApiKeys, parse_api_keys
from gateway.domain.rollout import Rollout
from services.common.settings import ServiceSettings, database_url_field, port_field, service_settings_config

ENV_PREFIX = "GATEWAY_"

ISO_DURATION = re.compile(r"^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
"""ISO 8601 durations as the diagram's timer takes them: ``PT30S``, ``PT1M30S``, ``P1D``..."""


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(**service_settings_config(ENV_PREFIX), hide_input_in_errors=True)

    database_url: SecretStr = database_url_field("gateway", ENV_PREFIX)
    port: int = port_field(8000)
    api_keys: SecretStr = Field(
        description=(
            "Required. Comma-separated `client=key` pairs; a client may have several keys (rotation). "
            "Keys are at least 16 printable characters; never logged."
        ),
    )
    operate_url: str = Field(
        default="http://127.0.0.1:8081",
        validation_alias=AliasChoices("GATEWAY_OPERATE_URL", "CAMUNDA_OPERATE_BASE_URL"),
        description="Base URL of the Operate REST API v1 (default: the local engine's read API); "
        "Camunda's own name, CAMUNDA_OPERATE_BASE_URL, is read too.",
    )
    operate_audience: str = Field(
        default="operate-api",
        description=(
            "OAuth audience of the Operate token, when ZEEBE_CLIENT_ID is set (Camunda SaaS: "
            "operate.camunda.io)."
        ),
    )
    operate_timeout_seconds: float = Field(default=5.0, gt=0, description="Per-call timeout of Operate.")
    payment_timeout: str | None = Field(
        default=None,
        description=(
            "ISO 8601 duration passed to every checkout as `paymentTimeout`; unset: the diagram's "
            "default (PT30S)."
        ),
    )
    process_version: int | None = Field(
        default=None,
        ge=1,
        description=(
            "The checkout diagram's version new checkouts start on; unset: the latest deployed. Pin it "
            "before deploying a new version, then move traffic with GATEWAY_CANARY_PERCENT."
        ),
    )
    canary_percent: int = Field(
        default=0,
        ge=0,
        le=100,
        description=(
            "Share (0-100) of new checkouts started on the latest version instead of "
            "GATEWAY_PROCESS_VERSION; 100 completes a rollout. Needs GATEWAY_PROCESS_VERSION."
        ),
    )
    start_timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long one CreateProcessInstance call may take."
    )
    recovery_interval_seconds: float = Field(
        default=5.0,
        gt=0,
        description="How often checkouts recorded but not yet started are started (also once at start-up).",
    )
    recovery_lease_seconds: float = Field(
        default=30.0,
        gt=0,
        description="How long a replica holds its claim on a checkout it is starting (> start timeout).",
    )
    recovery_batch_size: int = Field(
        default=50, ge=1, description="Checkouts one recovery pass claims at most."
    )
    projection_enabled: bool = Field(
        default=True,
        description="Run the checkout projection's consumer (topic checkout.saga, on Kafka when "
        "KAFKA_BOOTSTRAP_SERVERS is set, else the local log) in this process.",
    )

    @field_validator("api_keys")
    @classmethod
    def _parseable_keys(cls, value: SecretStr) -> SecretStr:
        parse_api_keys(value.get_secret_value())  # raises ValueError naming the entry, never the key
        return value

    @field_validator("payment_timeout")
    @classmethod
    def _iso_duration(cls, value: str | None) -> str | None:
        if value is not None and not ISO_DURATION.fullmatch(value):
            raise ValueError("must be an ISO 8601 duration such as PT30S")
        return value

    @model_validator(mode="after")
    def _lease_outlasts_a_start(self) -> GatewaySettings:
        # A claim that expired while its holder is still starting the instance lets another replica
        # start the same checkout; the lease must cover a whole start call with room to spare.
        if self.recovery_lease_seconds <= self.start_timeout_seconds:
            raise ValueError("GATEWAY_RECOVERY_LEASE_SECONDS must exceed GATEWAY_START_TIMEOUT_SECONDS")
        return self

    @model_validator(mode="after")
    def _canary_needs_a_pinned_version(self) -> GatewaySettings:
        # Without a pinned version every checkout already starts on the latest one: a canary share
        # would be silently meaningless, so it is refused rather than ignored.
        if self.canary_percent and self.process_version is None:
            raise ValueError(
                "GATEWAY_CANARY_PERCENT needs GATEWAY_PROCESS_VERSION (the version the rest stay on)"
            )
        return self

    def rollout(self) -> Rollout:
        return Rollout(self.process_version, self.canary_percent)

    def keys(self) -> ApiKeys:
        return parse_api_keys(self.api_keys.get_secret_value())

    def safe_operate_url(self) -> str:
        """The Operate URL without user info: the only form that may reach a log line."""
        scheme, separator, rest = self.operate_url.partition("://")
        return f"{scheme}{separator}{rest.rpartition('@')[2]}" if separator else self.operate_url
