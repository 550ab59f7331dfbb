"""Read checkout process instances from the Operate REST API v1 (the local engine serves the same API).

Four calls describe an instance: ``GET /v1/process-instances/{key}``, and searches of its flow-node
instances, its root-scope variables and (only when Operate flags an incident) its active incidents.
Searches page with ``searchAfter``; truncated variable values are fetched in full by key.

Operate is eventually consistent: an instance started a moment ago may not be visible yet, which reads
as "not imported yet" (``instance`` None), not as an error. When Operate cannot be reached, answers 5xx
or refuses our credentials, :class:`OperateUnavailable` (a 503 for the client) is raised; response
bodies are never logged.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx

from gateway.adapters.operate_documents import (
    parse_flow_node,
    parse_incident,
    parse_instance,
    parse_variable_value,
)
from gateway.domain.progress import Incident, ProcessInstance, ProcessSnapshot
from services.common.errors import TemporaryFailure
from zeebe_connection.oauth import ClientCredentials, TokenUnavailable

log = logging.getLogger(__name__)

PAGE_SIZE = 1000
MAX_PAGES = 20


class OperateUnavailable(TemporaryFailure):
    def __init__(self, detail: str) -> None:
        super().__init__("OPERATE_UNAVAILABLE", detail, retry_after_seconds=1)


class OperateClient:
    def __init__(self, http: httpx.AsyncClient, credentials: ClientCredentials | None = None) -> None:
        self._http = http
        self._credentials = credentials

    async def _send(self, method: str, path: str, body: dict[str, Any] | None) -> httpx.Response:
        headers = {}
        if self._credentials is not None:
            headers["Authorization"] = await self._credentials.authorization()
        return await self._http.request(method, path, json=body, headers=headers)

    async def _request(
        self, method: str, path: str, body: dict[str, Any] | None = None, *, missing_ok: bool = False
    ) -> Any:
        """The JSON answer of one call (None for a 404 when ``missing_ok``); a refused token is renewed once."""
        try:
            response = await self._send(method, path, body)
            if response.status_code == 401 and self._credentials is not None:
                self._credentials.invalidate()
                response = await self._send(method, path, body)
        except httpx.HTTPError as error:
            log.warning("Operate %s %s failed: %s", method, path, type(error).__name__)
            raise OperateUnavailable("Operate cannot be reached; retry shortly.") from None
        except TokenUnavailable as error:
            log.warning("Operate credentials: %s", error)
            raise OperateUnavailable("Operate refuses the gateway's credentials; retry later.") from None
        if response.status_code == 404 and missing_ok:
            return None
        if response.status_code != 200:
            log.warning("Operate %s %s answered %d", method, path, response.status_code)
            raise OperateUnavailable(f"Operate answered {response.status_code}; retry shortly.")
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

        Variables are read after the elements: a step's output variables are stored no later than the
        next element starts, so a document that shows an element never lacks what led to it (read
        together, a late variables read could miss the quote of a step already shown as done).
        """
        instance, nodes = await asyncio.gather(
            self.instance(key),
            self._search_all("/v1/flownode-instances/search", {"processInstanceKey": key}),
        )
        variables = await self._variables(key)
        flow_nodes = [parse_flow_node(node) for node in nodes]
        stuck = instance is not None and (instance.incident or any(n.incident for n in flow_nodes))
        incidents = await self._incidents(key) if stuck else []
        return ProcessSnapshot(instance, flow_nodes, variables, incidents)
