"""HTTP calls from a worker to one service: timeouts, idempotency keys, circuit breaker, problem+json.

Every answer is sorted into a result, a :class:`BusinessFailure` or a :class:`TechnicalFailure`, so the
task functions read as the happy path and the job outcome handlers decide what Zeebe hears.

The calls go over aiohttp, not httpx: httpcore's connection pool walks every pooled connection on each
request and each response close, so with a pool sized for five services times ``max_running_jobs`` it
was about half of the worker process's CPU. aiohttp keeps idle connections per host and hands one out
without a walk: measured on a local echo service at 32 to 64 calls in flight, a call costs the worker
about a tenth of the CPU it did. What httpx gave for free is done here: the request body is encoded
exactly as httpx encoded it, and with tracing on each call is a client span whose ``traceparent`` the
service continues, as the httpx instrumentation's was (one span and one header do not need another
instrumentation package to keep in step with the OpenTelemetry release train).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiohttp
from multidict import CIMultiDictProxy
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.util.types import AttributeValue

from telemetry.tracing import tracing_enabled
from workers.breaker import CircuitBreaker
from workers.failures import BusinessFailure, CircuitOpen, TechnicalFailure

# Codes a service answers when the worker, not the business, is wrong: retrying will not help, but
# neither is it the customer's fault; the job goes to an incident for an operator.
CONTRACT_CODES = frozenset({"IDEMPOTENCY_KEY_REUSED", "VALIDATION_FAILED"})

KEEPALIVE_SECONDS = 4.0
"""How long an idle connection stays pooled. Below the services' own keep-alive (uvicorn closes idle
connections after 5 s), so the worker drops a connection before the service can close it under a
request that is just being sent: a POST that meets a closed connection is not retried."""

_tracer = trace.get_tracer(__name__)


def open_session(max_connections: int) -> aiohttp.ClientSession:
    """The HTTP session all of a worker process's :class:`ServiceClient`\\ s share (call inside the
    running event loop; close it when the worker stops).

    ``max_connections`` caps the connections to all services together, as httpx's pool limit did.
    Unlike httpx, the session ignores ``HTTP_PROXY``/``NO_PROXY`` and ``~/.netrc`` (aiohttp's
    ``trust_env``): looking them up again on every call cost more CPU than the call itself, and the
    services are called directly, no deployment sets a proxy.
    """
    connector = aiohttp.TCPConnector(
        limit=max_connections, limit_per_host=0, keepalive_timeout=KEEPALIVE_SECONDS
    )
    return aiohttp.ClientSession(connector=connector)


@dataclass(frozen=True)
class Answer:
    """A service's complete answer, read while the connection was held (so reading the body is part
    of the call: a body cut short is a technical failure, not an error in a task)."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class ServiceClient:
    """One downstream service, called over the process's shared ``aiohttp.ClientSession`` with its own
    breaker."""

    def __init__(
        self,
        name: str,
        base_url: str,
        timeout_seconds: float,
        breaker: CircuitBreaker,
        http: aiohttp.ClientSession,
        tracer: trace.Tracer | None = None,
    ) -> None:
        """``tracer``: where the calls' client spans go. By default the process's, and only while
        :func:`telemetry.tracing.configure_tracing` has installed one: an untraced process pays nothing
        per call for spans nobody exports."""
        self.name = name
        self.base_url = base_url.rstrip("/")
        # What httpx.Timeout(timeout_seconds) meant: each phase (getting a connection, reading the
        # answer) gets the whole timeout, not the call as a sum.
        self.timeout = aiohttp.ClientTimeout(
            total=None, connect=timeout_seconds, sock_connect=timeout_seconds, sock_read=timeout_seconds
        )
        self.breaker = breaker
        self.http = http
        self._tracer = tracer

    async def post(
        self, path: str, *, idempotency_key: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """POST ``body`` with ``Idempotency-Key``; the service's JSON answer when it is a 2xx."""
        return await self._call("POST", path, {"Idempotency-Key": idempotency_key}, body)

    async def _call(
        self, method: str, path: str, headers: dict[str, str], body: dict[str, Any] | None
    ) -> dict[str, Any]:
        if not self.breaker.allow():
            raise CircuitOpen(
                f"{self.name} service unavailable: circuit open after repeated failures",
                retry_after_seconds=self.breaker.retry_in(),
            )
        try:
            response = await self._send(method, self.base_url + path, headers, body)
        except TimeoutError as error:  # aiohttp's timeouts are TimeoutErrors (some also ClientErrors)
            self.breaker.record_failure()
            raise TechnicalFailure(
                f"{self.name} service did not answer in time ({type(error).__name__})"
            ) from error
        except aiohttp.ClientError as error:
            self.breaker.record_failure()
            raise TechnicalFailure(f"{self.name} service unreachable ({type(error).__name__})") from error
        except BaseException:
            self.breaker.abandon_trial()  # cancelled (shutdown, job gone): no verdict on the service
            raise
        if response.status >= 500:
            self.breaker.record_failure()
            raise TechnicalFailure(
                f"{self.name} service answered {response.status}: {_problem(response).get('detail', '')}",
                retry_after_seconds=_retry_after(response),
            )
        self.breaker.record_success()
        if response.status >= 400:
            problem = _problem(response)
            code = str(problem.get("code") or f"HTTP_{response.status}")
            detail = str(problem.get("detail") or problem.get("title") or "")
            if code in CONTRACT_CODES or response.status in (401, 403, 404, 405):
                raise TechnicalFailure(f"{self.name} service refused the call ({code}): {detail}")
            raise BusinessFailure(code, detail)
        answer: dict[str, Any] = response.json()
        return answer

    async def _send(
        self, method: str, url: str, headers: dict[str, str], body: dict[str, Any] | None
    ) -> Answer:
        """The call, inside a client span when tracing is on (the span the service's request span
        continues, as the httpx instrumentation's was)."""
        data = None
        if body is not None:
            data = _encode(body)
            headers["Content-Type"] = "application/json"
        tracer = self._tracer or (_tracer if tracing_enabled() else None)
        if tracer is None:
            return await self._exchange(method, url, headers, data)
        attributes: dict[str, AttributeValue] = {"http.method": method, "http.url": url}
        with tracer.start_as_current_span(method, kind=SpanKind.CLIENT, attributes=attributes) as span:
            propagate.inject(headers)
            response = await self._exchange(method, url, headers, data)
            span.set_attribute("http.status_code", response.status)
            if response.status >= 400:
                span.set_status(Status(StatusCode.ERROR))
            return response

    async def _exchange(self, method: str, url: str, headers: dict[str, str], data: bytes | None) -> Answer:
        async with self.http.request(
            method, url, headers=headers, data=data, timeout=self.timeout
        ) as response:
            return Answer(response.status, response.headers, await response.read())


def _encode(body: dict[str, Any]) -> bytes:
    """``body`` as httpx's ``json=`` encoded it (compact, UTF-8, no NaN), byte for byte: a retry after a
    worker upgrade sends what the first attempt sent under the same idempotency key."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def _problem(response: Answer) -> dict[str, Any]:
    try:
        document = response.json()
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _retry_after(response: Answer) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None
