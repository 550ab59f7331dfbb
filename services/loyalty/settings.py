"""Loyalty configuration, from ``LOYALTY_*`` environment variables (see ``ServiceSettings``)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from services.common.settings import ServiceSettings, database_url_field, port_field, service_settings_config

ENV_PREFIX = "LOYALTY_"

MAX_POINTS_PER_UNIT = 1000
"""Bounds the points of one award (and so the account counters) well inside 64 bits."""


class LoyaltySettings(ServiceSettings):
    model_config = service_settings_config(ENV_PREFIX)

    database_url: SecretStr = database_url_field("loyalty", ENV_PREFIX)
    port: int = port_field(8106)
    points_per_unit: int = Field(
        default=1,
        ge=1,
        le=MAX_POINTS_PER_UNIT,
        description="Points per whole currency unit of an order (EUR 19.99 earns 19 at the default 1).",
    )
