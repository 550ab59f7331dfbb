"""The order service over HTTP, on SQLite and PostgreSQL: orders, cancellation, block list, listing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from services.common import audit as audit_module
from services.common import outbox as outbox_module
from services.common.migrations import head_revisions
from services.order.adapters.orm import OrderLineRow
from tests.integration.services.order.conftest import Orders, eur, order_body
from tests.unit.services.support import unique

PROBLEM = "application/problem+json"


def test_health(orders: Orders) -> None:
    assert orders.http.get("/health/live").json() == {"status": "ok"}
    ready = orders.http.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "schema": sorted(head_revisions("services.order"))}


def test_an_order_is_persisted_with_its_created_and_fulfilment_events(orders: Orders) -> None:
    checkout, customer = unique("chk"), unique("cust")
    body = order_body(
        checkout, customer, [("SKU-B", 1, 999), ("SKU-A", 2, 500)], tax=eur(95), total=eur(2094)
    )
    response = orders.create(body)
    assert response.status_code == 201, response.text
    order = response.json()
    assert order.pop("order_id").startswith("ord_")
    assert order.pop("created_at")
    assert order == {
        "checkout_id": checkout,
        "customer_id": customer,
        "status": "CONFIRMED",
        "items": body["items"],
        "discount": eur(0),
        "tax": eur(95),
        "total": eur(2094),
        "quote_id": f"quote-{checkout}",
        "payment_id": f"pay_{checkout}",
        "allocation": body["allocation"],
        "cancelled_at": None,
    }
    assert orders.http.get(f"/v1/orders/{checkout}").json() == response.json()

    events = orders.events(checkout)
    assert [(e["event_type"], e["schema_version"]) for e in events] == [
        ("OrderCreated", 1),
        ("FulfilmentRequested", 1),
    ]
    order_id = response.json()["order_id"]
    assert events[0]["payload"] == {
        "order_id": order_id,
        "checkout_id": checkout,
        "customer_id": customer,
        "total": eur(2094),
        "quote_id": f"quote-{checkout}",
        "payment_id": f"pay_{checkout}",
    }
    assert events[1]["payload"] == {
        "order_id": order_id,
        "checkout_id": checkout,
        "customer_id": customer,
        "items": [
            {"sku": "SKU-B", "quantity": 1, "location": "LOC-SKU-B"},
            {"sku": "SKU-A", "quantity": 2, "location": "LOC-SKU-A"},
        ],
    }
    row = orders.row(checkout)
    assert row is not None
    assert (row["status"], row["total_minor"], row["currency"]) == ("CONFIRMED", 2094, "EUR")


def test_retry_with_the_same_key_replays_without_a_second_order(orders: Orders) -> None:
    body = order_body(unique("chk"), unique("cust"))
    first = orders.create(body)
    retry = orders.create(body)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert len(orders.events(body["checkout_id"])) == 2


def test_same_key_with_a_different_body_is_409_and_changes_nothing(orders: Orders) -> None:
    checkout = unique("chk")
    key = f"shared-{checkout}"
    assert orders.create(order_body(checkout, "cust-1"), key=key).status_code == 201
    reused = orders.create(order_body(checkout, "cust-2"), key=key)
    assert reused.status_code == 409
    assert reused.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    other_endpoint = orders.cancel(checkout, key=key)
    assert other_endpoint.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert orders.http.get(f"/v1/orders/{checkout}").json()["status"] == "CONFIRMED"
    assert len(orders.events(checkout)) == 2


def test_a_second_order_for_the_checkout_has_no_second_effect(orders: Orders) -> None:
    checkout, customer = unique("chk"), unique("cust")
    body = order_body(checkout, customer)
    first = orders.create(body, key="saga-run-1")
    again = orders.create(body, key="saga-run-2")
    assert again.status_code == 200
    assert again.json() == first.json()
    reordered = {**body, "items": body["items"][::-1], "allocation": body["allocation"][::-1]}
    assert orders.create(reordered, key="saga-run-3").status_code == 200
    different = orders.create(order_body(checkout, customer, [("SKU-A", 1, 500)]), key="saga-run-4")
    assert different.status_code == 409
    assert different.json()["code"] == "ORDER_CONFLICT"
    assert len(orders.events(checkout)) == 2


def test_a_blocked_customer_is_refused_until_unblocked(orders: Orders) -> None:
    customer, checkout = unique("cust"), unique("chk")
    blocked = orders.block(customer, "chargebacks")
    assert blocked.status_code == 201
    assert blocked.json()["customer_id"] == customer
    assert blocked.json()["reason"] == "chargebacks"
    assert orders.block(customer, "chargebacks").status_code == 200  # unchanged: no event
    assert orders.block(customer, "fraud").json()["reason"] == "fraud"

    refused = orders.create(order_body(checkout, customer))
    assert refused.status_code == 409
    assert refused.headers["content-type"] == PROBLEM
    assert refused.json()["code"] == "CUSTOMER_BLOCKED"
    assert refused.json()["customer_id"] == customer
    assert orders.row(checkout) is None
    assert orders.events(checkout) == []
    assert orders.create(order_body(checkout, customer)).json() == refused.json()  # the key's stored answer

    assert orders.unblock(customer).status_code == 204
    assert orders.unblock(customer).status_code == 204  # not blocked any more: nothing to do
    assert orders.create(order_body(checkout, customer), key=f"{checkout}:create:2").status_code == 201
    assert [(e["event_type"], e["payload"].get("reason")) for e in orders.customer_events(customer)] == [
        ("CustomerBlocked", "chargebacks"),
        ("CustomerBlocked", "fraud"),
        ("CustomerUnblocked", None),
    ]


def _off_by_one_line(body: dict[str, Any]) -> dict[str, Any]:
    body["items"][1]["line_total"] = eur(998)
    body["total"] = eur(1998)
    return body


def _dollar_price(body: dict[str, Any]) -> dict[str, Any]:
    body["items"][0]["unit_price"] = {"amount_minor": 500, "currency": "USD"}
    return body


@pytest.mark.parametrize(
    ("change", "paths"),
    [
        (_off_by_one_line, ["items.1.line_total"]),
        (lambda body: {**body, "total": eur(2000)}, ["total"]),
        (lambda body: {**body, "discount": eur(100)}, ["total"]),
        (_dollar_price, ["items.0.unit_price.currency"]),
        (lambda body: {**body, "tax": {"amount_minor": 0, "currency": "USD"}}, ["tax.currency"]),
    ],
)
def test_amounts_that_do_not_add_up_are_422_total_mismatch_naming_the_field(
    orders: Orders, change: Any, paths: list[str]
) -> None:
    checkout = unique("chk")
    response = orders.create(change(order_body(checkout, unique("cust"))))
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "TOTAL_MISMATCH"
    assert [error["path"] for error in problem["errors"]] == paths
    assert orders.row(checkout) is None
    assert orders.events(checkout) == []


@pytest.mark.parametrize(
    ("change", "paths"),
    [
        (lambda b: {**b, "total": {"amount_minor": 19.99, "currency": "EUR"}}, ["total.amount_minor"]),
        (lambda b: {**b, "total": {"amount_minor": 1999.0, "currency": "EUR"}}, ["total.amount_minor"]),
        (lambda b: {**b, "total": {"amount_minor": "1999", "currency": "EUR"}}, ["total.amount_minor"]),
        (lambda b: {**b, "total": {"amount_minor": -1, "currency": "EUR"}}, ["total.amount_minor"]),
        (lambda b: {**b, "total": {"amount_minor": 1999, "currency": "EURO"}}, ["total.currency"]),
        (lambda b: {**b, "tax": {"amount_minor": 1, "currency": "XXX"}}, ["tax.currency"]),
        (lambda b: {**b, "items": []}, ["items"]),
        (lambda b: {**b, "items": [b["items"][0], b["items"][0]]}, ["items"]),
        (lambda b: {**b, "items": [{**b["items"][0], "quantity": 0}, b["items"][1]]}, ["items.0.quantity"]),
        (lambda b: {**b, "allocation": b["allocation"][:1]}, ["allocation"]),
        (lambda b: {**b, "allocation": [*b["allocation"], b["allocation"][0]]}, ["allocation"]),
        (lambda b: {k: v for k, v in b.items() if k != "payment_id"}, ["payment_id"]),
        (lambda b: {**b, "customer_id": "has space"}, ["customer_id"]),
        (lambda b: {**b, "extra": 1}, ["extra"]),
    ],
)
def test_invalid_input_is_422_with_paths_and_writes_nothing(
    orders: Orders, change: Any, paths: list[str]
) -> None:
    checkout = unique("chk")
    key = f"{checkout}:create"
    response = orders.create(change(order_body(checkout, unique("cust"))), key=key)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["code"] == "VALIDATION_FAILED"
    assert [error["path"] for error in problem["errors"]] == paths
    assert not orders.has_key(key)
    assert orders.row(checkout) is None
    assert orders.events(checkout) == []


def test_a_missing_idempotency_key_is_422_and_writes_nothing(orders: Orders) -> None:
    checkout = unique("chk")
    response = orders.http.post("/v1/orders", json=order_body(checkout, unique("cust")))
    assert response.status_code == 422
    assert [e["path"] for e in response.json()["errors"]] == ["header.Idempotency-Key"]
    cancel = orders.http.post(f"/v1/orders/{checkout}/cancel")
    assert [e["path"] for e in cancel.json()["errors"]] == ["header.Idempotency-Key"]
    assert orders.row(checkout) is None


def test_cancel_keeps_the_order_once_and_refuses_to_place_it_again(orders: Orders) -> None:
    order = orders.new_order()
    checkout = order["checkout_id"]
    first = orders.cancel(checkout, key=f"{checkout}:cancel")
    assert first.status_code == 200
    answer = first.json()
    assert (answer["outcome"], answer["checkout_id"]) == ("COMPENSATED", checkout)
    cancelled = answer["order"]
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["cancelled_at"] is not None
    assert {**cancelled, "status": "CONFIRMED", "cancelled_at": None} == order

    replay = orders.cancel(checkout, key=f"{checkout}:cancel")
    assert replay.json() == answer
    assert replay.headers["Idempotent-Replayed"] == "true"
    second = orders.cancel(checkout, key=f"{checkout}:cancel:again")
    assert second.status_code == 200
    assert second.json() == {**answer, "outcome": "NOOP_ALREADY_COMPENSATED"}

    assert orders.http.get(f"/v1/orders/{checkout}").json() == cancelled
    events = orders.events(checkout)
    assert [e["event_type"] for e in events] == ["OrderCreated", "FulfilmentRequested", "OrderCancelled"]
    assert events[2]["payload"] == {
        "order_id": order["order_id"],
        "checkout_id": checkout,
        "customer_id": order["customer_id"],
        "total": order["total"],
    }
    audit = orders.audit(checkout)
    assert [(a["action"], a["outcome"]) for a in audit] == [
        ("order.cancel_order", "COMPENSATED"),
        ("order.cancel_order", "NOOP_ALREADY_COMPENSATED"),
    ]
    assert audit[0]["details"] == {"idempotency_key": f"{checkout}:cancel", "order_id": order["order_id"]}

    late = orders.create(order_body(checkout, order["customer_id"]), key=f"{checkout}:create:late")
    assert late.status_code == 409
    assert late.json()["code"] == "ORDER_CANCELLED"
    row = orders.row(checkout)
    assert row is not None
    assert row["status"] == "CANCELLED"


def test_cancel_without_an_order_is_a_recorded_noop_that_refuses_a_late_order(orders: Orders) -> None:
    checkout, customer = unique("chk"), unique("cust")
    cancelled = orders.cancel(checkout)
    assert cancelled.status_code == 200
    assert cancelled.json() == {
        "outcome": "NOOP_NOTHING_TO_COMPENSATE",
        "checkout_id": checkout,
        "order": None,
    }
    assert [a["outcome"] for a in orders.audit(checkout)] == ["NOOP_NOTHING_TO_COMPENSATE"]
    assert orders.events(checkout) == []

    late = orders.create(order_body(checkout, customer))
    assert late.status_code == 409
    assert late.json()["code"] == "ORDER_CANCELLED"
    assert orders.events(checkout) == []
    missing = orders.http.get(f"/v1/orders/{checkout}")
    assert (missing.status_code, missing.json()["code"]) == (404, "ORDER_NOT_FOUND")
    again = orders.cancel(checkout, key=f"{checkout}:cancel:again")
    assert again.json()["outcome"] == "NOOP_ALREADY_COMPENSATED"
    assert len(orders.audit(checkout)) == 2


def test_the_events_commit_with_the_order_or_neither_does(
    orders: Orders, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fulfilment request cannot be written: the order and its OrderCreated go down with it."""
    body = order_body(unique("chk"), unique("cust"))
    checkout = body["checkout_id"]
    original = outbox_module.OutboxWriter.add

    def fail_on_fulfilment(self: outbox_module.OutboxWriter, event: outbox_module.DomainEvent) -> object:
        if event.event_type == "FulfilmentRequested":
            raise RuntimeError("the outbox write failed")
        return original(self, event)

    monkeypatch.setattr(outbox_module.OutboxWriter, "add", fail_on_fulfilment)
    failed = orders.create(body)
    assert failed.status_code == 500
    assert failed.json()["code"] == "INTERNAL_ERROR"
    assert "outbox" not in failed.text
    assert orders.row(checkout) is None
    assert orders.events(checkout) == []
    assert not orders.has_key(f"{checkout}:create")

    monkeypatch.undo()
    assert orders.create(body).status_code == 201  # safe to retry with the same key
    assert len(orders.events(checkout)) == 2


def test_the_audit_row_commits_with_the_cancellation_or_neither_does(
    orders: Orders, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkout = orders.new_order()["checkout_id"]

    def fail(*_: object, **__: object) -> None:
        raise RuntimeError("the audit write failed")

    monkeypatch.setattr(audit_module.AuditLog, "record", fail)
    assert orders.cancel(checkout).status_code == 500
    assert orders.http.get(f"/v1/orders/{checkout}").json()["status"] == "CONFIRMED"
    assert [e["event_type"] for e in orders.events(checkout)] == ["OrderCreated", "FulfilmentRequested"]

    monkeypatch.undo()
    assert orders.cancel(checkout).json()["outcome"] == "COMPENSATED"
    assert len(orders.audit(checkout)) == 1


def test_a_customers_orders_are_listed_newest_first_a_page_at_a_time(orders: Orders) -> None:
    customer = unique("cust")
    placed = [orders.new_order(customer)["order_id"] for _ in range(5)]
    orders.new_order()  # someone else's
    orders.cancel(
        orders.http.get("/v1/orders", params={"customer_id": customer}).json()["orders"][0]["checkout_id"]
    )

    seen: list[dict[str, Any]] = []
    params: dict[str, Any] = {"customer_id": customer, "limit": 2}
    sizes = []
    while True:
        page = orders.http.get("/v1/orders", params=params)
        assert page.status_code == 200
        seen += page.json()["orders"]
        sizes.append(len(page.json()["orders"]))
        if page.json()["next_after"] is None:
            break
        params["after"] = page.json()["next_after"]
    assert sizes == [2, 2, 1]
    assert [order["order_id"] for order in seen] == placed[::-1]
    assert [order["status"] for order in seen] == ["CANCELLED"] + ["CONFIRMED"] * 4
    assert {order["customer_id"] for order in seen} == {customer}

    everything = orders.http.get("/v1/orders", params={"customer_id": customer}).json()
    assert (len(everything["orders"]), everything["next_after"]) == (5, None)
    nobody = orders.http.get("/v1/orders", params={"customer_id": unique("cust")}).json()
    assert (nobody["orders"], nobody["next_after"]) == ([], None)


@pytest.mark.parametrize(
    ("params", "path"),
    [
        ({}, "query.customer_id"),
        ({"customer_id": "c", "limit": 0}, "query.limit"),
        ({"customer_id": "c", "limit": 101}, "query.limit"),
        ({"customer_id": "c", "after": "ord_nope"}, "query.after"),
    ],
)
def test_a_bad_listing_query_is_422_naming_the_parameter(
    orders: Orders, params: dict[str, Any], path: str
) -> None:
    response = orders.http.get("/v1/orders", params=params)
    assert response.status_code == 422
    assert response.json()["code"] == "VALIDATION_FAILED"
    assert [error["path"] for error in response.json()["errors"]] == [path]


def test_another_customers_order_is_no_page_start(orders: Orders) -> None:
    foreign = orders.new_order()["order_id"]
    response = orders.http.get("/v1/orders", params={"customer_id": unique("cust"), "after": foreign})
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "query.after"


def test_unknown_orders_and_routes_answer_problems(orders: Orders) -> None:
    missing = orders.http.get(f"/v1/orders/{unique('chk')}")
    assert (missing.status_code, missing.json()["code"]) == (404, "ORDER_NOT_FOUND")
    assert missing.headers["content-type"] == PROBLEM
    nowhere = orders.http.get("/v1/nowhere")
    assert (nowhere.status_code, nowhere.json()["code"]) == (404, "NOT_FOUND")
    bad_reason = orders.http.put(f"/v1/blocked-customers/{unique('cust')}", json={"reason": ""})
    assert [e["path"] for e in bad_reason.json()["errors"]] == ["reason"]


def test_the_database_refuses_a_line_that_does_not_add_up(orders: Orders) -> None:
    checkout = orders.new_order()["checkout_id"]
    line = {"checkout_id": checkout, "position": 9, "sku": "SKU-Z", "quantity": 2}
    with pytest.raises(IntegrityError), orders.db.begin() as connection:
        connection.execute(insert(OrderLineRow).values(**line, unit_price_minor=500, line_total_minor=999))
