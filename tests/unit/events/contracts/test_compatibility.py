"""Which differences between version N-1 and N of a schema break consumers, on small hand-made
schema pairs shaped the way pydantic writes them."""

from __future__ import annotations

from typing import Any

import pytest

from events.contracts.compatibility import BreakingChange, ChangeKind, breaking_changes

STRING = {"type": "string"}
INTEGER = {"type": "integer"}
NULLABLE_STRING = {"anyOf": [STRING, {"type": "null"}]}
MONEY = {
    "type": "object",
    "properties": {"amount_minor": INTEGER, "currency": STRING},
    "required": ["amount_minor", "currency"],
}


def payload(
    properties: dict[str, Any], required: list[str] | None = None, definitions: dict[str, Any] | None = None
) -> dict[str, Any]:
    """An object schema; every property required unless ``required`` says otherwise."""
    schema = {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
    }
    return schema if definitions is None else {**schema, "$defs": definitions}


def changes(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, ChangeKind]]:
    return [(change.path, change.kind) for change in breaking_changes(old, new)]


def enum(*values: str) -> dict[str, Any]:
    return {"enum": list(values), "type": "string"}


def test_identical_schemas_are_compatible() -> None:
    schema = payload({"order_id": STRING, "total": MONEY})

    assert changes(schema, schema) == []


def test_a_removed_required_field_breaks() -> None:
    assert changes(payload({"order_id": STRING, "quote_id": STRING}), payload({"order_id": STRING})) == [
        ("quote_id", ChangeKind.REQUIRED_FIELD_REMOVED)
    ]


def test_a_required_field_made_optional_breaks() -> None:
    old = payload({"order_id": STRING, "quote_id": STRING})
    new = payload({"order_id": STRING, "quote_id": STRING}, required=["order_id"])

    assert changes(old, new) == [("quote_id", ChangeKind.REQUIRED_FIELD_MADE_OPTIONAL)]


def test_a_field_newly_required_that_was_optional_breaks() -> None:
    old = payload({"order_id": STRING, "channel": STRING}, required=["order_id"])
    new = payload({"order_id": STRING, "channel": STRING})

    assert changes(old, new) == [("channel", ChangeKind.FIELD_NEWLY_REQUIRED)]


def test_a_new_required_field_breaks() -> None:
    assert changes(payload({"order_id": STRING}), payload({"order_id": STRING, "channel": STRING})) == [
        ("channel", ChangeKind.FIELD_NEWLY_REQUIRED)
    ]


def test_a_changed_field_type_breaks() -> None:
    assert changes(payload({"points": INTEGER}), payload({"points": STRING})) == [
        ("points", ChangeKind.TYPE_CHANGED)
    ]


def test_a_required_nullable_field_made_non_nullable_breaks() -> None:
    assert changes(payload({"promo_code": NULLABLE_STRING}), payload({"promo_code": STRING})) == [
        ("promo_code", ChangeKind.TYPE_CHANGED)
    ]


def test_a_field_made_nullable_breaks() -> None:
    assert changes(payload({"promo_code": STRING}), payload({"promo_code": NULLABLE_STRING})) == [
        ("promo_code", ChangeKind.TYPE_CHANGED)
    ]


def test_nullability_written_as_a_type_list_reads_like_any_of() -> None:
    as_list = payload({"promo_code": {"type": ["string", "null"]}})

    assert changes(as_list, payload({"promo_code": NULLABLE_STRING})) == []
    assert changes(as_list, payload({"promo_code": STRING})) == [("promo_code", ChangeKind.TYPE_CHANGED)]


def test_a_union_of_two_documents_narrowed_to_one_breaks() -> None:
    card, voucher = payload({"token": STRING}), payload({"voucher_code": STRING})

    assert changes(payload({"means": {"anyOf": [card, voucher]}}), payload({"means": card})) == [
        ("means", ChangeKind.TYPE_CHANGED)
    ]


def test_a_string_given_a_format_breaks() -> None:
    moment = {"type": "string", "format": "date-time"}

    assert changes(payload({"valid_until": STRING}), payload({"valid_until": moment})) == [
        ("valid_until", ChangeKind.TYPE_CHANGED)
    ]


def test_a_narrowed_enum_breaks_naming_the_removed_values() -> None:
    [change] = breaking_changes(
        payload({"status": enum("OPEN", "HELD", "CLOSED")}), payload({"status": enum("OPEN", "CLOSED")})
    )

    assert (change.path, change.kind, change.detail) == (
        "status",
        ChangeKind.ENUM_NARROWED,
        '"HELD" no longer allowed',
    )


def test_a_free_string_restricted_to_an_enum_breaks() -> None:
    assert changes(payload({"status": STRING}), payload({"status": enum("OPEN")})) == [
        ("status", ChangeKind.ENUM_NARROWED)
    ]


def test_an_enum_narrowed_inside_an_optional_breaks() -> None:
    old = payload({"status": {"anyOf": [enum("OPEN", "HELD"), {"type": "null"}]}})
    new = payload({"status": {"anyOf": [enum("OPEN"), {"type": "null"}]}})

    assert changes(old, new) == [("status", ChangeKind.ENUM_NARROWED)]


def test_a_const_widened_to_an_enum_is_compatible() -> None:
    old = payload({"kind": {"const": "A", "type": "string"}})

    assert changes(old, payload({"kind": enum("A", "B")})) == []


def test_an_added_optional_field_is_compatible() -> None:
    old = payload({"order_id": STRING})
    new = payload({"order_id": STRING, "channel": NULLABLE_STRING}, required=["order_id"])

    assert changes(old, new) == []


def test_a_removed_optional_field_is_compatible() -> None:
    old = payload({"order_id": STRING, "channel": STRING}, required=["order_id"])

    assert changes(old, payload({"order_id": STRING})) == []


def test_a_widened_enum_is_compatible() -> None:
    assert changes(payload({"status": enum("OPEN")}), payload({"status": enum("OPEN", "HELD")})) == []


def test_an_enum_opened_to_any_string_is_compatible() -> None:
    assert changes(payload({"status": enum("OPEN")}), payload({"status": STRING})) == []


def test_titles_descriptions_and_examples_do_not_matter() -> None:
    described = payload(
        {"order_id": {**STRING, "title": "Order Id", "description": "ord_...", "examples": ["x"]}}
    )

    assert changes(payload({"order_id": STRING}), described) == []


def test_a_reference_reads_like_the_definition_it_points_at() -> None:
    inline = payload({"total": MONEY})
    referenced = payload({"total": {"$ref": "#/$defs/Money"}}, definitions={"Money": MONEY})

    assert changes(inline, referenced) == []
    assert changes(referenced, inline) == []


def test_a_change_inside_a_referenced_definition_is_reported_at_the_field_using_it() -> None:
    old = payload({"total": {"$ref": "#/$defs/Money"}}, definitions={"Money": MONEY})
    new_money = {**MONEY, "properties": {"amount_minor": STRING, "currency": STRING}}
    new = payload({"total": {"$ref": "#/$defs/Money"}}, definitions={"Money": new_money})

    assert changes(old, new) == [("total.amount_minor", ChangeKind.TYPE_CHANGED)]


def test_a_field_removed_from_the_objects_of_an_array_is_reported_inside_the_items() -> None:
    line = payload({"sku": STRING, "location": STRING})
    old = payload({"items": {"type": "array", "items": {"$ref": "#/$defs/Line"}}}, definitions={"Line": line})
    new = payload({"items": {"type": "array", "items": payload({"sku": STRING})}})

    assert changes(old, new) == [("items[].location", ChangeKind.REQUIRED_FIELD_REMOVED)]


def test_an_optional_reference_made_required_non_nullable_reports_the_type() -> None:
    definitions = {"Money": MONEY}
    old = payload(
        {"discount": {"anyOf": [{"$ref": "#/$defs/Money"}, {"type": "null"}]}}, definitions=definitions
    )
    new = payload({"discount": {"$ref": "#/$defs/Money"}}, definitions=definitions)

    assert changes(old, new) == [("discount", ChangeKind.TYPE_CHANGED)]


def test_a_single_all_of_reads_like_its_schema() -> None:
    definitions = {"Money": MONEY}

    assert (
        changes(
            payload({"total": MONEY}),
            payload({"total": {"allOf": [{"$ref": "#/$defs/Money"}]}}, definitions=definitions),
        )
        == []
    )


def test_every_breaking_change_is_reported_not_just_the_first() -> None:
    old = payload({"order_id": STRING, "points": INTEGER, "status": enum("A", "B")})
    new = payload({"points": STRING, "status": enum("A"), "channel": STRING})

    assert changes(old, new) == [
        ("order_id", ChangeKind.REQUIRED_FIELD_REMOVED),
        ("points", ChangeKind.TYPE_CHANGED),
        ("status", ChangeKind.ENUM_NARROWED),
        ("channel", ChangeKind.FIELD_NEWLY_REQUIRED),
    ]


def test_a_breaking_change_reads_as_path_kind_and_detail() -> None:
    change = BreakingChange("items[].quantity", ChangeKind.TYPE_CHANGED, "integer -> string")

    assert str(change) == "items[].quantity: type changed: integer -> string"


def test_a_change_of_the_whole_payload_is_reported_at_the_payload() -> None:
    [change] = breaking_changes(payload({}), {"type": "array"})

    assert str(change) == "(payload): type changed: object -> array"


def test_a_reference_outside_the_schema_is_refused() -> None:
    with pytest.raises(ValueError, match="only references inside the schema"):
        breaking_changes(payload({"total": {"$ref": "money.json"}}), payload({"total": MONEY}))
