"""Settings that change what the gateway does: the payment time limit, and Operate's OAuth token."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import httpx
import pytest
from pydantic import SecretStr

from gateway.adapters.operate import OperateClient, OperateUnavailable, open_operate_session
from tests.integration.gateway.conftest import (
    LocalEngine,
    checkout_body,
    gateway_settings,
    running_gateway,
)
from tests.oauth_token_server import TokenServer, token_endpoint
from zeebe_connection.oauth import ClientCredentials


async def test_a_configured_payment_timeout_is_passed_to_every_checkout(
    engine: LocalEngine, tmp_path: Path
) -> None:
    settings = gateway_settings(
        f"sqlite:///{tmp_path / 'gateway.db'}", engine.operate_url, payment_timeout="PT4S"
    )
    async with running_gateway(settings, engine.address) as gateway:
        document = (await gateway.start(checkout_body())).json()

    variables = await engine.root_variables(document["process_instance_key"])

    assert variables["paymentTimeout"] == "PT4S"


@pytest.fixture
def token_server() -> Iterator[tuple[TokenServer, str]]:
    server = TokenServer()
    with token_endpoint(server) as url:
        yield server, url


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def operate_reads(engine: LocalEngine, token_url: str, clock: Clock, calls: int) -> list[str | None]:
    """Make ``calls`` reads of an instance through an OperateClient with client credentials; answer
    the Authorization header each request to Operate carried."""
    seen: list[str | None] = []

    async def record(
        _session: aiohttp.ClientSession, _context: object, params: aiohttp.TraceRequestStartParams
    ) -> None:
        seen.append(params.headers.get("Authorization"))

    recorder = aiohttp.TraceConfig()
    recorder.on_request_start.append(record)
    async with (
        aiohttp.ClientSession(trace_configs=[recorder]) as http,
        httpx.AsyncClient() as token_http,
    ):
        credentials = ClientCredentials(
            token_url, "gateway", SecretStr("s3cret"), "operate-api", token_http, clock
        )
        operate = OperateClient(http, engine.operate_url, 5.0, credentials)
        for _ in range(calls):
            await operate.instance(1)
            clock.now += 100
    return seen


async def test_operate_is_called_with_one_cached_token_while_it_is_valid(
    engine: LocalEngine, token_server: tuple[TokenServer, str]
) -> None:
    server, url = token_server

    seen = await operate_reads(engine, url, Clock(), calls=3)

    assert seen == ["Bearer token-1"] * 3
    assert server.requests == [
        {
            "grant_type": "client_credentials",
            "client_id": "gateway",
            "client_secret": "s3cret",
            "audience": "operate-api",
        }
    ]


async def test_a_token_is_renewed_shortly_before_it_expires(
    engine: LocalEngine, token_server: tuple[TokenServer, str]
) -> None:
    server, url = token_server
    server.lifetime = 230  # renewed 30 s early: valid for 200 s, the clock moves 100 s a call

    seen = await operate_reads(engine, url, Clock(), calls=4)

    assert seen == ["Bearer token-1", "Bearer token-1", "Bearer token-2", "Bearer token-2"]


async def test_refused_credentials_make_operate_unavailable(
    engine: LocalEngine, token_server: tuple[TokenServer, str]
) -> None:
    server, url = token_server
    server.refuse = True

    with pytest.raises(OperateUnavailable):
        await operate_reads(engine, url, Clock(), calls=1)


async def test_the_token_server_is_not_asked_twice_by_concurrent_reads(
    engine: LocalEngine, token_server: tuple[TokenServer, str]
) -> None:
    server, url = token_server
    async with open_operate_session(engine.operate_url) as http, httpx.AsyncClient() as token_http:
        credentials = ClientCredentials(url, "gateway", SecretStr("s3cret"), "operate-api", token_http)
        operate = OperateClient(http, engine.operate_url, 5.0, credentials)

        await asyncio.gather(*(operate.instance(1) for _ in range(5)))

    assert len(server.requests) == 1
