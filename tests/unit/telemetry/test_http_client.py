"""What the shared aiohttp calls keep of httpx: redirects answered rather than followed, a proxy from
the environment for the URL a session is opened for (looked up once, as httpx did), and spans that
record no credentials of a URL (as the httpx instrumentation's did not).

The servers are plain asyncio servers on local ports that record each request line and answer what
they are given: a proxy is told apart from the server it stands for by the request line alone (a
proxied request names the whole URL). The worker's and the gateway's own tests cover the rest (body
encoding, client spans, timeouts) through their clients.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from telemetry.http_client import exchange, open_session, phase_timeout
from tests.unit.telemetry.client_spans import RecordedSpans

TIMEOUT = phase_timeout(2.0)
PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")


class RecordingServer:
    """Records every request line and answers ``answer`` (a whole HTTP/1.1 response) to each."""

    def __init__(self, answer: bytes) -> None:
        self.answer = answer
        self.request_lines: list[str] = []
        self.url = ""

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        self.request_lines.append(head.split(b"\r\n", 1)[0].decode())
        writer.write(self.answer)
        await writer.drain()
        writer.close()

    async def start(self) -> asyncio.Server:
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return server


def answer(status: str, headers: str = "", body: bytes = b"{}") -> bytes:
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        f"{headers}Connection: close\r\n\r\n"
    ).encode() + body


@asynccontextmanager
async def serving(answer_bytes: bytes) -> AsyncIterator[RecordingServer]:
    recording = RecordingServer(answer_bytes)
    server = await recording.start()
    async with server:
        yield recording


@pytest.fixture
async def target() -> AsyncIterator[RecordingServer]:
    async with serving(answer("200 OK")) as recording:
        yield recording


@pytest.fixture
async def proxy() -> AsyncIterator[RecordingServer]:
    async with serving(answer("200 OK")) as recording:
        yield recording


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No proxy settings of the machine running the tests."""
    for name in (*PROXY_VARIABLES, "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


async def test_a_redirect_is_the_answer_not_followed() -> None:
    async with (
        serving(answer("302 Found", "Location: /elsewhere\r\n")) as redirecting,
        open_session(1) as http,
    ):
        found = await exchange(http, "GET", f"{redirecting.url}/v1/thing", timeout=TIMEOUT)

    assert found.status == 302
    assert redirecting.request_lines == ["GET /v1/thing HTTP/1.1"]


async def test_the_environments_proxy_for_the_sessions_url_carries_its_calls(
    environment: pytest.MonkeyPatch, proxy: RecordingServer
) -> None:
    environment.setenv("HTTP_PROXY", proxy.url)
    environment.setenv("http_proxy", proxy.url)
    url = "http://operate.example:8080"

    async with open_session(1, env_proxy_for=url) as http:
        found = await exchange(http, "GET", f"{url}/v1/process-instances/1", timeout=TIMEOUT)

    assert found.status == 200
    assert proxy.request_lines == [f"GET {url}/v1/process-instances/1 HTTP/1.1"]


async def test_no_proxy_exempts_the_sessions_url_from_the_environments_proxy(
    environment: pytest.MonkeyPatch, proxy: RecordingServer, target: RecordingServer
) -> None:
    environment.setenv("HTTP_PROXY", proxy.url)
    environment.setenv("http_proxy", proxy.url)
    environment.setenv("NO_PROXY", "127.0.0.1")
    environment.setenv("no_proxy", "127.0.0.1")

    async with open_session(1, env_proxy_for=target.url) as http:
        await exchange(http, "GET", f"{target.url}/v1/thing", timeout=TIMEOUT)

    assert proxy.request_lines == []
    assert target.request_lines == ["GET /v1/thing HTTP/1.1"]


async def test_a_session_opened_for_no_url_ignores_the_environments_proxy(
    environment: pytest.MonkeyPatch, proxy: RecordingServer, target: RecordingServer
) -> None:
    environment.setenv("HTTP_PROXY", proxy.url)
    environment.setenv("http_proxy", proxy.url)

    async with open_session(1) as http:
        await exchange(http, "GET", f"{target.url}/v1/thing", timeout=TIMEOUT)

    assert proxy.request_lines == []
    assert target.request_lines == ["GET /v1/thing HTTP/1.1"]


async def test_a_traced_calls_span_keeps_no_user_info_of_its_url(target: RecordingServer) -> None:
    spans = RecordedSpans()
    address = target.url.removeprefix("http://")

    async with open_session(1) as http:
        url = f"http://user:s3cret@{address}/v1/thing"
        await exchange(http, "GET", url, timeout=TIMEOUT, tracer=spans.tracer)

    attributes = spans.client_call().attributes or {}
    assert attributes["http.url"] == f"{target.url}/v1/thing"
