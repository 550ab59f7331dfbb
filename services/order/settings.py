"""Order configuration, from ``ORDER_*`` environment variables (see ``ServiceSettings``)."""

from __future__ import annotations

from pydantic import SecretStr

from services.common.settings import ServiceSettings, database_url_field, port_field, service_settings_config

ENV_PREFIX = "ORDER_"


class OrderSettings(ServiceSettings):
    model_config = service_settings_config(ENV_PREFIX)

    database_url: SecretStr = database_url_field("order", ENV_PREFIX)
    port: int = port_field(8105)
