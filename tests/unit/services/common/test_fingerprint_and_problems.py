"""Request fingerprints and the problem+json documents, as plain functions."""

from __future__ import annotations

import pytest

from services.common.errors import Rejection
from services.common.idempotency.fingerprint import canonical_json, request_fingerprint
from services.common.problems import (
    FieldError,
    Problem,
    field_path,
    rejection_problem,
    type_uri,
    validation_problem,
)


def test_the_fingerprint_ignores_key_order_but_not_values_method_or_path() -> None:
    body = {"checkout_id": "c1", "items": [{"sku": "A", "quantity": 1}]}
    reordered = {"items": [{"quantity": 1, "sku": "A"}], "checkout_id": "c1"}
    base = request_fingerprint("POST", "/v1/allocations", body)
    assert len(base) == 64
    assert request_fingerprint("post", "/v1/allocations", reordered) == base
    assert request_fingerprint("POST", "/v1/allocations", {**body, "checkout_id": "c2"}) != base
    assert request_fingerprint("PUT", "/v1/allocations", body) != base
    assert request_fingerprint("POST", "/v1/other", body) != base


def test_canonical_json_is_compact_sorted_and_refuses_nan() -> None:
    assert canonical_json({"b": 1, "a": ["é", None]}) == '{"a":["é",null],"b":1}'
    with pytest.raises(ValueError, match="JSON compliant"):
        canonical_json({"x": float("nan")})


def test_problem_body_follows_rfc_9457_with_a_code() -> None:
    problem = Problem(409, "OUT_OF_STOCK", "Out of stock", "SKU A: 2 > 1", "/v1/allocations", {"extra": 1})
    assert problem.body() == {
        "type": "urn:checkout-saga:problem:out-of-stock",
        "title": "Out of stock",
        "status": 409,
        "detail": "SKU A: 2 > 1",
        "instance": "/v1/allocations",
        "code": "OUT_OF_STOCK",
        "extra": 1,
    }
    assert "detail" not in Problem(404, "NOT_FOUND", "Not Found").body()
    assert type_uri("IDEMPOTENCY_KEY_REUSED") == "urn:checkout-saga:problem:idempotency-key-reused"


def test_extensions_cannot_overwrite_the_standard_members() -> None:
    body = Problem(409, "X", "T", extensions={"status": 200, "code": "Y"}).body()
    assert (body["status"], body["code"]) == (409, "X")


def test_validation_problem_lists_field_paths() -> None:
    problem = validation_problem([FieldError("items.0.quantity", "must be > 0")], "/v1/allocations")
    assert problem.status == 422
    assert problem.body()["errors"] == [{"path": "items.0.quantity", "message": "must be > 0"}]
    assert field_path(("body", "items", 0, "quantity")) == "items.0.quantity"
    assert field_path(("header", "Idempotency-Key")) == "header.Idempotency-Key"
    assert field_path(("body",)) == ""


def test_rejections_are_4xx_only() -> None:
    rejection = Rejection(402, "card_declined", "Card declined", extensions={"capture_id": "cap_1"})
    assert rejection_problem(rejection, "/v1/captures").body()["capture_id"] == "cap_1"
    with pytest.raises(ValueError, match="4xx"):
        Rejection(500, "X", "no")
