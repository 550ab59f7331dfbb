"""Routes of the read API: Camunda Operate's REST API v1 over the engine's SQLite database.

Search endpoints take Operate's query (``filter``, ``size`` (default 10, at most 1000), ``sort``,
``searchAfter``) and answer ``{"items", "total", "sortValues"}``. Endpoints are synchronous: FastAPI runs
them in its thread pool, each thread with its own read-only connection. The monitor (``/monitor``,
:mod:`engine.monitor`) is served alongside.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse

from engine.monitor import routes as monitor_routes
from engine.read_api import problems, repository
from engine.read_api.database import FlowNodeNames, ReadDatabase
from engine.read_api.entities import (
    FLOW_NODE_INSTANCES,
    INCIDENTS,
    PROCESS_DEFINITIONS,
    PROCESS_INSTANCES,
    VARIABLES,
)
from engine.read_api.models import (
    FlowNodeInstance,
    Health,
    Incident,
    ProcessDefinition,
    ProcessInstance,
    Query,
    Results,
    Variable,
)
from engine.read_api.problems import PROBLEM_JSON, NotFoundError
from engine.read_api.queries import Entity
from engine.service import EngineService

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"description": description, "content": {PROBLEM_JSON: {}}}
    for status, description in ((400, "Invalid request"), (503, "Database unavailable"))
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    404: {"description": "Requested resource not found", "content": {PROBLEM_JSON: {}}},
}


def create_app(db_path: Path, service: EngineService | None = None) -> FastAPI:
    """The API reading the engine database at ``db_path`` (which may not exist yet: requests then get 503).

    ``service`` is the running engine the monitor's operations command; without it (a read API over a
    database alone) they answer 503.
    """
    database = ReadDatabase(db_path, FlowNodeNames())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        database.close()

    app = FastAPI(
        title="Engine read API (Operate API v1)",
        version="1",
        lifespan=lifespan,
        responses=_ERRORS,
    )
    app.state.database = database
    problems.install(app)
    monitor_routes.install(app, database, service)

    def search(entity: Entity, query: Query | None, *, names: bool = False) -> dict[str, Any]:
        page = repository.search(database, entity, query or Query(), names=names)
        return {"items": page.items, "total": page.total, "sort_values": page.sort_values}

    def get(entity: Entity, key: Any, not_found: str, *, names: bool = False) -> dict[str, Any]:
        item = repository.get(database, entity, key, names=names)
        if item is None:
            raise NotFoundError(not_found.format(key=key))
        return item

    # ------------------------------------------------------------------ process definitions
    @app.post(
        "/v1/process-definitions/search",
        response_model=Results[ProcessDefinition],
        tags=["ProcessDefinition"],
    )
    def search_process_definitions(query: Query | None = None) -> Any:
        return search(PROCESS_DEFINITIONS, query)

    @app.get(
        "/v1/process-definitions/{key}",
        response_model=ProcessDefinition,
        responses=_NOT_FOUND,
        tags=["ProcessDefinition"],
    )
    def get_process_definition(key: int) -> Any:
        return get(PROCESS_DEFINITIONS, key, "No process definition found for key {key}")

    @app.get(
        "/v1/process-definitions/{key}/xml",
        response_class=Response,
        responses={**_NOT_FOUND, 200: {"content": {"text/xml": {}}}},
        tags=["ProcessDefinition"],
    )
    def get_process_definition_xml(key: int) -> Response:
        xml = repository.definition_xml(database, key)
        if xml is None:
            raise NotFoundError(f"No process definition found for key {key}")
        return Response(content=xml, media_type="text/xml")

    # ------------------------------------------------------------------ process instances
    @app.post(
        "/v1/process-instances/search", response_model=Results[ProcessInstance], tags=["ProcessInstance"]
    )
    def search_process_instances(query: Query | None = None) -> Any:
        return search(PROCESS_INSTANCES, query)

    @app.get(
        "/v1/process-instances/{key}",
        response_model=ProcessInstance,
        responses=_NOT_FOUND,
        tags=["ProcessInstance"],
    )
    def get_process_instance(key: int) -> Any:
        return get(PROCESS_INSTANCES, key, "No process instances found for key {key}")

    # ------------------------------------------------------------------ flow-node instances
    @app.post(
        "/v1/flownode-instances/search", response_model=Results[FlowNodeInstance], tags=["FlownodeInstance"]
    )
    def search_flow_node_instances(query: Query | None = None) -> Any:
        return search(FLOW_NODE_INSTANCES, query, names=True)

    @app.get(
        "/v1/flownode-instances/{key}",
        response_model=FlowNodeInstance,
        responses=_NOT_FOUND,
        tags=["FlownodeInstance"],
    )
    def get_flow_node_instance(key: int) -> Any:
        return get(FLOW_NODE_INSTANCES, key, "No flownode instance found for key {key}", names=True)

    # ------------------------------------------------------------------ incidents
    @app.post("/v1/incidents/search", response_model=Results[Incident], tags=["Incident"])
    def search_incidents(query: Query | None = None) -> Any:
        return search(INCIDENTS, query)

    @app.get("/v1/incidents/{key}", response_model=Incident, responses=_NOT_FOUND, tags=["Incident"])
    def get_incident(key: int) -> Any:
        return get(INCIDENTS, key, "No incident found for key {key}")

    # ------------------------------------------------------------------ variables
    @app.post("/v1/variables/search", response_model=Results[Variable], tags=["Variable"])
    def search_variables(query: Query | None = None) -> Any:
        return search(VARIABLES, query)

    @app.get("/v1/variables/{key}", response_model=Variable, responses=_NOT_FOUND, tags=["Variable"])
    def get_variable(key: str) -> Any:
        return get(VARIABLES, key, "No variable found for key {key}")

    # ------------------------------------------------------------------ health
    @app.get("/v1/health", response_model=Health, responses={503: {"model": Health}}, tags=["Health"])
    def health() -> Any:
        """``UP`` once the engine's database can be read."""
        try:
            with database.snapshot() as db:
                db.execute("SELECT COUNT(*) FROM process_definitions").fetchall()
        except sqlite3.Error:
            return JSONResponse({"status": "DOWN"}, status_code=503)
        return {"status": "UP"}

    return app
