"""Payment configuration, from ``PAYMENT_*`` environment variables (see ``ServiceSettings``)."""

from __future__ import annotations

from typing import Self

from pydantic import Field, SecretStr, model_validator

from services.common.settings import ServiceSettings, database_url_field, port_field, service_settings_config

ENV_PREFIX = "PAYMENT_"


class PaymentSettings(ServiceSettings):
    model_config = service_settings_config(ENV_PREFIX)

    database_url: SecretStr = database_url_field("payment", ENV_PREFIX)
    port: int = port_field(8103)
    provider_url: str = Field(
        default="http://127.0.0.1:8110",
        description="Base URL of the payment provider (PAYMENT_PROVIDER_URL).",
    )
    provider_api_key: SecretStr | None = Field(
        default=None,
        description="Sent as 'Authorization: Bearer <key>' when set (PAYMENT_PROVIDER_API_KEY). Never logged.",
    )
    provider_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        description="Per-call timeout of a provider call (PAYMENT_PROVIDER_TIMEOUT_SECONDS); then 504, retry-safe.",
    )
    claim_lease_seconds: float = Field(
        default=30.0,
        gt=0,
        description=(
            "How long a request may stay between its two transactions before a retry with its "
            "Idempotency-Key takes over (PAYMENT_CLAIM_LEASE_SECONDS): until then the retry gets 503 "
            "REQUEST_IN_PROGRESS. More than two provider timeouts."
        ),
    )

    @model_validator(mode="after")
    def _lease_outlasts_the_calls(self) -> Self:
        """A refund makes up to two provider calls in a row; a shorter lease would let a retry take
        over a request that is still waiting on the provider (harmless, but wasteful)."""
        if self.claim_lease_seconds <= 2 * self.provider_timeout_seconds:
            raise ValueError("claim_lease_seconds must be more than twice provider_timeout_seconds")
        return self
