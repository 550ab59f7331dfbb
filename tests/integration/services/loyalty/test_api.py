"""The loyalty service over HTTP, on SQLite and PostgreSQL: awards, revokes, idempotency, errors."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import insert, inspect
from sqlalchemy.exc import IntegrityError

from services.common import audit as audit_module
from services.common import outbox as outbox_module
from services.common.migrations import head_revisions
from services.common.sqltypes import utc_now
from services.loyalty.adapters.orm import AccountRow, AwardRow
from tests.integration.services.loyalty.conftest import Loyalty
from tests.unit.services.support import unique

PROBLEM = "application/problem+json"


def test_health(loyalty: Loyalty) -> None:
    assert loyalty.http.get("/health/live").json() == {"status": "ok"}
    ready = loyalty.http.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "schema": sorted(head_revisions("services.loyalty"))}


def test_an_award_credits_whole_units_and_writes_one_event(loyalty: Loyalty) -> None:
    checkout, customer = unique("chk"), unique("cust")
    response = loyalty.award(checkout, customer, 1999, "EUR", order_id="ord-1")
    assert response.status_code == 201
    award = response.json()
    assert award == {
        "award_id": award["award_id"],
        "checkout_id": checkout,
        "customer_id": customer,
        "order_id": "ord-1",
        "amount": {"amount_minor": 1999, "currency": "EUR"},
        "points": 19,
        "status": "AWARDED",
        "awarded_at": award["awarded_at"],
        "revoked_at": None,
    }
    assert loyalty.account(customer) == {"customer_id": customer, "balance": 19, "awarded": 19, "revoked": 0}
    events = loyalty.events(checkout)
    assert [(e["event_type"], e["schema_version"]) for e in events] == [("PointsAwarded", 1)]
    assert events[0]["payload"] == {
        "award_id": award["award_id"],
        "checkout_id": checkout,
        "customer_id": customer,
        "order_id": "ord-1",
        "points": 19,
        "amount": {"amount_minor": 1999, "currency": "EUR"},
    }
    assert loyalty.http.get(f"/v1/awards/{checkout}").json() == award


def test_points_follow_the_currencys_exponent_and_add_up_per_customer(loyalty: Loyalty) -> None:
    customer = unique("cust")
    assert loyalty.award(unique("chk"), customer, 700, "JPY").json()["points"] == 700
    assert loyalty.award(unique("chk"), customer, 12_345, "KWD").json()["points"] == 12
    assert loyalty.award(unique("chk"), customer, 99, "EUR").json()["points"] == 0
    assert loyalty.account(customer)["balance"] == 712


def test_retry_with_the_same_key_replays_without_a_second_effect(loyalty: Loyalty) -> None:
    checkout, customer = unique("chk"), unique("cust")
    first = loyalty.award(checkout, customer)
    retry = loyalty.award(checkout, customer)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert loyalty.account(customer)["balance"] == 19
    assert len(loyalty.events(checkout)) == 1


def test_same_key_with_a_different_body_is_409_and_changes_nothing(loyalty: Loyalty) -> None:
    checkout, customer = unique("chk"), unique("cust")
    key = f"shared-{checkout}"
    assert loyalty.award(checkout, customer, 1000, key=key).status_code == 201
    reused = loyalty.award(checkout, customer, 5000, key=key)
    assert reused.status_code == 409
    assert reused.headers["content-type"] == PROBLEM
    assert reused.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert loyalty.revoke(checkout, key=key).json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert loyalty.account(customer)["balance"] == 10
    assert loyalty.http.get(f"/v1/awards/{checkout}").json()["status"] == "AWARDED"


def test_a_second_award_for_the_checkout_has_no_second_effect(loyalty: Loyalty) -> None:
    checkout, customer = unique("chk"), unique("cust")
    first = loyalty.award(checkout, customer, key="consumer-run-1")
    again = loyalty.award(checkout, customer, key="consumer-run-2")
    assert again.status_code == 200
    assert again.json() == first.json()
    assert loyalty.account(customer)["balance"] == 19
    assert len(loyalty.events(checkout)) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"customer_id": unique("other")},
        {"order_id": "other-order"},
        {"amount_minor": 2000},
        {"currency": "USD"},
    ],
)
def test_a_second_award_for_another_purchase_is_an_award_conflict(
    loyalty: Loyalty, change: dict[str, Any]
) -> None:
    checkout, customer = unique("chk"), unique("cust")
    assert loyalty.award(checkout, customer).status_code == 201
    purchase: dict[str, Any] = {
        "customer_id": customer,
        "amount_minor": 1999,
        "currency": "EUR",
        "order_id": None,
        **change,
    }
    conflict = loyalty.award(checkout, key=f"{checkout}:other", **purchase)
    assert conflict.status_code == 409
    problem = conflict.json()
    assert (problem["code"], problem["type"]) == (
        "AWARD_CONFLICT",
        "urn:checkout-saga:problem:award-conflict",
    )
    replay = loyalty.award(checkout, key=f"{checkout}:other", **purchase)
    assert (replay.json(), replay.headers["Idempotent-Replayed"]) == (problem, "true")  # stored rejection
    assert loyalty.account(customer)["balance"] == 19
    if purchase["customer_id"] != customer:
        assert loyalty.account(purchase["customer_id"])["awarded"] == 0
    assert len(loyalty.events(checkout)) == 1


def test_revoke_twice_is_one_effect_and_a_recorded_noop(loyalty: Loyalty) -> None:
    checkout, customer = unique("chk"), unique("cust")
    award = loyalty.award(checkout, customer, 4250).json()
    loyalty.award(unique("chk"), customer, 1000)
    first = loyalty.revoke(checkout)
    assert first.status_code == 200
    assert first.json() == {"outcome": "COMPENSATED", "checkout_id": checkout, "points_revoked": 42}
    replay = loyalty.revoke(checkout)
    assert (replay.json(), replay.headers["Idempotent-Replayed"]) == (first.json(), "true")
    second = loyalty.revoke(checkout, key=f"{checkout}:revoke:again")
    assert second.json() == {
        "outcome": "NOOP_ALREADY_COMPENSATED",
        "checkout_id": checkout,
        "points_revoked": 0,
    }

    assert loyalty.account(customer) == {"customer_id": customer, "balance": 10, "awarded": 52, "revoked": 42}
    events = loyalty.events(checkout)
    assert [e["event_type"] for e in events] == ["PointsAwarded", "PointsRevoked"]
    assert events[1]["payload"] == {
        "award_id": award["award_id"],
        "checkout_id": checkout,
        "customer_id": customer,
        "order_id": f"order-{checkout}",
        "points": 42,
    }
    audit = loyalty.audit(checkout)
    assert [(a["action"], a["outcome"], a["details"]) for a in audit] == [
        (
            "loyalty.revoke_points",
            "COMPENSATED",
            {"idempotency_key": f"{checkout}:revoke", "points_revoked": 42},
        ),
        (
            "loyalty.revoke_points",
            "NOOP_ALREADY_COMPENSATED",
            {"idempotency_key": f"{checkout}:revoke:again", "points_revoked": 0},
        ),
    ]
    revoked = loyalty.http.get(f"/v1/awards/{checkout}").json()
    assert (revoked["status"], revoked["points"]) == ("REVOKED", 42)
    assert revoked["revoked_at"] is not None


def test_no_award_after_a_revoke_whatever_the_key(loyalty: Loyalty) -> None:
    checkout, customer = unique("chk"), unique("cust")
    loyalty.award(checkout, customer)
    loyalty.revoke(checkout)
    late = loyalty.award(checkout, customer, key=f"{checkout}:award:redelivered")
    assert late.status_code == 409
    assert late.json()["code"] == "AWARD_REVOKED"
    assert loyalty.account(customer)["balance"] == 0


def test_a_revoke_before_its_award_leaves_a_tombstone_that_refuses_the_late_award(loyalty: Loyalty) -> None:
    checkout, customer = unique("chk"), unique("cust")
    revoked = loyalty.revoke(checkout)
    assert revoked.status_code == 200
    assert revoked.json() == {
        "outcome": "NOOP_NOTHING_TO_COMPENSATE",
        "checkout_id": checkout,
        "points_revoked": 0,
    }
    assert [(a["outcome"], a["details"]["points_revoked"]) for a in loyalty.audit(checkout)] == [
        ("NOOP_NOTHING_TO_COMPENSATE", 0)
    ]
    tombstone = loyalty.award_row(checkout)
    assert tombstone is not None
    assert (tombstone["status"], tombstone["award_id"], tombstone["points"]) == ("REVOKED", None, None)

    late = loyalty.award(checkout, customer)
    assert late.status_code == 409
    assert late.json()["code"] == "AWARD_REVOKED"
    assert loyalty.account(customer) == {"customer_id": customer, "balance": 0, "awarded": 0, "revoked": 0}
    assert loyalty.events(checkout) == []
    missing = loyalty.http.get(f"/v1/awards/{checkout}")
    assert (missing.status_code, missing.json()["code"]) == (404, "AWARD_NOT_FOUND")
    again = loyalty.revoke(checkout, key=f"{checkout}:revoke:again")
    assert again.json()["outcome"] == "NOOP_ALREADY_COMPENSATED"
    assert [a["outcome"] for a in loyalty.audit(checkout)] == [
        "NOOP_NOTHING_TO_COMPENSATE",
        "NOOP_ALREADY_COMPENSATED",
    ]


def test_reads_of_unknown_things(loyalty: Loyalty) -> None:
    customer = unique("cust")
    assert loyalty.account(customer) == {"customer_id": customer, "balance": 0, "awarded": 0, "revoked": 0}
    missing = loyalty.http.get(f"/v1/awards/{unique('chk')}")
    assert (missing.status_code, missing.json()["code"]) == (404, "AWARD_NOT_FOUND")
    assert missing.headers["content-type"] == PROBLEM
    bad = loyalty.http.get("/v1/accounts/has%20space")
    assert (bad.status_code, bad.json()["errors"][0]["path"]) == (422, "path.customer_id")


VALID = {
    "checkout_id": "c",
    "customer_id": "cust",
    "order_id": "ord",
    "amount": {"amount_minor": 1999, "currency": "EUR"},
}


@pytest.mark.parametrize(
    ("change", "headers", "paths"),
    [
        ({"amount": {"amount_minor": 19.99, "currency": "EUR"}}, None, ["amount.amount_minor"]),
        ({"amount": {"amount_minor": 20.0, "currency": "EUR"}}, None, ["amount.amount_minor"]),
        ({"amount": {"amount_minor": "1999", "currency": "EUR"}}, None, ["amount.amount_minor"]),
        ({"amount": {"amount_minor": True, "currency": "EUR"}}, None, ["amount.amount_minor"]),
        ({"amount": {"amount_minor": -1, "currency": "EUR"}}, None, ["amount.amount_minor"]),
        ({"amount": {"amount_minor": 10**12 + 1, "currency": "EUR"}}, None, ["amount.amount_minor"]),
        ({"amount": {"amount_minor": 1999, "currency": "XYZ"}}, None, ["amount.currency"]),
        ({"amount": {"amount_minor": 1999, "currency": "eur"}}, None, ["amount.currency"]),
        ({"amount": {"amount_minor": 1999}}, None, ["amount.currency"]),
        ({"customer_id": None}, None, ["customer_id"]),
        ({"order_id": "has space"}, None, ["order_id"]),
        ({"checkout_id": ""}, None, ["checkout_id"]),
        ({"extra": 1}, None, ["extra"]),
        ({}, {}, ["header.Idempotency-Key"]),
        ({}, {"Idempotency-Key": "has space"}, ["header.Idempotency-Key"]),
    ],
)
def test_invalid_input_is_422_with_paths_and_writes_nothing(
    loyalty: Loyalty, change: dict[str, Any], headers: dict[str, str] | None, paths: list[str]
) -> None:
    checkout, customer = unique("chk"), unique("cust")
    body = {**VALID, "checkout_id": checkout, "customer_id": customer, **change}
    key = f"{checkout}:award"
    response = loyalty.http.post(
        "/v1/awards", json=body, headers={"Idempotency-Key": key} if headers is None else headers
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["code"] == "VALIDATION_FAILED"
    assert [error["path"] for error in problem["errors"]] == paths
    assert not loyalty.has_key(key)
    assert loyalty.award_row(checkout) is None
    assert loyalty.account(customer)["awarded"] == 0
    assert loyalty.events(checkout) == []


def test_a_revoke_needs_a_valid_checkout_id_and_key(loyalty: Loyalty) -> None:
    bad_id = loyalty.http.post("/v1/awards/has%20space/revoke", headers={"Idempotency-Key": "k-bad-id"})
    assert (bad_id.status_code, bad_id.json()["errors"][0]["path"]) == (422, "path.checkout_id")
    checkout = unique("chk")
    no_key = loyalty.http.post(f"/v1/awards/{checkout}/revoke")
    assert (no_key.status_code, no_key.json()["errors"][0]["path"]) == (422, "header.Idempotency-Key")
    assert loyalty.award_row(checkout) is None
    assert loyalty.audit(checkout) == []


def test_the_outbox_row_commits_with_the_award_or_neither_does(
    loyalty: Loyalty, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An event that cannot be written takes the award and the account down with it."""
    checkout, customer = unique("chk"), unique("cust")
    original = outbox_module.OutboxWriter.add

    def add_then_fail(self: outbox_module.OutboxWriter, event: outbox_module.DomainEvent) -> object:
        original(self, event)
        raise RuntimeError("the outbox write failed")

    monkeypatch.setattr(outbox_module.OutboxWriter, "add", add_then_fail)
    failed = loyalty.award(checkout, customer)
    assert (failed.status_code, failed.json()["code"]) == (500, "INTERNAL_ERROR")
    assert "outbox" not in failed.text  # no internals in the body
    assert loyalty.award_row(checkout) is None
    assert loyalty.account(customer)["awarded"] == 0
    assert loyalty.events(checkout) == []
    assert not loyalty.has_key(f"{checkout}:award")  # technical failure: nothing stored

    monkeypatch.undo()
    retried = loyalty.award(checkout, customer)  # safe to retry with the same key
    assert retried.status_code == 201
    assert loyalty.account(customer)["balance"] == 19
    assert len(loyalty.events(checkout)) == 1


def test_the_audit_row_commits_with_the_revoke_or_neither_does(
    loyalty: Loyalty, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkout, customer = unique("chk"), unique("cust")
    loyalty.award(checkout, customer)

    def fail(*_: object, **__: object) -> None:
        raise RuntimeError("the audit write failed")

    monkeypatch.setattr(audit_module.AuditLog, "record", fail)
    failed = loyalty.revoke(checkout)
    assert failed.status_code == 500
    assert loyalty.account(customer)["balance"] == 19
    assert loyalty.http.get(f"/v1/awards/{checkout}").json()["status"] == "AWARDED"
    assert [e["event_type"] for e in loyalty.events(checkout)] == ["PointsAwarded"]

    monkeypatch.undo()
    assert loyalty.revoke(checkout).json()["outcome"] == "COMPENSATED"
    assert loyalty.account(customer)["balance"] == 0
    assert [a["outcome"] for a in loyalty.audit(checkout)] == ["COMPENSATED"]


@pytest.mark.parametrize(
    "account",
    [{"balance": 5, "awarded": 5, "revoked": 1}, {"balance": -1, "awarded": 0, "revoked": 1}],
)
def test_the_database_refuses_an_unbalanced_account(loyalty: Loyalty, account: dict[str, int]) -> None:
    row = {"customer_id": unique("cust"), "updated_at": utc_now(), **account}
    with pytest.raises(IntegrityError), loyalty.db.begin() as connection:
        connection.execute(insert(AccountRow), row)


@pytest.mark.parametrize(
    "award",
    [
        {"status": "AWARDED", "revoked_at": None},  # an award without its columns
        {"status": "REVOKED", "points": 3},  # a tombstone with some of them
        {"status": "GONE"},
    ],
)
def test_the_database_refuses_an_award_row_of_neither_shape(loyalty: Loyalty, award: dict[str, Any]) -> None:
    row = {"checkout_id": unique("chk"), "revoked_at": utc_now(), **award}
    with pytest.raises(IntegrityError), loyalty.db.begin() as connection:
        connection.execute(insert(AwardRow), row)


def test_point_counters_are_64_bit_wherever_the_database_tells_sizes_apart(loyalty: Loyalty) -> None:
    expected = "INTEGER" if loyalty.backend == "sqlite" else "BIGINT"
    for table, names in (
        ("accounts", ("balance", "awarded", "revoked")),
        ("awards", ("points", "amount_minor")),
    ):
        columns = {c["name"]: c["type"] for c in inspect(loyalty.db).get_columns(table)}
        for name in names:
            assert columns[name].compile(dialect=loyalty.db.dialect).startswith(expected), name
