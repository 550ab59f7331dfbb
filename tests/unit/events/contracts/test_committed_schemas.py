"""The committed ``events/schemas`` agree with the registered contracts (what ``check`` verifies in
CI): no drift, every version compatible with the one before and with its own first commit, no version
deleted."""

from __future__ import annotations

from events.contracts.check import deleted_versions, drift, edited_in_place, incompatibilities
from events.contracts.registry import REGISTRY
from events.contracts.schemas import DIRECTORY


def test_committed_schema_files_are_what_the_models_generate() -> None:
    assert drift(REGISTRY, DIRECTORY) == []


def test_every_registered_version_is_compatible_with_the_version_before_it() -> None:
    assert incompatibilities(REGISTRY) == []


def test_every_committed_schema_file_still_has_its_registered_contract() -> None:
    assert deleted_versions(REGISTRY, DIRECTORY) == []


def test_no_released_version_breaks_consumers_of_its_first_commit() -> None:
    assert edited_in_place(REGISTRY, DIRECTORY) == []
