"""What the check finds: drifted or missing schema files, breaking versions, versions edited in place,
deleted versions."""

from __future__ import annotations

import subprocess
from pathlib import Path

from events.contracts.base import EventPayload, Topic
from events.contracts.check import deleted_versions, drift, edited_in_place, incompatibilities
from events.contracts.registry import Registry
from events.contracts.schemas import write
from tests.unit.events.contracts.widgets import BREAKING, COMPATIBLE


def test_a_registered_contract_without_its_schema_file_is_drift(tmp_path: Path) -> None:
    assert drift(COMPATIBLE, tmp_path) == [
        "widget.events/WidgetMade.v1.json: missing; run `python -m events.contracts generate` and commit it",
        "widget.events/WidgetMade.v2.json: missing; run `python -m events.contracts generate` and commit it",
    ]


def test_a_schema_file_other_than_its_model_generates_is_drift(tmp_path: Path) -> None:
    write(COMPATIBLE, tmp_path)
    edited = tmp_path / "widget.events" / "WidgetMade.v1.json"
    edited.write_text(edited.read_text().replace('"title"', '"Title"', 1))

    assert drift(COMPATIBLE, tmp_path) == [
        "widget.events/WidgetMade.v1.json: differs from its model; run `python -m events.contracts generate`"
        " and commit it"
    ]


def test_a_compatible_new_version_passes() -> None:
    assert incompatibilities(COMPATIBLE) == []


def test_a_breaking_version_is_reported_change_by_change() -> None:
    assert incompatibilities(BREAKING) == [
        "WidgetMade v3 breaks consumers of v2: widget_id: type changed: string -> integer",
        "WidgetMade v3 breaks consumers of v2: colour: required field removed: consumers of the old version read it",
    ]


def test_a_schema_file_no_registered_contract_generates_is_a_deleted_version(tmp_path: Path) -> None:
    write(BREAKING, tmp_path)

    assert deleted_versions(COMPATIBLE, tmp_path) == [
        "widget.events/WidgetMade.v3.json: no registered contract generates it;"
        " versions must never be deleted, restore its model"
    ]


def test_files_other_than_json_schemas_are_not_versions(tmp_path: Path) -> None:
    write(COMPATIBLE, tmp_path)
    (tmp_path / "README.md").write_text("how to version events\n")

    assert deleted_versions(COMPATIBLE, tmp_path) == []


class WidgetMadeV1EditedInPlace(EventPayload):
    """Version 1 changed after it shipped: ``widget_id`` an int, ``colour`` gone."""

    event_type = "WidgetMade"
    schema_version = 1
    widget_id: int


def committed(directory: Path) -> None:
    """``directory`` as a git repository with everything in it committed."""
    for arguments in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "released"]):
        subprocess.run(
            ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", *arguments],
            cwd=directory,
            check=True,
        )


def test_a_released_version_edited_in_place_is_reported_against_its_first_commit(tmp_path: Path) -> None:
    write(COMPATIBLE, tmp_path)
    committed(tmp_path)
    edited = Registry([Topic("widget.events", (WidgetMadeV1EditedInPlace,))])
    write(edited, tmp_path)

    assert edited_in_place(edited, tmp_path) == [
        "widget.events/WidgetMade.v1.json: breaks consumers of this version as first committed:"
        f" {change}; add a new version instead"
        for change in (
            "colour: required field removed: consumers of the old version read it",
            "widget_id: type changed: string -> integer",
        )
    ]


def test_a_released_version_changed_compatibly_or_not_yet_committed_passes(tmp_path: Path) -> None:
    write(COMPATIBLE, tmp_path)
    assert edited_in_place(COMPATIBLE, tmp_path) == []  # no history: a version being written

    committed(tmp_path)

    assert edited_in_place(COMPATIBLE, tmp_path) == []
