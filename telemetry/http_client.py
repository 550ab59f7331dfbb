"""HTTP calls over aiohttp that carry the trace, for every process that calls another over HTTP.

Why aiohttp, not httpx: httpcore's connection pool walks every pooled connection on each request and
each response close, so under load httpx was about half of a worker process's CPU and a fifth of the
gateway's. aiohttp keeps idle connections per host and hands one out without a walk: measured on a
local echo service at 32 to 64 calls in flight, a call costs the caller about a tenth of the CPU it did.

What httpx gave for free is done here, so callers keep what they had: a JSON body encoded exactly as
httpx encoded it, timeouts that mean what ``httpx.Timeout(seconds)`` meant, redirects answered rather
than followed, and, with tracing on, a client span per call whose ``traceparent`` the called service
continues, as the httpx instrumentation's was (one span and one header do not need another
instrumentation package to keep in step with the OpenTelemetry release train).

Knows nothing of the services or of what their answers mean: sorting answers into results and
failures is the caller's.
"""

from __future__ import annotations

import contextlib
import json
import ssl as tls
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from multidict import CIMultiDictProxy
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.util.types import AttributeValue
from yarl import URL

from telemetry.tracing import tracing_enabled

KEEPALIVE_SECONDS = 4.0
"""How long an idle connection stays pooled. Below the services' own keep-alive (uvicorn closes idle
connections after 5 s), so the caller drops a connection before the server can close it under a
request that is just being sent: a POST that meets a closed connection is not retried."""

_tracer = trace.get_tracer(__name__)


def open_session(
    max_connections: int, *, ssl: tls.SSLContext | bool = True, env_proxy_for: str | None = None
) -> aiohttp.ClientSession:
    """A pooled HTTP session (call inside the running event loop; close it when the process stops).

    ``max_connections`` caps the connections to all hosts together, as httpx's pool limit did.
    ``ssl``: the TLS context for ``https`` URLs (aiohttp's default trusts the system's CAs).

    Unlike httpx, the session does not look up ``HTTP_PROXY``/``NO_PROXY`` and ``~/.netrc`` on every
    call (aiohttp's ``trust_env``): that cost more CPU than the call itself. A caller that must honour
    a proxy names the URL it calls in ``env_proxy_for``: the proxy the environment sets for that URL is
    looked up once, now, as httpx did when its client was created.
    """
    proxy: URL | None = None
    proxy_auth: aiohttp.BasicAuth | None = None
    if env_proxy_for is not None:
        with contextlib.suppress(LookupError):  # no proxy for that URL, or NO_PROXY exempts it
            proxy, proxy_auth = get_env_proxy_for_url(URL(env_proxy_for))
    connector = aiohttp.TCPConnector(
        limit=max_connections, limit_per_host=0, keepalive_timeout=KEEPALIVE_SECONDS, ssl=ssl
    )
    return aiohttp.ClientSession(connector=connector, proxy=proxy, proxy_auth=proxy_auth)


def phase_timeout(seconds: float) -> aiohttp.ClientTimeout:
    """What ``httpx.Timeout(seconds)`` meant: each phase (getting a connection, reading the answer)
    gets the whole timeout, not the call as a sum (a slow but steady answer is not cut off)."""
    return aiohttp.ClientTimeout(total=None, connect=seconds, sock_connect=seconds, sock_read=seconds)


@dataclass(frozen=True)
class Answer:
    """A complete answer, read while the connection was held (so reading the body is part of the call:
    a body cut short is a transport error of the call, not an error in whoever reads it later)."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON; a ``ValueError`` when it is not (as httpx's ``Response.json``)."""
        return json.loads(self.body)


def encode_json(body: Any) -> bytes:
    """``body`` as httpx's ``json=`` encoded it (compact, UTF-8, no NaN), byte for byte: a retry after an
    upgrade sends what the first attempt sent under the same idempotency key."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


async def exchange(
    http: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    timeout: aiohttp.ClientTimeout,
    headers: Mapping[str, str] | None = None,
    body: Any | None = None,
    tracer: trace.Tracer | None = None,
) -> Answer:
    """One call and its complete answer, whatever the status; ``body`` (when not None) is sent as JSON.

    Transport errors are aiohttp's ``ClientError`` and timeouts ``TimeoutError``, for the caller to
    sort. A redirect is the answer, not followed (as httpx did): nothing called here redirects, and
    an answer from somewhere else than the URL asked is not one to trust blindly.

    ``tracer``: where the call's client span goes. By default the process's, and only while
    :func:`telemetry.tracing.configure_tracing` has installed one: an untraced process pays nothing per
    call for spans nobody exports (nor sends a ``traceparent``).
    """
    sent = dict(headers or {})
    data = None
    if body is not None:
        data = encode_json(body)
        sent["Content-Type"] = "application/json"
    tracer = tracer or (_tracer if tracing_enabled() else None)
    if tracer is None:
        return await _exchange(http, method, url, sent, data, timeout)
    attributes: dict[str, AttributeValue] = {"http.method": method, "http.url": _redacted(url)}
    with tracer.start_as_current_span(method, kind=SpanKind.CLIENT, attributes=attributes) as span:
        propagate.inject(sent)
        answer = await _exchange(http, method, url, sent, data, timeout)
        span.set_attribute("http.status_code", answer.status)
        if answer.status >= 400:
            span.set_status(Status(StatusCode.ERROR))
        return answer


def _redacted(url: str) -> str:
    """``url`` without user info, as the httpx instrumentation recorded it: spans are not for secrets."""
    return str(URL(url).with_user(None)) if "@" in url else url


async def _exchange(
    http: aiohttp.ClientSession,
    method: str,
    url: str,
    headers: dict[str, str],
    data: bytes | None,
    timeout: aiohttp.ClientTimeout,
) -> Answer:
    async with http.request(
        method, url, headers=headers, data=data, timeout=timeout, allow_redirects=False
    ) as response:
        return Answer(response.status, response.headers, await response.read())
