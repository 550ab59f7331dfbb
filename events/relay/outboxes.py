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


def transactional_id(prefix: str, service: str) -> str:
    """The Kafka ``transactional.id`` of the service's outbox, the same for every relay instance.

    Only the lease holder publishes, so one id per outbox never has two live producers; and a relay
    taking over fences its predecessor: its ``init_transactions`` aborts the transaction a crashed
    holder left open (read-committed consumers would otherwise wait for it to time out) and makes a
    paused one's late commit fail instead of publishing. ``prefix`` tells apart the deployments
    that share a Kafka cluster but not their outboxes, which would otherwise fence each other.
    """
    return f"{prefix}-{service}"
