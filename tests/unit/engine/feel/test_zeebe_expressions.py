"""Expressions typically found in Zeebe diagrams (without their leading ``=``) and what they give."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.engine.feel.support import evaluate_json

ORDER: dict[str, Any] = {
    "order": {"customer": {"id": "C-42", "vip": True}, "lines": [{"sku": "A", "qty": 2}]},
    "amount": 150,
    "region": "EU",
    "x": None,
    "name": "Ada",
    "count": 3,
    "sku": "SKU-SOLD-OUT",
    "code": "ab-12",
    "total": 120,
    "items": [
        {"sku": "A", "qty": 2, "price": 9.99},
        {"sku": "B", "qty": 0, "price": 5},
        {"sku": "C", "qty": 11, "price": 0.1},
    ],
    "retries": 0,
    "status": "PAID",
    "paymentId": "pay-1",
    "tags": ["gift", "express"],
    "discount": 0.15,
}

TYPICAL_EXPRESSIONS = [
    ("order.customer.id", "C-42"),
    ("order.customer.vip", True),
    ("order.lines[1].sku", "A"),
    ("order.missing.deeper", None),
    ('amount > 100 and region = "EU"', True),
    ('amount > 1000 or region = "US"', False),
    ("x = null", True),
    ("x != null", False),
    ("name = null", False),
    ("is defined(x)", False),
    ("is defined(name)", True),
    ("is defined(undeclared)", False),
    ('"Hello " + name', "Hello Ada"),
    ("string(count)", "3"),
    ('contains(sku, "SOLD")', True),
    ("upper case(code)", "AB-12"),
    ("lower case(region)", "eu"),
    ("items[1]", {"sku": "A", "qty": 2, "price": 9.99}),
    ("items[-1]", {"sku": "C", "qty": 11, "price": 0.1}),
    ("items[qty > 0].sku", ["A", "C"]),
    ("items[item.qty = 0]", [{"sku": "B", "qty": 0, "price": 5}]),
    ("for i in items return i.sku", ["A", "B", "C"]),
    ("some i in items satisfies i.qty > 10", True),
    ("every i in items satisfies i.qty > 0", False),
    ("count(items)", 3),
    ("sum(for i in items return i.price * i.qty)", 21.08),
    ('if total > 100 then "big" else "small"', "big"),
    ("{a: 1, b: a + 1}.b", 2),
    ('now() > date and time("2020-01-01T00:00:00Z")', True),
    ('duration("PT5M")', "PT5M"),
    ('date("2025-01-31") + duration("P1D")', "2025-02-01"),
    ("not(order.customer.vip)", False),
    ("retries > 0", False),
    ('status = "PAID" and paymentId != null', True),
    ('list contains(tags, "gift")', True),
    ("count(tags) > 1", True),
    ("total * (1 - discount)", 102),
    ("round half up(total / 7, 2)", 17.14),
    ('get or else(x, "default")', "default"),
    ('string join(tags, ", ")', "gift, express"),
    ("{status: status, total: total}", {"status": "PAID", "total": 120}),
    ("items.qty", [2, 0, 11]),
    ("max(items.qty)", 11),
    ("is empty(items[qty > 100])", True),
    ('"order-" + string(count)', "order-3"),
    ("total >= 100 and total < 200", True),
    ('region in ("EU", "UK")', True),
    ("amount between 100 and 200", True),
    ('date and time("2025-01-01T10:00:00Z") + duration("PT1H")', "2025-01-01T11:00:00Z"),
]


@pytest.mark.parametrize(
    ("source", "expected"), TYPICAL_EXPRESSIONS, ids=[source for source, _ in TYPICAL_EXPRESSIONS]
)
def test_typical_zeebe_expression_evaluates_like_zeebe(source: str, expected: Any) -> None:
    assert evaluate_json(source, ORDER) == expected
