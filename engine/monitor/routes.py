"""The monitor's pages, its static files and its JSON endpoints (``/monitor/api/...``).

Pages are plain HTML files; the JavaScript in ``static/`` fetches everything else. The JSON endpoints
answer what Operate's v1 search cannot: counts per state (per definition, per element of an instance)
and the instance list's range/variable filters with cursor paging (queries in
:mod:`engine.read_api.monitoring`). Operations (retry, cancel, set a variable) are in
:mod:`engine.monitor.operations`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from engine.monitor import operations
from engine.read_api import job_history, monitoring
from engine.read_api.database import ReadDatabase
from engine.read_api.problems import NotFoundError
from engine.service import EngineService

STATIC = Path(__file__).parent / "static"
VENDOR = STATIC / "vendor"
VIEWER_SCRIPT = "bpmn-navigated-viewer.production.min.js"


def viewer_built() -> bool:
    """Whether ``make monitor-assets`` has put the bpmn-js viewer in place."""
    return (VENDOR / VIEWER_SCRIPT).is_file()


def install(app: FastAPI, database: ReadDatabase, service: EngineService | None = None) -> None:
    """Serve the monitor under ``/monitor`` on ``app`` (the read API), reading ``database``.

    Its operations apply commands through ``service``; without one they answer 503.
    """
    app.include_router(_router(database))
    app.include_router(operations.router(database, service))
    app.mount("/monitor/static", StaticFiles(directory=STATIC), name="monitor-static")


def _page(name: str) -> FileResponse:
    # no caching: a rebuilt page or script shows on the next reload
    return FileResponse(STATIC / name, media_type="text/html", headers={"Cache-Control": "no-cache"})


def _router(database: ReadDatabase) -> APIRouter:
    router = APIRouter(prefix="/monitor", include_in_schema=False)

    @router.get("")
    def root() -> RedirectResponse:
        return RedirectResponse("/monitor/")

    @router.get("/")
    def definitions_page() -> FileResponse:
        return _page("definitions.html")

    @router.get("/instances")
    def instances_page() -> FileResponse:
        return _page("instances.html")

    @router.get("/instances/{key}")
    def instance_page(key: int) -> FileResponse:
        return _page("instance.html")

    @router.get("/api/status")
    def status() -> dict[str, Any]:
        """Whether the diagram viewer is built, and the command that builds it."""
        return {"viewer": viewer_built(), "build": "make monitor-assets"}

    @router.get("/api/definitions")
    def definitions() -> dict[str, Any]:
        return {"items": monitoring.definition_statistics(database)}

    @router.get("/api/instances")
    def instances(
        state: str | None = None,
        bpmn_process_id: Annotated[str | None, Query(alias="bpmnProcessId")] = None,
        process_definition_key: Annotated[int | None, Query(alias="processDefinitionKey")] = None,
        incident: bool | None = None,
        started_from: Annotated[str | None, Query(alias="from")] = None,
        started_to: Annotated[str | None, Query(alias="to")] = None,
        variable_name: Annotated[str | None, Query(alias="variableName")] = None,
        variable_value: Annotated[str | None, Query(alias="variableValue")] = None,
        key_variable: Annotated[str | None, Query(alias="keyVariable")] = None,
        sort: str = "startDate",
        order: Annotated[str, Query(pattern="^(ASC|DESC)$")] = "DESC",
        size: Annotated[int, Query(ge=1, le=500)] = 50,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        """Filtered, sorted instances; ``next`` is the cursor of the next page (``null`` on the last)."""
        filter_ = monitoring.InstanceFilter(
            state=state or None,
            bpmn_process_id=bpmn_process_id or None,
            process_definition_key=process_definition_key,
            incident=incident,
            started_from=started_from or None,
            started_to=started_to or None,
            variable_name=variable_name or None,
            variable_value=variable_value or None,
        )
        page = monitoring.search_instances(
            database,
            filter_,
            sort=sort,
            order=order,
            size=size,
            cursor=cursor or None,
            key_variable=key_variable or None,
        )
        return {"items": page.items, "total": page.total, "next": page.next_cursor}

    @router.get("/api/instances/{key}/elements")
    def elements(key: int) -> dict[str, Any]:
        """Per element: counts by state; plus the taken sequence flows."""
        found = monitoring.element_statistics(database, key)
        if found is None:
            raise NotFoundError(f"No process instances found for key {key}")
        return found

    @router.get("/api/instances/{key}/jobs")
    def jobs(key: int, element_id: Annotated[str | None, Query(alias="elementId")] = None) -> dict[str, Any]:
        """The job history of one element of the instance (of all its elements without ``elementId``)."""
        found = job_history.element_jobs(database, key, element_id or None)
        if found is None:
            raise NotFoundError(f"No process instances found for key {key}")
        return {"items": found}

    return router
