"""HTTP calls from a worker to one service: timeouts, idempotency keys, circuit breaker, problem+json.

Every answer is sorted into a result, a :class:`BusinessFailure` or a :class:`TechnicalFailure`, so the
task functions read as the happy path and the job outcome handlers decide what Zeebe hears.

The calls go over the traced aiohttp exchange of :mod:`telemetry.http_client` (why aiohttp and not
httpx is told there), which the gateway's Operate calls share; what is here is what calling one of
our services means.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from opentelemetry import trace

from telemetry.http_client import Answer, exchange, phase_timeout
from workers.breaker import CircuitBreaker
from workers.failures import BusinessFailure, CircuitOpen, TechnicalFailure

# Codes a service answers when the worker, not the business, is wrong: retrying will not help, but
# neither is it the customer's fault; the job goes to an incident for an operator.
CONTRACT_CODES = frozenset({"IDEMPOTENCY_KEY_REUSED", "VALIDATION_FAILED"})


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
        self.timeout = phase_timeout(timeout_seconds)
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
            response = await exchange(
                self.http,
                method,
                self.base_url + path,
                timeout=self.timeout,
                headers=headers,
                body=body,
                tracer=self._tracer,
            )
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


def _problem(response: Answer) -> dict[str, Any]:
    try:
        document = response.json()
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _retry_after(response: Answer) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None
