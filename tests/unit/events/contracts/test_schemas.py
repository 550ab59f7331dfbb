"""The schema files: one per registered (event type, version), under its topic, in a stable text."""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

from events.contracts.order import OrderCreatedV1
from events.contracts.registry import REGISTRY
from events.contracts.schemas import file_of, generated, schema_of, write
from tests.unit.events.contracts.widgets import COMPATIBLE


def test_a_schema_file_is_named_by_topic_event_type_and_version() -> None:
    assert file_of(REGISTRY, OrderCreatedV1) == PurePosixPath("order.events/OrderCreated.v1.json")


def test_every_registered_contract_has_one_schema_file() -> None:
    assert len(generated(REGISTRY)) == len(REGISTRY.contracts())


def test_a_schema_says_which_event_type_version_and_topic_it_describes() -> None:
    schema = schema_of(REGISTRY, OrderCreatedV1)

    assert (schema["x-event-type"], schema["x-schema-version"], schema["x-topic"]) == (
        "OrderCreated",
        1,
        "order.events",
    )


def test_schema_text_has_sorted_keys_a_two_space_indent_and_a_final_newline() -> None:
    text = generated(REGISTRY)[PurePosixPath("order.events/OrderCreated.v1.json")]

    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_write_creates_the_topic_folders_and_files(tmp_path: Path) -> None:
    written = write(COMPATIBLE, tmp_path)

    assert written == [
        PurePosixPath("widget.events/WidgetMade.v1.json"),
        PurePosixPath("widget.events/WidgetMade.v2.json"),
    ]
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.json")) == [
        "widget.events/WidgetMade.v1.json",
        "widget.events/WidgetMade.v2.json",
    ]


def test_writing_again_without_model_changes_writes_nothing(tmp_path: Path) -> None:
    write(COMPATIBLE, tmp_path)

    assert write(COMPATIBLE, tmp_path) == []


def test_write_leaves_the_file_of_an_unregistered_version_alone(tmp_path: Path) -> None:
    stale = tmp_path / "widget.events" / "WidgetMade.v9.json"
    stale.parent.mkdir()
    stale.write_text("{}\n")

    write(COMPATIBLE, tmp_path)

    assert stale.read_text() == "{}\n"
