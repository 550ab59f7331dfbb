"""Every kind of error leaves a service as problem+json (checked on a small app of its own)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import httpx
import pytest
from fastapi import FastAPI
from pydantic import Field
from sqlalchemy.exc import OperationalError

from services.common.api_types import StrictModel
from services.common.errors import Rejection, TemporaryFailure
from services.common.problem_handlers import install_problem_handlers
from tests.unit.services.support import LiveServer

PROBLEM = "application/problem+json"


class Order(StrictModel):
    quantity: Annotated[int, Field(strict=True, gt=0)]


def build_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/orders")
    def order(body: Order) -> dict[str, int]:
        return {"quantity": body.quantity}

    @app.get("/rejected")
    def rejected() -> None:
        raise Rejection(409, "OUT_OF_STOCK", "Out of stock", "none left", {"sku": "A"})

    @app.get("/temporary")
    def temporary() -> None:
        raise TemporaryFailure("BUSY", "try later", retry_after_seconds=3)

    @app.get("/database")
    def database() -> None:
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    @app.get("/bug")
    def bug() -> None:
        raise ZeroDivisionError("secret internals")

    return app


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with LiveServer(build_app()) as server, httpx.Client(base_url=server.url) as client:
        yield client


def test_validation_errors_name_the_fields(http: httpx.Client) -> None:
    response = http.post("/orders", json={"quantity": 1.5, "extra": True})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["code"] == "VALIDATION_FAILED"
    assert body["instance"] == "/orders"
    assert sorted(e["path"] for e in body["errors"]) == ["extra", "quantity"]
    malformed = http.post("/orders", content=b"{not json", headers={"content-type": "application/json"})
    assert malformed.status_code == 422
    # The whole body is at fault: the path is the body's (""), not FastAPI's character offset.
    [error] = malformed.json()["errors"]
    assert error["path"] == ""
    assert error["message"].startswith("JSON decode error at character 1")


def test_rejections_keep_their_status_code_and_extensions(http: httpx.Client) -> None:
    body = http.get("/rejected").json()
    assert (body["status"], body["code"], body["sku"], body["detail"]) == (
        409,
        "OUT_OF_STOCK",
        "A",
        "none left",
    )


def test_temporary_and_database_failures_are_retryable_503s(http: httpx.Client) -> None:
    temporary = http.get("/temporary")
    assert (temporary.status_code, temporary.headers["Retry-After"], temporary.json()["code"]) == (
        503,
        "3",
        "BUSY",
    )
    database = http.get("/database")
    assert (database.status_code, database.json()["code"]) == (503, "SERVICE_UNAVAILABLE")
    assert "server closed" not in database.text


def test_bugs_are_500_without_internals_and_the_connection_survives(http: httpx.Client) -> None:
    response = http.get("/bug")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "INTERNAL_ERROR"
    assert "secret internals" not in response.text
    assert http.get("/rejected").status_code == 409  # same keep-alive connection still works


def test_framework_errors_are_problems_too(http: httpx.Client) -> None:
    missing = http.get("/nowhere")
    assert (missing.status_code, missing.json()["code"], missing.headers["content-type"]) == (
        404,
        "NOT_FOUND",
        PROBLEM,
    )
    assert http.delete("/orders").json()["code"] == "METHOD_NOT_ALLOWED"
