"""What every contract model is, and how a producing service's contracts are grouped by topic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class ContractModel(BaseModel):
    """A document inside an event payload (the payload itself, a line, an amount).

    ``strict``: payloads are JSON our own code wrote, so ``"20"`` where an int belongs is a producer's
    bug to surface, not a value to coerce. ``extra="allow"``: within a version a producer may add
    optional fields (the services' rule), and a consumer still running older models must accept those
    messages; keeping the unknown fields rather than dropping them lets a relay or a dead-letter
    handler pass a payload on unchanged. What stops a service writing a field its contract does not
    declare is the producer test in ``tests/unit/events/contracts``, not the model. ``frozen``: an
    event is a fact.
    """

    model_config = ConfigDict(strict=True, extra="allow", frozen=True)


class EventPayload(ContractModel):
    """The payload of one event type at one schema version; the pair names the model in the registry.

    Within a version a payload only grows optional fields. A new version is a new class with the next
    ``schema_version``, still compatible with the one before it (``compatibility.py``), and the old
    class stays registered: its messages may still be on the topic.
    """

    event_type: ClassVar[str]
    schema_version: ClassVar[int]


@dataclass(frozen=True)
class Topic:
    """The Kafka topic one producer's events go to, with every version of every contract on it."""

    name: str
    contracts: tuple[type[EventPayload], ...]
