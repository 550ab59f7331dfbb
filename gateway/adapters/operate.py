"""Read checkout process instances from the Operate REST API v1 (the local engine serves the same API).

Four calls describe an instance: ``GET /v1/process-instances/{key}``, and searches of its flow-node
instances, its root-scope variables and (only when Operate flags an incident) its active incidents.
Searches page with ``searchAfter``; truncated variable values are fetched in full by key.

Operate is eventually consistent: an instance started a moment ago may not be visible yet, which reads
as "not imported yet" (``instance`` None), not as an error. When Operate cannot be reached, answers 5xx
or refuses our credentials, :class:`OperateUnavailable` (a 503 for the client) is raised; response
bodies are never logged.

The calls go over aiohttp with the traced exchange the workers use (:mod:`telemetry.http_client`):
httpx's connection pool cost the gateway a fifth of its CPU under load. Each call is a client span
when tracing is on, as the httpx instrumentation's was.
"""

from __future__ import annotations

import json
import logging
import ssl as ssl_
from typing import Any

import aiohttp
from opentelemetry import trace
from yarl import URL

from gateway.adapters.operate_documents import (
    parse_flow_node,
    parse_incident,
    parse_instance,
    parse_variable_value,
)
from gateway.domain.model import StartedInstance
from gateway.domain.progress import Incident, ProcessInstance, ProcessSnapshot
from services.common.errors import TemporaryFailure
from telemetry.http_client import Answer, exchange, open_session, phase_timeout
from zeebe_connection.oauth import ClientCredentials, TokenUnavailable

log = logging.getLogger(__name__)

PAGE_SIZE = 1000
MAX_PAGES = 20
MAX_CONNECTIONS = 100
"""Connections to Operate at the most: httpx's default pool limit, which the gateway ran with."""


class OperateUnavailable(TemporaryFailure):
    def __init__(self, detail: str) -> None:
        super().__init__("OPERATE_UNAVAILABLE", detail, retry_after_seconds=1)


def open_operate_session(operate_url: str, ssl: ssl_.SSLContext | bool = True) -> aiohttp.ClientSession:
    """The session the gateway's :class:`OperateClient` calls over (inside the running loop; close it
    at shutdown). ``ssl``: the CAs to trust for an ``https`` Operate. A proxy the environment sets
    for ``operate_url`` is used, as httpx used it."""
    return open_session(MAX_CONNECTIONS, ssl=ssl, env_proxy_for=operate_url)


class OperateClient:
    def __init__(
        self,
        http: aiohttp.ClientSession,
        base_url: str,
        timeout_seconds: float,
        credentials: ClientCredentials | None = None,
        tracer: trace.Tracer | None = None,
    ) -> None:
        """``base_url``: Operate's (``GATEWAY_OPERATE_URL``); user info in it is sent as HTTP Basic on
        every call, as httpx sent it (it then wins over a token, as it did). ``timeout_seconds``: for
        each phase of a call (connecting, reading the answer), as ``httpx.Timeout`` meant it.
        ``tracer``: where the calls' client spans go; by default the process's, while tracing is on."""
        url = URL(base_url)
        self._basic: str | None = None
        if url.user is not None or url.password is not None:
            self._basic = aiohttp.encode_basic_auth(url.user or "", url.password or "")
            # Off the URL, so it reaches neither aiohttp's own handling (which refuses it next to an
            # Authorization header) nor a span's http.url.
            url = url.with_user(None)
        self._base_url = str(url).rstrip("/")
        self._timeout = phase_timeout(timeout_seconds)
        self._http = http
        self._credentials = credentials
        self._tracer = tracer

    async def _send(self, method: str, path: str, body: dict[str, Any] | None) -> Answer:
        headers = {}
        if self._credentials is not None:
            headers["Authorization"] = await self._credentials.authorization()
        if self._basic is not None:
            headers["Authorization"] = self._basic
        return await exchange(
            self._http,
            method,
            self._base_url + path,
            timeout=self._timeout,
            headers=headers,
            body=body,
            tracer=self._tracer,
        )

    async def _request(
        self, method: str, path: str, body: dict[str, Any] | None = None, *, missing_ok: bool = False
    ) -> Any:
        """The JSON answer of one call (None for a 404 when ``missing_ok``); a refused token is renewed once."""
        try:
            response = await self._send(method, path, body)
            if response.status == 401 and self._credentials is not None:
                self._credentials.invalidate()
                response = await self._send(method, path, body)
        except (aiohttp.ClientError, TimeoutError) as error:
            log.warning("Operate %s %s failed: %s", method, path, type(error).__name__)
            raise OperateUnavailable("Operate cannot be reached; retry shortly.") from None
        except TokenUnavailable as error:
            log.warning("Operate credentials: %s", error)
            raise OperateUnavailable("Operate refuses the gateway's credentials; retry later.") from None
        if response.status == 404 and missing_ok:
            return None
        if response.status != 200:
            log.warning("Operate %s %s answered %d", method, path, response.status)
            raise OperateUnavailable(f"Operate answered {response.status}; retry shortly.")
        try:
            return response.json()
        except ValueError:
            raise OperateUnavailable("Operate answered something other than JSON.") from None

    async def _search_all(self, path: str, query_filter: dict[str, Any]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        body: dict[str, Any] = {
            "filter": query_filter,
            "size": PAGE_SIZE,
            "sort": [{"field": "key", "order": "ASC"}],
        }
        for _ in range(MAX_PAGES):
            page = await self._request("POST", path, body)
            found = (page.get("items") or []) if isinstance(page, dict) else []
            items.extend(found)
            after = page.get("sortValues") if isinstance(page, dict) else None
            if len(found) < PAGE_SIZE or not after:
                break
            body = {**body, "searchAfter": after}
        return items

    async def instance(self, key: int) -> ProcessInstance | None:
        document = await self._request("GET", f"/v1/process-instances/{key}", missing_ok=True)
        return None if document is None else parse_instance(document)

    async def instances_of_checkout(self, checkout_id: str) -> list[StartedInstance]:
        """Every process instance started for the checkout (``checkoutId`` in its root scope), oldest
        first, with the diagram version each runs on."""
        found = await self._search_all(
            "/v1/variables/search", {"name": "checkoutId", "value": json.dumps(checkout_id)}
        )
        keys = sorted(
            {int(i["processInstanceKey"]) for i in found if i.get("scopeKey") == i.get("processInstanceKey")}
        )
        instances = []
        for key in keys:
            document = await self._request("GET", f"/v1/process-instances/{key}", missing_ok=True)
            if isinstance(document, dict):
                instances.append(StartedInstance(key, int(document["processVersion"])))
        return instances

    async def _variables(self, key: int) -> dict[str, Any]:
        """The instance's root-scope variables (where the workers' results and errorCode land)."""
        found = await self._search_all("/v1/variables/search", {"processInstanceKey": key, "scopeKey": key})
        variables: dict[str, Any] = {}
        for item in found:
            value = item.get("value")
            if item.get("truncated"):
                full = await self._request("GET", f"/v1/variables/{item['key']}", missing_ok=True)
                value = full.get("value") if isinstance(full, dict) else value
            variables[str(item.get("name"))] = parse_variable_value(value)
        return variables

    async def _incidents(self, key: int) -> list[Incident]:
        found = await self._search_all("/v1/incidents/search", {"processInstanceKey": key, "state": "ACTIVE"})
        return [parse_incident(item) for item in found]

    async def snapshot(self, key: int) -> ProcessSnapshot:
        """Everything the checkout document needs about instance ``key``.

        Each read comes after the one it must agree with. The elements are read after the instance:
        an instance that shows an incident, or its end, then never comes with elements that do not
        (read together, the instance could be the newer of the two, and a FAILED checkout showed no
        step stuck). Variables are read after the elements: a step's output variables are stored no
        later than the next element starts, so a document that shows an element never lacks what led
        to it (read together, a late variables read could miss the quote of a step already shown as
        done).
        """
        instance = await self.instance(key)
        nodes = await self._search_all("/v1/flownode-instances/search", {"processInstanceKey": key})
        variables = await self._variables(key)
        flow_nodes = [parse_flow_node(node) for node in nodes]
        stuck = instance is not None and (instance.incident or any(n.incident for n in flow_nodes))
        incidents = await self._incidents(key) if stuck else []
        return ProcessSnapshot(instance, flow_nodes, variables, incidents)
