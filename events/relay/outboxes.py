"""Which services have an outbox worth relaying, where their database settings live, and their topic.

The payment provider stands in for an external card processor: its outbox is not ours to publish.
Settings classes are imported only for the service asked for, so a relay loads one service's code.
"""

from __future__ import annotations

import importlib

from events.topics import SERVICE_TOPICS
from services.common.settings import ServiceSettings

_SETTINGS_CLASSES = {
    "cart": "CartSettings",
    "pricing": "PricingSettings",
    "payment": "PaymentSettings",
    "inventory": "InventorySettings",
    "order": "OrderSettings",
    "loyalty": "LoyaltySettings",
}

RELAYED_SERVICES = tuple(_SETTINGS_CLASSES)


def service_settings(service: str) -> ServiceSettings:
    """The service's own settings (its ``<SERVICE>_DATABASE_URL`` among them), read from the environment."""
    module = importlib.import_module(f"services.{service}.settings")
    settings: ServiceSettings = getattr(module, _SETTINGS_CLASSES[service])()
    return settings


def topic_of(service: str) -> str:
    return SERVICE_TOPICS[service]
