"""Start checkout process instances with pyzeebe's ``ZeebeClient``, over the channel the environment calls for.

The channel comes from :func:`zeebe_connection.open_channel` (local engine in plaintext, or Camunda 8
with OAuth, by environment alone). It is opened on first use, inside the running event loop, and
dropped after a failure that says the gateway cannot be reached: a fresh channel connects at once when
Zeebe is back, where the old one would wait out gRPC's reconnect back-off (up to two minutes).

Every call has a deadline. A failed or timed-out call raises :class:`StartFailed` carrying only the
error's class: pyzeebe's messages may quote the variables, and they hold the payment token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import grpc
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from prometheus_client import CollectorRegistry, Counter
from pyzeebe import ZeebeClient
from pyzeebe.errors import (
    PyZeebeError,
    ZeebeDeadlineExceeded,
    ZeebeGatewayUnavailableError,
    ZeebeInternalError,
)

from gateway.domain.elements import PROCESS_ID
from gateway.domain.model import StartedInstance
from telemetry.propagation import TRACEPARENT, current_traceparent
from zeebe_connection import ZeebeSettings, open_channel

log = logging.getLogger(__name__)
_tracer = trace.get_tracer(__name__)

_CONNECTION_ERRORS = (ZeebeGatewayUnavailableError, ZeebeDeadlineExceeded, ZeebeInternalError, TimeoutError)


class StartFailed(Exception):
    """The instance may not have been started; ``reason`` is safe to log (an error class name)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def instances_started_counter(registry: CollectorRegistry) -> Counter:
    """Instances started per diagram version: a canary's real share, as Prometheus sees it."""
    return Counter(
        "checkout_gateway_instances_started",
        "Checkout process instances the gateway started, by the diagram version they run on.",
        ["version"],
        registry=registry,
    )


class ZeebeProcessStarter:
    """Creates instances of the checkout process at the version asked for."""

    def __init__(self, settings: ZeebeSettings, timeout_seconds: float, started: Counter) -> None:
        self._settings = settings
        self._timeout = timeout_seconds
        self._started = started
        self._channel: grpc.aio.Channel | None = None
        self._client: ZeebeClient | None = None

    def _connect(self) -> ZeebeClient:
        if self._client is None:
            self._channel = open_channel(self._settings)
            # -1: the client must never close the channel on its own; this class decides that.
            self._client = ZeebeClient(self._channel, max_connection_retries=-1)
        return self._client

    async def start(self, variables: dict[str, Any], version: int) -> StartedInstance:
        """A new ``checkout`` instance at ``version`` (-1: the latest) started with ``variables``, and
        with the current trace context as the variable ``traceparent``, from which every job's span
        continues."""
        with _tracer.start_as_current_span(
            "zeebe CreateProcessInstance", kind=SpanKind.CLIENT, attributes={"bpmn.process_id": PROCESS_ID}
        ) as span:
            started = await self._start(variables, version)
            self._started.labels(str(started.version)).inc()
            span.set_attribute("zeebe.process_instance_key", str(started.key))
            span.set_attribute("bpmn.process_version", started.version)
            return started

    async def _start(self, variables: dict[str, Any], version: int) -> StartedInstance:
        traceparent = current_traceparent()
        if traceparent is not None:
            variables = {**variables, TRACEPARENT: traceparent}
        try:
            client = self._connect()
            async with asyncio.timeout(self._timeout):
                response = await client.run_process(PROCESS_ID, variables, version=version)
        except _CONNECTION_ERRORS as error:
            await self.close()
            raise StartFailed(type(error).__name__) from None
        except (PyZeebeError, grpc.RpcError, ValueError) as error:
            raise StartFailed(type(error).__name__) from None
        return StartedInstance(int(response.process_instance_key), int(response.version))

    async def close(self) -> None:
        channel, self._channel, self._client = self._channel, None, None
        if channel is not None:
            with contextlib.suppress(Exception):
                await channel.close(grace=None)
