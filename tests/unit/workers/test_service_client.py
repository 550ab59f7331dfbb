"""How a worker sorts a service's answers: result, business failure, technical failure, open circuit.

The service is a small FastAPI app answering what each test scripts, served in-process through httpx's
ASGI transport: this is about the client's classification, not about any real service.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from workers.breaker import BreakerState, CircuitBreaker
from workers.failures import BusinessFailure, CircuitOpen, TechnicalFailure
from workers.service_client import ServiceClient

PROBLEM = "application/problem+json"


class Script:
    def __init__(self) -> None:
        self.answers: list[tuple[int, dict[str, Any], dict[str, str]]] = []
        self.seen: list[dict[str, Any]] = []


def scripted_app(script: Script) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/things")
    async def things(request: Request) -> JSONResponse:
        script.seen.append({"key": request.headers.get("Idempotency-Key"), "body": await request.json()})
        status, body, headers = script.answers.pop(0)
        media = PROBLEM if status >= 400 else "application/json"
        return JSONResponse(body, status_code=status, headers=headers, media_type=media)

    return app


@pytest.fixture
def script() -> Script:
    return Script()


@pytest.fixture
async def client(script: Script) -> AsyncIterator[ServiceClient]:
    transport = httpx.ASGITransport(app=scripted_app(script))
    async with httpx.AsyncClient(transport=transport) as http:
        yield ServiceClient("things", "http://things", 1.0, CircuitBreaker("things", 2, 10.0), http)


async def test_a_2xx_answer_is_the_result_and_carries_the_idempotency_key(
    client: ServiceClient, script: Script
) -> None:
    script.answers.append((201, {"id": "t-1"}, {}))

    result = await client.post("/v1/things", idempotency_key="c-1:things.make", body={"n": 1})

    assert result == {"id": "t-1"}
    assert script.seen == [{"key": "c-1:things.make", "body": {"n": 1}}]


async def test_a_4xx_problem_is_a_business_failure_with_its_code(
    client: ServiceClient, script: Script
) -> None:
    script.answers.append((409, {"code": "OUT_OF_STOCK", "detail": "SKU-1 has 0"}, {}))

    with pytest.raises(BusinessFailure) as failure:
        await client.post("/v1/things", idempotency_key="k", body={})

    assert (failure.value.code, failure.value.message) == ("OUT_OF_STOCK", "SKU-1 has 0")


async def test_a_business_failure_proves_the_service_up_and_keeps_the_circuit_closed(
    client: ServiceClient, script: Script
) -> None:
    script.answers += [(402, {"code": "PAYMENT_DECLINED"}, {})] * 3

    for _ in range(3):
        with pytest.raises(BusinessFailure):
            await client.post("/v1/things", idempotency_key="k", body={})

    assert client.breaker.state is BreakerState.CLOSED


async def test_a_reused_idempotency_key_is_a_technical_failure_not_the_customers_fault(
    client: ServiceClient, script: Script
) -> None:
    script.answers.append((409, {"code": "IDEMPOTENCY_KEY_REUSED", "detail": "other request"}, {}))

    with pytest.raises(TechnicalFailure, match="IDEMPOTENCY_KEY_REUSED"):
        await client.post("/v1/things", idempotency_key="k", body={})


async def test_a_5xx_is_a_technical_failure_with_the_services_retry_after(
    client: ServiceClient, script: Script
) -> None:
    script.answers.append(
        (503, {"code": "DATABASE_UNAVAILABLE", "detail": "try later"}, {"Retry-After": "3"})
    )

    with pytest.raises(TechnicalFailure) as failure:
        await client.post("/v1/things", idempotency_key="k", body={})

    assert failure.value.retry_after_seconds == 3.0
    assert "503" in failure.value.message


async def test_consecutive_technical_failures_open_the_circuit_and_the_next_call_fails_fast(
    client: ServiceClient, script: Script
) -> None:
    script.answers += [(503, {}, {})] * 2
    for _ in range(2):
        with pytest.raises(TechnicalFailure):
            await client.post("/v1/things", idempotency_key="k", body={})

    with pytest.raises(CircuitOpen):
        await client.post("/v1/things", idempotency_key="k", body={})

    assert len(script.seen) == 2


async def test_an_unreachable_service_is_a_technical_failure() -> None:
    async with httpx.AsyncClient() as http:
        client = ServiceClient("gone", "http://127.0.0.1:9", 1.0, CircuitBreaker("gone", 5, 10.0), http)

        with pytest.raises(TechnicalFailure, match="unreachable"):
            await client.post("/v1/things", idempotency_key="k", body={})


async def test_a_cancelled_call_gives_the_half_open_trial_back(script: Script) -> None:
    breaker = CircuitBreaker("things", 1, 0.0)
    breaker.record_failure()
    app = FastAPI()

    @app.post("/v1/things")
    async def hang() -> None:
        await asyncio.sleep(60)

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
        client = ServiceClient("things", "http://things", 30.0, breaker, http)
        call = asyncio.create_task(client.post("/v1/things", idempotency_key="k", body={}))
        await asyncio.sleep(0.05)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call

    assert breaker.allow()
