"""How the gateway reads Operate: what it sends, how it pages, and which answers make Operate unavailable.

Operate is a small FastAPI app answering what each test scripts, served by uvicorn on a local port
(``LiveServer``): the gateway's Operate client is aiohttp, which talks to real sockets only. The reads
of the real local engine are the other tests' (test_saga_status.py, test_configuration.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import httpx
import pytest
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import SecretStr

from gateway.adapters.operate import PAGE_SIZE, OperateClient, OperateUnavailable, open_operate_session
from tests.oauth_token_server import TokenServer, token_endpoint
from tests.unit.gateway.operate_documents import INSTANCE_KEY, instance, node, variable
from tests.unit.services.support import LiveServer
from tests.unit.telemetry.client_spans import RecordedSpans, ids_in, ids_of, parent_span_id
from zeebe_connection.oauth import ClientCredentials

SECRET_IN_BODY = "card-4242-never-logged"


class Operate:
    """What the scripted Operate answers and what it was asked (written from the server's thread).

    ``answers`` maps a path to the answers still to give there, in order (status, body); a path with
    none left answers the instance, a search with no items, or 404.
    """

    def __init__(self) -> None:
        self.answers: dict[str, list[tuple[int, Any]]] = {}
        self.flow_nodes: list[dict[str, Any]] = []
        self.variables: list[dict[str, Any]] = []
        self.full_values: dict[str, str] = {}
        self.requests: list[tuple[str, str, Any]] = []
        self.authorizations: list[str | None] = []
        self.traceparents: list[str | None] = []

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/v1/process-instances/{key}")
        async def get_instance(key: int, request: Request) -> Response:
            return self._answer(request, None, lambda: (200, instance()))

        @app.post("/v1/flownode-instances/search")
        async def search_flow_nodes(request: Request) -> Response:
            body = await request.json()
            return self._answer(request, body, lambda: (200, page(self.flow_nodes, body)))

        @app.post("/v1/variables/search")
        async def search_variables(request: Request) -> Response:
            body = await request.json()
            return self._answer(request, body, lambda: (200, page(self.variables, body)))

        @app.post("/v1/incidents/search")
        async def search_incidents(request: Request) -> Response:
            body = await request.json()
            return self._answer(request, body, lambda: (200, {"items": [], "total": 0}))

        @app.get("/v1/variables/{key}")
        async def get_variable(key: str, request: Request) -> Response:
            return self._answer(request, None, lambda: (200, {"key": key, "value": self.full_values[key]}))

        @app.get("/hang/{anything:path}")
        async def hang(anything: str, request: Request) -> Response:
            """Answers only once the caller has gone (so the server stops at once after the test)."""
            while not await request.is_disconnected():
                await asyncio.sleep(0.01)
            return Response(status_code=204)

        return app

    def _answer(self, request: Request, body: Any, otherwise: Any) -> Response:
        self.requests.append((request.method, request.url.path, body))
        self.authorizations.append(request.headers.get("Authorization"))
        self.traceparents.append(request.headers.get("traceparent"))
        scripted = self.answers.get(request.url.path)
        status, document = scripted.pop(0) if scripted else otherwise()
        if isinstance(document, Response):
            return document
        return JSONResponse(document, status_code=status)


def page(items: list[dict[str, Any]], body: dict[str, Any]) -> dict[str, Any]:
    """Operate's paging: ``size`` items sorted by key after ``searchAfter``, and the last one's sort values."""
    after = (body.get("searchAfter") or [None])[0]
    rest = [
        item
        for item in sorted(items, key=lambda i: str(i["key"]))
        if after is None or str(item["key"]) > after
    ]
    found = rest[: body["size"]]
    return {"items": found, "total": len(items), "sortValues": [str(found[-1]["key"])] if found else None}


@pytest.fixture
def operate() -> Operate:
    return Operate()


@pytest.fixture
def server(operate: Operate) -> Iterator[LiveServer]:
    with LiveServer(operate.app(), graceful_shutdown_seconds=1) as live:
        yield live


@pytest.fixture
async def http(server: LiveServer) -> AsyncIterator[aiohttp.ClientSession]:
    async with open_operate_session(server.url) as session:
        yield session


@pytest.fixture
def client(server: LiveServer, http: aiohttp.ClientSession) -> OperateClient:
    return OperateClient(http, server.url, 2.0)


async def test_an_instance_operate_has_not_imported_yet_is_none(
    client: OperateClient, operate: Operate
) -> None:
    operate.answers["/v1/process-instances/7"] = [(404, {"message": "not found"})]

    assert await client.instance(7) is None


async def test_a_known_instance_is_read_by_its_key(client: OperateClient, operate: Operate) -> None:
    found = await client.instance(INSTANCE_KEY)

    assert found is not None
    assert found.key == INSTANCE_KEY
    assert operate.requests == [("GET", f"/v1/process-instances/{INSTANCE_KEY}", None)]


async def test_a_5xx_makes_operate_unavailable(client: OperateClient, operate: Operate) -> None:
    operate.answers["/v1/process-instances/7"] = [(503, {"message": "importer behind"})]

    with pytest.raises(OperateUnavailable, match="503"):
        await client.instance(7)


async def test_an_answer_operate_refuses_is_not_logged_with_its_body(
    client: OperateClient, operate: Operate, caplog: pytest.LogCaptureFixture
) -> None:
    operate.answers["/v1/process-instances/7"] = [(500, {"message": SECRET_IN_BODY})]

    with caplog.at_level(logging.DEBUG), pytest.raises(OperateUnavailable):
        await client.instance(7)

    assert "answered 500" in caplog.text
    assert SECRET_IN_BODY not in caplog.text


async def test_an_answer_that_is_not_json_makes_operate_unavailable(
    client: OperateClient, operate: Operate
) -> None:
    operate.answers["/v1/process-instances/7"] = [
        (200, Response("<html>login</html>", media_type="text/html"))
    ]

    with pytest.raises(OperateUnavailable, match="other than JSON"):
        await client.instance(7)


async def test_a_redirect_is_not_followed_and_makes_operate_unavailable(
    client: OperateClient, operate: Operate
) -> None:
    login = Response(status_code=302, headers={"Location": f"/v1/process-instances/{INSTANCE_KEY}"})
    operate.answers["/v1/process-instances/7"] = [(302, login)]

    with pytest.raises(OperateUnavailable, match="302"):
        await client.instance(7)

    assert len(operate.requests) == 1


async def test_an_unreachable_operate_is_unavailable(http: aiohttp.ClientSession) -> None:
    client = OperateClient(http, "http://127.0.0.1:9", 2.0)

    with pytest.raises(OperateUnavailable, match="cannot be reached"):
        await client.instance(7)


async def test_operate_not_answering_within_the_timeout_is_unavailable(
    server: LiveServer, http: aiohttp.ClientSession
) -> None:
    client = OperateClient(http, f"{server.url}/hang", 0.2)  # every path under it hangs

    with pytest.raises(OperateUnavailable, match="cannot be reached"):
        await client.instance(7)


async def test_searches_follow_search_after_until_a_page_is_short(
    client: OperateClient, operate: Operate
) -> None:
    operate.flow_nodes = [node(1_000_000 + n, f"element_{n}") for n in range(PAGE_SIZE + 1)]

    snapshot = await client.snapshot(INSTANCE_KEY)

    assert len(snapshot.flow_nodes) == PAGE_SIZE + 1
    searches = [body for method, path, body in operate.requests if path == "/v1/flownode-instances/search"]
    assert [body.get("searchAfter") for body in searches] == [None, [str(1_000_000 + PAGE_SIZE - 1)]]
    assert searches[0]["filter"] == {"processInstanceKey": INSTANCE_KEY}


async def test_a_truncated_variable_is_read_in_full_by_its_key(
    client: OperateClient, operate: Operate
) -> None:
    truncated = {**variable("quote", {"total": "9"}), "value": '{"tot', "truncated": True}
    operate.variables = [truncated, variable("checkoutId", "c-1")]
    operate.full_values[truncated["key"]] = '{"total": "12.50"}'

    snapshot = await client.snapshot(INSTANCE_KEY)

    assert snapshot.variables == {"quote": {"total": "12.50"}, "checkoutId": "c-1"}
    assert ("GET", f"/v1/variables/{truncated['key']}", None) in operate.requests


@pytest.fixture
def tokens() -> Iterator[tuple[TokenServer, str]]:
    server = TokenServer()
    with token_endpoint(server) as url:
        yield server, url


async def test_a_refused_token_is_renewed_once_and_the_read_repeated_with_the_new_one(
    server: LiveServer, http: aiohttp.ClientSession, operate: Operate, tokens: tuple[TokenServer, str]
) -> None:
    token_server, token_url = tokens
    operate.answers[f"/v1/process-instances/{INSTANCE_KEY}"] = [(401, {"message": "expired"})]
    async with httpx.AsyncClient() as token_http:
        credentials = ClientCredentials(token_url, "gateway", SecretStr("s3cret"), "operate-api", token_http)
        client = OperateClient(http, server.url, 2.0, credentials)

        found = await client.instance(INSTANCE_KEY)

    assert found is not None
    assert operate.authorizations == ["Bearer token-1", "Bearer token-2"]
    assert len(token_server.requests) == 2


async def test_a_token_refused_twice_makes_operate_unavailable(
    server: LiveServer, http: aiohttp.ClientSession, operate: Operate, tokens: tuple[TokenServer, str]
) -> None:
    _token_server, token_url = tokens
    operate.answers["/v1/process-instances/7"] = [(401, {}), (401, {})]
    async with httpx.AsyncClient() as token_http:
        credentials = ClientCredentials(token_url, "gateway", SecretStr("s3cret"), "operate-api", token_http)
        client = OperateClient(http, server.url, 2.0, credentials)

        with pytest.raises(OperateUnavailable, match="401"):
            await client.instance(7)

    assert len(operate.requests) == 2


async def test_user_info_in_the_operate_url_is_sent_as_basic_authentication(
    server: LiveServer, http: aiohttp.ClientSession, operate: Operate
) -> None:
    address = server.url.removeprefix("http://")
    client = OperateClient(http, f"http://us%40er:p%C3%A4ss@{address}", 2.0)

    await client.instance(INSTANCE_KEY)

    assert operate.authorizations == ["Basic dXNAZXI6cMOkc3M="]  # us@er:päss in UTF-8, as httpx sent it


async def test_a_traced_read_is_a_client_span_whose_traceparent_operate_gets(
    server: LiveServer, http: aiohttp.ClientSession, operate: Operate
) -> None:
    spans = RecordedSpans()
    client = OperateClient(http, server.url, 2.0, tracer=spans.tracer)

    with spans.tracer.start_as_current_span("GET /v1/checkouts/{checkout_id}") as request:
        await client.instance(INSTANCE_KEY)

    call = spans.client_call()
    assert parent_span_id(call) == request.get_span_context().span_id
    assert [ids_in(sent) for sent in operate.traceparents] == [ids_of(call)]


async def test_a_traced_reads_span_names_the_url_it_read(
    server: LiveServer, http: aiohttp.ClientSession
) -> None:
    spans = RecordedSpans()
    client = OperateClient(http, server.url, 2.0, tracer=spans.tracer)

    await client.instance(INSTANCE_KEY)

    attributes = spans.client_call().attributes or {}
    assert attributes["http.url"] == f"{server.url}/v1/process-instances/{INSTANCE_KEY}"


async def test_an_untraced_gateway_sends_operate_no_traceparent(
    client: OperateClient, operate: Operate
) -> None:
    await client.instance(INSTANCE_KEY)

    assert operate.traceparents == [None]
