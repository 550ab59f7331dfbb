"""Which model a payload of (event type, schema version) must satisfy, and which topic it goes to.

Relays and consumers look contracts up here rather than importing a service's module, so that a
message names its own contract: its ``event_type`` and ``schema_version`` headers are the key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from events.contracts import cart, inventory, loyalty, order, payment, pricing, saga
from events.contracts.base import EventPayload, Topic


class ContractError(ValueError):
    """A message that no contract accepts."""


class UnknownEventType(ContractError):
    def __init__(self, event_type: str) -> None:
        super().__init__(f"no contract is registered for event type {event_type!r}")


class UnknownSchemaVersion(ContractError):
    def __init__(self, event_type: str, version: int, known: Iterable[int]) -> None:
        listed = ", ".join(str(v) for v in known)
        super().__init__(f"{event_type} has no schema version {version!r} (registered: {listed})")


class InvalidPayload(ContractError):
    """The payload breaks its contract. The message names the fields and rules, never the values:
    payloads carry customer ids, and this message ends up in logs and dead-letter headers."""

    def __init__(self, event_type: str, version: int, error: ValidationError) -> None:
        self.problems = [
            f"{'.'.join(str(part) for part in detail['loc']) or '(payload)'}: {detail['msg']}"
            for detail in error.errors(include_url=False, include_input=False)
        ]
        super().__init__(f"{event_type} v{version} payload breaks its contract: {'; '.join(self.problems)}")


class Registry:
    """Contracts by event type and version, each event type on exactly one topic.

    Construction refuses what would make lookups ambiguous or comparisons impossible: a (type,
    version) registered twice, a type on two topics, and versions that do not run 1, 2, ... N (the
    compatibility check compares each version with the one before it).
    """

    def __init__(self, topics: Iterable[Topic]) -> None:
        self._versions: dict[str, dict[int, type[EventPayload]]] = {}
        self._topics: dict[str, str] = {}
        for topic in topics:
            for contract in topic.contracts:
                name, version = contract.event_type, contract.schema_version
                if self._topics.setdefault(name, topic.name) != topic.name:
                    raise ValueError(f"{name} is registered on {self._topics[name]} and {topic.name}")
                versions = self._versions.setdefault(name, {})
                if version in versions:
                    raise ValueError(f"{name} v{version} is registered twice")
                versions[version] = contract
        for name, versions in self._versions.items():
            if sorted(versions) != list(range(1, len(versions) + 1)):
                raise ValueError(f"{name} has versions {sorted(versions)}: they must run 1, 2, ... N")

    def event_types(self) -> list[str]:
        return sorted(self._versions)

    def versions(self, event_type: str) -> list[int]:
        return sorted(self._of(event_type))

    def topic_of(self, event_type: str) -> str:
        self._of(event_type)
        return self._topics[event_type]

    def contract(self, event_type: str, version: int) -> type[EventPayload]:
        versions = self._of(event_type)
        if version not in versions:
            raise UnknownSchemaVersion(event_type, version, sorted(versions))
        return versions[version]

    def contracts(self) -> list[type[EventPayload]]:
        """Every registered contract, by topic, event type and version."""
        return [
            self.contract(name, version)
            for name in sorted(self._versions, key=lambda name: (self._topics[name], name))
            for version in self.versions(name)
        ]

    def parse(self, event_type: str, version: int, payload: Mapping[str, Any]) -> EventPayload:
        """The payload as its contract's model; :class:`ContractError` when no contract accepts it."""
        contract = self.contract(event_type, version)
        try:
            return contract.model_validate(payload)
        except ValidationError as error:
            raise InvalidPayload(event_type, version, error) from error

    def _of(self, event_type: str) -> dict[int, type[EventPayload]]:
        try:
            return self._versions[event_type]
        except KeyError:
            raise UnknownEventType(event_type) from None


REGISTRY = Registry(
    [cart.TOPIC, pricing.TOPIC, payment.TOPIC, inventory.TOPIC, order.TOPIC, loyalty.TOPIC, saga.TOPIC]
)


def parse(event_type: str, version: int, payload: Mapping[str, Any]) -> EventPayload:
    """:meth:`Registry.parse` on the contracts of this project's events."""
    return REGISTRY.parse(event_type, version, payload)
