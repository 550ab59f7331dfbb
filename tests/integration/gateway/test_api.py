"""The gateway's API contract over real HTTP: authentication, starting, idempotency, validation,
isolation between clients, reading and listing.

One engine and one gateway per backend serve the whole module; nobody works on the instances, so every
checkout started here stays RUNNING at its first step. Tests tell their data apart by customer id.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from gateway.adapters.database import PACKAGE
from gateway.adapters.orm import CheckoutRow
from services.common.migrations import head_revisions
from tests.databases import new_database
from tests.integration.gateway.conftest import (
    SHOP_KEY,
    Gateway,
    LocalEngine,
    checkout_body,
    gateway_settings,
    running_engine,
    running_gateway,
)

PROBLEM = "application/problem+json"
CARD_NUMBER = "4111111111111111"


@pytest.fixture(scope="module")
async def module_engine(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LocalEngine]:
    async with running_engine(tmp_path_factory.mktemp("engine")) as engine:
        yield engine


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
async def api(request: pytest.FixtureRequest, module_engine: LocalEngine) -> AsyncIterator[Gateway]:
    settings = gateway_settings(new_database(request, request.param), module_engine.operate_url)
    async with running_gateway(settings, module_engine.address, request.param) as gateway:
        yield gateway


def customer() -> str:
    return f"cust-{uuid.uuid4().hex[:8]}"


def checkouts_of(gateway: Gateway, customer_id: str) -> int:
    query = select(func.count()).select_from(CheckoutRow).where(CheckoutRow.customer_id == customer_id)
    with gateway.db.connect() as connection:
        return int(connection.execute(query).scalar_one())


# ---------------------------------------------------------------------------------------- authentication


async def test_without_a_key_the_answer_is_401_with_a_bearer_challenge(api: Gateway) -> None:
    response = await api.start(client=api.anonymous)

    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["code"] == "AUTHENTICATION_REQUIRED"


async def test_an_unknown_key_is_401_and_the_challenge_says_the_token_is_invalid(api: Gateway) -> None:
    response = await api.anonymous.get(
        "/v1/checkouts", params={"customer": "c"}, headers={"Authorization": "Bearer not-a-known-key-at-all"}
    )

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert response.json()["code"] == "AUTHENTICATION_REQUIRED"


async def test_a_key_sent_with_another_scheme_is_401(api: Gateway) -> None:
    response = await api.anonymous.get(
        "/v1/checkouts", params={"customer": "c"}, headers={"Authorization": f"Basic {SHOP_KEY}"}
    )

    assert response.status_code == 401


async def test_authentication_comes_before_validation(api: Gateway) -> None:
    response = await api.anonymous.post("/v1/checkouts", json={"payment_token": CARD_NUMBER})

    assert response.status_code == 401
    assert CARD_NUMBER not in response.text


# ---------------------------------------------------------------------------------------- starting


async def test_a_new_checkout_is_202_with_its_location_and_its_instance_started(api: Gateway) -> None:
    body = checkout_body(customer(), promo_code="WELCOME10")

    response = await api.start(body)

    assert response.status_code == 202
    document = response.json()
    assert response.headers["Location"] == f"/v1/checkouts/{document['id']}"
    assert uuid.UUID(document["id"])
    assert document["status"] == "RUNNING"
    assert isinstance(document["process_instance_key"], int)
    assert document["customer_id"] == body["customer_id"]
    assert document["items"] == body["items"]
    assert (document["shipping_region"], document["promo_code"]) == ("EU-DE", "WELCOME10")
    assert (document["order_id"], document["amounts"], document["failure"]) == (None, None, None)
    assert "payment_token" not in response.text
    assert "tok_visa" not in response.text
    assert (await api.shop.get(response.headers["Location"])).json()["id"] == document["id"]


async def test_the_instance_starts_with_the_documented_variables(
    api: Gateway, module_engine: LocalEngine
) -> None:
    body = checkout_body(customer())
    document = (await api.start(body)).json()

    variables = await module_engine.root_variables(document["process_instance_key"])

    assert variables == {
        "checkoutId": document["id"],
        "customerId": body["customer_id"],
        "items": body["items"],
        "paymentToken": "tok_visa",
        "shippingRegion": "EU-DE",
        "promoCode": None,
    }


async def test_the_payment_token_is_forgotten_once_the_instance_started(api: Gateway) -> None:
    document = (await api.start(checkout_body(customer()))).json()

    with api.db.connect() as connection:
        token = connection.execute(
            select(CheckoutRow.payment_token).where(CheckoutRow.id == document["id"])
        ).scalar_one()

    assert token is None


async def test_the_same_key_and_body_answer_the_same_checkout_marked_as_replayed(api: Gateway) -> None:
    body, key = checkout_body(customer()), str(uuid.uuid4())
    first = await api.start(body, key)

    again = await api.start(body, key)

    assert again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert "Idempotent-Replayed" not in first.headers
    assert checkouts_of(api, body["customer_id"]) == 1


async def test_concurrent_requests_with_one_key_make_one_checkout(
    api: Gateway, module_engine: LocalEngine
) -> None:
    body, key = checkout_body(customer()), str(uuid.uuid4())

    responses = await asyncio.gather(*(api.start(body, key) for _ in range(6)))

    assert {r.status_code for r in responses} == {202}
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 5
    assert checkouts_of(api, body["customer_id"]) == 1
    assert len(await module_engine.instances_of(responses[0].json()["id"])) == 1


async def test_the_same_key_with_another_body_is_409_and_starts_nothing(api: Gateway) -> None:
    key, first_customer = str(uuid.uuid4()), customer()
    await api.start(checkout_body(first_customer), key)
    other = checkout_body(first_customer, items=[{"sku": "SKU-2", "quantity": 1}])

    response = await api.start(other, key)

    assert response.status_code == 409
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert checkouts_of(api, first_customer) == 1


async def test_idempotency_keys_are_per_client(api: Gateway) -> None:
    body, key = checkout_body(customer()), str(uuid.uuid4())

    shops = await api.start(body, key)
    others = await api.start(body, key, client=api.other)

    assert (shops.status_code, others.status_code) == (202, 202)
    assert shops.json()["id"] != others.json()["id"]
    assert "Idempotent-Replayed" not in others.headers


async def test_the_idempotency_key_is_required(api: Gateway) -> None:
    response = await api.shop.post("/v1/checkouts", json=checkout_body())

    assert response.status_code == 422
    assert [e["path"] for e in response.json()["errors"]] == ["header.Idempotency-Key"]


# ---------------------------------------------------------------------------------------- validation

INVALID_BODIES = [
    pytest.param({"items": []}, "items", id="no-items"),
    pytest.param({"items": [{"sku": f"SKU-{i}", "quantity": 1} for i in range(51)]}, "items", id="51-items"),
    pytest.param({"items": [{"sku": "SKU-1", "quantity": 0}]}, "items.0.quantity", id="quantity-0"),
    pytest.param({"items": [{"sku": "SKU-1", "quantity": 1001}]}, "items.0.quantity", id="quantity-1001"),
    pytest.param({"items": [{"sku": "SKU-1", "quantity": "2"}]}, "items.0.quantity", id="quantity-string"),
    pytest.param({"items": [{"sku": "SKU-1", "quantity": 2.0}]}, "items.0.quantity", id="quantity-float"),
    pytest.param(
        {"items": [{"sku": "SKU-1", "quantity": 1}, {"sku": "SKU-1", "quantity": 2}]},
        "items",
        id="duplicate-sku",
    ),
    pytest.param({"items": [{"sku": "bad sku", "quantity": 1}]}, "items.0.sku", id="sku-with-space"),
    pytest.param({"customer_id": ""}, "customer_id", id="empty-customer"),
    pytest.param({"shipping_region": "somewhere"}, "shipping_region", id="region"),
    pytest.param({"promo_code": "no spaces allowed"}, "promo_code", id="promo"),
    pytest.param({"gift_wrap": True}, "gift_wrap", id="unknown-field"),
    pytest.param({"payment_token": "visa"}, "payment_token", id="token-without-tok"),
]


@pytest.mark.parametrize(("change", "path"), INVALID_BODIES)
async def test_an_invalid_body_is_422_naming_the_field(
    api: Gateway, change: dict[str, Any], path: str
) -> None:
    response = await api.start(checkout_body(customer(), **change))

    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["code"] == "VALIDATION_FAILED"
    assert path in [e["path"] for e in response.json()["errors"]]


async def test_a_missing_field_is_422_naming_it(api: Gateway) -> None:
    body = checkout_body(customer())
    del body["shipping_region"]

    response = await api.start(body)

    assert [e["path"] for e in response.json()["errors"]] == ["shipping_region"]


async def test_a_card_number_is_refused_and_never_echoed_stored_or_logged(
    api: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    buyer = customer()

    response = await api.start(checkout_body(buyer, payment_token=CARD_NUMBER))

    assert response.status_code == 422
    assert [e["path"] for e in response.json()["errors"]] == ["payment_token"]
    assert CARD_NUMBER not in response.text
    assert CARD_NUMBER not in caplog.text
    assert checkouts_of(api, buyer) == 0
    with api.db.connect() as connection:
        stored = connection.execute(select(CheckoutRow.payment_token)).scalars().all()
    assert CARD_NUMBER not in stored


# ---------------------------------------------------------------------------------------- reading


async def test_another_clients_checkout_is_404_exactly_like_a_missing_one(api: Gateway) -> None:
    checkout_id = await api.started_id(checkout_body(customer()))

    foreign = await api.other.get(f"/v1/checkouts/{checkout_id}")
    missing = await api.other.get(f"/v1/checkouts/{uuid.uuid4()}")

    assert (foreign.status_code, missing.status_code) == (404, 404)
    assert foreign.json()["code"] == missing.json()["code"] == "CHECKOUT_NOT_FOUND"
    assert foreign.json().keys() == missing.json().keys()


async def test_a_checkout_id_that_is_no_uuid_is_404(api: Gateway) -> None:
    response = await api.shop.get("/v1/checkouts/not-a-uuid")

    assert response.status_code == 404
    assert response.json()["code"] == "CHECKOUT_NOT_FOUND"


@pytest.mark.parametrize("wait", ["-1", "31", "soon"])
async def test_a_wait_outside_0_to_30_seconds_is_422(api: Gateway, wait: str) -> None:
    checkout_id = await api.started_id(checkout_body(customer()))

    response = await api.shop.get(f"/v1/checkouts/{checkout_id}", params={"wait": wait})

    assert response.status_code == 422
    assert [e["path"] for e in response.json()["errors"]] == ["query.wait"]


# ---------------------------------------------------------------------------------------- listing


async def test_the_list_pages_through_a_customers_checkouts_newest_first(api: Gateway) -> None:
    buyer = customer()
    started = [await api.started_id(checkout_body(buyer)) for _ in range(5)]

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"customer": buyer, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await api.shop.get("/v1/checkouts", params=params)).json()
        pages += 1
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert pages == 3
    assert seen == list(reversed(started))


async def test_the_list_shows_only_the_calling_clients_checkouts_of_that_customer(api: Gateway) -> None:
    buyer = customer()
    mine = await api.started_id(checkout_body(buyer))
    await api.started_id(checkout_body(customer()))
    await api.start(checkout_body(buyer), client=api.other)

    page = (await api.shop.get("/v1/checkouts", params={"customer": buyer})).json()

    assert [item["id"] for item in page["items"]] == [mine]
    assert page["items"][0]["status"] == "RUNNING"
    assert page["next_cursor"] is None


async def test_the_list_needs_a_customer(api: Gateway) -> None:
    response = await api.shop.get("/v1/checkouts")

    assert response.status_code == 422
    assert [e["path"] for e in response.json()["errors"]] == ["query.customer"]


@pytest.mark.parametrize("limit", ["0", "101"])
async def test_a_limit_outside_1_to_100_is_422(api: Gateway, limit: str) -> None:
    response = await api.shop.get("/v1/checkouts", params={"customer": "c", "limit": limit})

    assert response.status_code == 422
    assert [e["path"] for e in response.json()["errors"]] == ["query.limit"]


async def test_a_cursor_not_made_by_the_gateway_is_422(api: Gateway) -> None:
    response = await api.shop.get("/v1/checkouts", params={"customer": "c", "cursor": "eyJub3QiOiJpdCJ9"})

    assert response.status_code == 422
    assert [e["path"] for e in response.json()["errors"]] == ["query.cursor"]


# ---------------------------------------------------------------------------------------- operations


async def test_liveness_and_readiness_need_no_key(api: Gateway) -> None:
    live = await api.anonymous.get("/health/live")
    ready = await api.anonymous.get("/health/ready")

    assert live.status_code == ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "schema": sorted(head_revisions(PACKAGE))}


async def test_the_openapi_document_describes_the_checkout_api_and_its_bearer_auth(api: Gateway) -> None:
    docs = await api.anonymous.get("/docs")
    spec = (await api.anonymous.get("/openapi.json")).json()

    assert docs.status_code == 200
    assert {"/v1/checkouts", "/v1/checkouts/{checkout_id}"} <= spec["paths"].keys()
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


async def test_each_client_lists_the_checkouts_it_created(api: Gateway) -> None:
    buyer = customer()
    await api.start(checkout_body(buyer), client=api.other)

    page = (await api.other.get("/v1/checkouts", params={"customer": buyer})).json()

    assert len(page["items"]) == 1


async def test_a_gateway_without_the_projection_says_so(api: Gateway) -> None:
    status = (await api.anonymous.get("/health/projection")).json()
    assert status == {"group": "checkout-projection", "enabled": False, "lag": []}
