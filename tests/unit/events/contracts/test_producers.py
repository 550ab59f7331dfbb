"""What every service writes to its outbox satisfies the contract registered for its event type and
schema version, field for field: a service changing a payload without a contract change fails here."""

from __future__ import annotations

import importlib
import inspect
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from events.contracts.registry import REGISTRY
from services.common.outbox import DomainEvent
from tests.unit.events.contracts.samples import SERVICE_EVENTS

ROOT = Path(__file__).resolve().parents[4]
SERVICE_TOPICS = {f"{path.parents[1].name}.events" for path in ROOT.glob("services/*/domain/events.py")}


def event_classes() -> list[Any]:
    """Every concrete event class of every ``services/<name>/domain/events.py`` (one with its own
    ``event_type``; shared bases have none)."""
    found = []
    for path in sorted(ROOT.glob("services/*/domain/events.py")):
        module = importlib.import_module(f"services.{path.parents[1].name}.domain.events")
        found += [
            cls
            for cls in vars(module).values()
            if inspect.isclass(cls)
            and cls.__module__ == module.__name__
            and isinstance(getattr(cls, "event_type", None), str)
        ]
    return found


def undeclared_fields(model: BaseModel, path: str = "") -> list[str]:
    """Fields the payload had that its contract (or a nested document's) does not declare."""
    found = [f"{path}{name}" for name in model.model_extra or {}]
    for name in type(model).model_fields:
        values: Any = getattr(model, name)
        for index, value in enumerate(values if isinstance(values, list) else [values]):
            if isinstance(value, BaseModel):
                where = f"{path}{name}.{index}." if isinstance(values, list) else f"{path}{name}."
                found += undeclared_fields(value, where)
    return found


def as_written(event: DomainEvent) -> dict[str, Any]:
    """The payload as the outbox's JSON column gives it back to a relay."""
    payload: dict[str, Any] = json.loads(json.dumps(event.payload()))
    return payload


EVENTS = pytest.mark.parametrize("event", list(SERVICE_EVENTS.values()), ids=list(SERVICE_EVENTS))


@EVENTS
def test_a_service_payload_validates_against_the_contract_of_its_type_and_version(event: DomainEvent) -> None:
    parsed = REGISTRY.parse(event.event_type, event.schema_version, as_written(event))

    assert (parsed.event_type, parsed.schema_version) == (event.event_type, event.schema_version)


@EVENTS
def test_a_service_payload_has_no_field_its_contract_does_not_declare(event: DomainEvent) -> None:
    parsed = REGISTRY.parse(event.event_type, event.schema_version, as_written(event))

    assert undeclared_fields(parsed) == []


@EVENTS
def test_a_service_event_goes_to_its_services_topic(event: DomainEvent) -> None:
    service = type(event).__module__.split(".")[1]

    assert REGISTRY.topic_of(event.event_type) == f"{service}.events"


def test_the_samples_cover_exactly_the_event_classes_of_the_services() -> None:
    sampled = {type(event).__qualname__ for event in SERVICE_EVENTS.values()}

    assert sorted(sampled) == sorted(cls.__qualname__ for cls in event_classes())


def test_every_contract_on_a_service_topic_has_an_event_class_that_writes_it() -> None:
    written = {cls.event_type for cls in event_classes()}
    on_service_topics = {
        contract.event_type
        for contract in REGISTRY.contracts()
        if REGISTRY.topic_of(contract.event_type) in SERVICE_TOPICS
    }

    assert sorted(on_service_topics - written) == []


def test_the_undeclared_field_finder_sees_extras_inside_lists_of_documents() -> None:
    payload = as_written(SERVICE_EVENTS["StockAllocated"])
    payload["items"][1]["bin"] = "3"
    payload["picked"] = False

    parsed = REGISTRY.parse("StockAllocated", 1, payload)

    assert undeclared_fields(parsed) == ["picked", "items.1.bin"]
