"""Payment provider configuration, from ``PROVIDER_*`` environment variables."""

from __future__ import annotations

from pydantic import Field, SecretStr

from services.common.settings import ServiceSettings, database_url_field, port_field, service_settings_config

ENV_PREFIX = "PROVIDER_"


class ProviderSettings(ServiceSettings):
    model_config = service_settings_config(ENV_PREFIX)

    database_url: SecretStr = database_url_field("payment_provider", ENV_PREFIX)
    port: int = port_field(8110)
    latency_ms: int = Field(
        default=0,
        ge=0,
        description="Added to every /v1 request, like a real network hop (PROVIDER_LATENCY_MS).",
    )
    error_rate: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="Share of /v1 requests answered 503 before any work is done (PROVIDER_ERROR_RATE).",
    )
    random_seed: int = Field(
        default=0, description="Seed of the error-rate draws, so a run's failures can be replayed."
    )
    timeout_token_delay_seconds: float = Field(
        default=60.0,
        ge=0.0,
        description="How long the first answer for tok_timeout takes (PROVIDER_TIMEOUT_TOKEN_DELAY_SECONDS).",
    )
    api_key: SecretStr | None = Field(
        default=None,
        description="When set, /v1 requests need 'Authorization: Bearer <key>' (PROVIDER_API_KEY). Never logged.",
    )
