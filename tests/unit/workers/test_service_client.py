"""How a worker sorts a service's answers: result, business failure, technical failure, open circuit;
and what its calls carry (idempotency key, the body as encoded before, the trace context).

The service is a small FastAPI app answering what each test scripts, served by uvicorn on a local port
(``LiveServer``): the worker's HTTP client is aiohttp, which talks to real sockets only. This is about
the client's classification, not about any real service.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from telemetry.http_client import open_session
from telemetry.tracing import tracing_enabled
from tests.unit.services.support import LiveServer
from tests.unit.telemetry.client_spans import RecordedSpans, ids_in, ids_of, parent_span_id
from workers.breaker import BreakerState, CircuitBreaker
from workers.failures import BusinessFailure, CircuitOpen, TechnicalFailure
from workers.service_client import ServiceClient

PROBLEM = "application/problem+json"


class Script:
    """What the scripted service answers, in order, and what it saw (written from the server's thread)."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, dict[str, Any], dict[str, str]]] = []
        self.seen: list[dict[str, Any]] = []
        self.raw: list[bytes] = []
        self.traceparents: list[str | None] = []


def scripted_app(script: Script) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/things")
    async def things(request: Request) -> JSONResponse:
        script.raw.append(await request.body())
        script.traceparents.append(request.headers.get("traceparent"))
        script.seen.append({"key": request.headers.get("Idempotency-Key"), "body": await request.json()})
        status, body, headers = script.answers.pop(0)
        media = PROBLEM if status >= 400 else "application/json"
        return JSONResponse(body, status_code=status, headers=headers, media_type=media)

    @app.post("/v1/hang")
    async def hang(request: Request) -> Response:
        """Answers only once the caller has gone (so the server stops at once after the test)."""
        while not await request.is_disconnected():
            await asyncio.sleep(0.01)
        return Response(status_code=204)

    return app


@pytest.fixture
def script() -> Script:
    return Script()


@pytest.fixture
def server(script: Script) -> Iterator[LiveServer]:
    with LiveServer(scripted_app(script), graceful_shutdown_seconds=1) as live:
        yield live


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with open_session(8) as session:
        yield session


@pytest.fixture
def client(server: LiveServer, http: aiohttp.ClientSession) -> ServiceClient:
    return ServiceClient("things", server.url, 1.0, CircuitBreaker("things", 2, 10.0), http)


async def test_a_2xx_answer_is_the_result_and_carries_the_idempotency_key(
    client: ServiceClient, script: Script
) -> None:
    script.answers.append((201, {"id": "t-1"}, {}))

    result = await client.post("/v1/things", idempotency_key="c-1:things.make", body={"n": 1})

    assert result == {"id": "t-1"}
    assert script.seen == [{"key": "c-1:things.make", "body": {"n": 1}}]


async def test_the_body_is_sent_as_compact_utf8_json_as_httpx_sent_it(
    client: ServiceClient, script: Script
) -> None:
    script.answers.append((201, {"id": "t-1"}, {}))

    await client.post("/v1/things", idempotency_key="k", body={"name": "Crème brûlée", "items": [1, 2]})

    assert script.raw == ['{"name":"Crème brûlée","items":[1,2]}'.encode()]


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


async def test_an_unreachable_service_is_a_technical_failure(http: aiohttp.ClientSession) -> None:
    client = ServiceClient("gone", "http://127.0.0.1:9", 1.0, CircuitBreaker("gone", 5, 10.0), http)

    with pytest.raises(TechnicalFailure, match="unreachable"):
        await client.post("/v1/things", idempotency_key="k", body={})


async def test_a_service_that_does_not_answer_within_the_timeout_is_a_technical_failure(
    server: LiveServer, http: aiohttp.ClientSession
) -> None:
    breaker = CircuitBreaker("things", 5, 10.0)
    client = ServiceClient("things", server.url, 0.2, breaker, http)

    with pytest.raises(TechnicalFailure, match="did not answer in time"):
        await client.post("/v1/hang", idempotency_key="k", body={})

    assert breaker.consecutive_failures == 1


async def test_a_cancelled_call_gives_the_half_open_trial_back(
    server: LiveServer, http: aiohttp.ClientSession
) -> None:
    breaker = CircuitBreaker("things", 1, 0.0)
    breaker.record_failure()
    client = ServiceClient("things", server.url, 30.0, breaker, http)
    call = asyncio.create_task(client.post("/v1/hang", idempotency_key="k", body={}))
    await asyncio.sleep(0.05)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call

    assert breaker.allow()


async def test_a_traced_call_is_a_client_span_of_the_job_whose_traceparent_the_service_gets(
    server: LiveServer, http: aiohttp.ClientSession, script: Script
) -> None:
    spans = RecordedSpans()
    client = ServiceClient("things", server.url, 1.0, CircuitBreaker("things", 2, 10.0), http, spans.tracer)
    script.answers.append((201, {"id": "t-1"}, {}))

    with spans.tracer.start_as_current_span("job things.make") as job:
        await client.post("/v1/things", idempotency_key="k", body={})

    call = spans.client_call()
    assert parent_span_id(call) == job.get_span_context().span_id
    assert [ids_in(sent) for sent in script.traceparents] == [ids_of(call)]


async def test_an_untraced_process_sends_no_traceparent(client: ServiceClient, script: Script) -> None:
    assert not tracing_enabled(), "no test installs the process-global tracer provider"
    script.answers.append((201, {"id": "t-1"}, {}))

    await client.post("/v1/things", idempotency_key="k", body={})

    assert script.traceparents == [None]
