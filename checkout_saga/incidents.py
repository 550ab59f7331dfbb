"""Find open incidents in Operate and resolve them in bulk: ``checkout-saga incidents list|resolve``.

When a downstream service was down long enough, many checkouts end up with the same incident (a job
that ran out of retries). Once the cause is fixed, resolving them one by one in Operate's UI does not
scale, so this module does what Operate's "retry" does, for every incident a filter selects:

1. find the open (``ACTIVE``) incidents through the Operate REST API v1 (``POST /v1/incidents/search``,
   paged with ``searchAfter``); the local engine serves the same API, so one code path covers both;
2. for an incident with a job (``JOB_NO_RETRIES`` and the like), give the job retries again
   (``UpdateJobRetries``): Zeebe refuses to resolve an incident whose job has none left;
3. resolve the incident (``ResolveIncident``), which makes the job activatable again (or, for an
   incident without a job, such as an I/O mapping error, retries the element).

Both commands go over the gRPC channel of :func:`zeebe_connection.open_channel`, so the same
``ZEEBE_ADDRESS`` / OAuth / SaaS variables as every other component apply, and Operate is called with a
token from the same client credentials (:mod:`zeebe_connection.oauth`).

Operate's incidents carry neither the process id nor its version, only the process definition key, so a
``--process-id``/``--version`` filter first looks up the matching definitions
(``POST /v1/process-definitions/search``) and then searches incidents per definition key. The element
filter is applied to ``flowNodeId`` here rather than sent to Operate, because older Operate versions
neither return nor filter that field.

Operate is eventually consistent: an incident resolved a moment ago can still be listed as ``ACTIVE``
for a few seconds, and resolving it again is refused by Zeebe (``NOT_FOUND``). Incidents are therefore
collected first and acted on afterwards, each once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

import grpc
import httpx
from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from zeebe_connection import ZeebeSettings, open_channel
from zeebe_connection.oauth import ClientCredentials, TokenUnavailable, credentials_for

if TYPE_CHECKING:
    # Only in pyzeebe's stubs: the runtime GatewayStub on an aio channel is this async stub.
    from pyzeebe.proto.gateway_pb2_grpc import GatewayAsyncStub

OPEN = "ACTIVE"
"""Operate's state of an incident that still waits for an operator."""


def say(line: str) -> None:
    """A line of output at once, also through a pipe or ``kubectl exec``: a long bulk run shows progress."""
    print(line, flush=True)


class IncidentSettings(BaseSettings):
    """Where Operate is and how incidents are retried (``INCIDENTS_*``); Zeebe's own variables say where
    the commands go (:class:`zeebe_connection.ZeebeSettings`)."""

    model_config = SettingsConfigDict(
        env_prefix="INCIDENTS_", frozen=True, extra="ignore", validate_by_name=True
    )

    operate_url: str = Field(
        default="http://127.0.0.1:8081",
        validation_alias=AliasChoices(
            "INCIDENTS_OPERATE_URL", "CAMUNDA_OPERATE_BASE_URL", "GATEWAY_OPERATE_URL"
        ),
        description="Base URL of the Operate REST API v1 (default: the local engine's read API). Also read "
        "from CAMUNDA_OPERATE_BASE_URL or the gateway's GATEWAY_OPERATE_URL, so it runs as is in a "
        "gateway pod.",
    )
    operate_audience: str = Field(
        default="operate-api",
        validation_alias=AliasChoices(
            "INCIDENTS_OPERATE_AUDIENCE", "CAMUNDA_OPERATE_AUDIENCE", "GATEWAY_OPERATE_AUDIENCE"
        ),
        description="OAuth audience of the Operate token when a client id is set (SaaS: operate.camunda.io).",
    )
    timeout_seconds: float = Field(default=10.0, gt=0, description="Per-call timeout of Operate.")
    page_size: int = Field(
        default=500, ge=1, le=1000, description="Incidents per search page (Operate allows up to 1000)."
    )
    process_id: str = Field(
        default="checkout", description="Process (BPMN id) whose incidents the commands look at by default."
    )
    retries: int = Field(
        default=1,
        ge=1,
        description="Retries a job incident's job gets before its incident is resolved (Operate gives 1).",
    )


class OperateError(Exception):
    """Operate could not be asked (unreachable, refused our token, answered an error); safe to print."""


@dataclass(frozen=True)
class Incident:
    """An open incident as Operate describes it; ``element`` is None where Operate omits ``flowNodeId``."""

    key: int
    process_instance_key: int
    process_definition_key: int
    error_type: str
    message: str
    job_key: int | None
    element: str | None
    created: str

    @classmethod
    def from_operate(cls, document: dict[str, Any]) -> Incident:
        job_key = document.get("jobKey")
        return cls(
            key=int(document["key"]),
            process_instance_key=int(document["processInstanceKey"]),
            process_definition_key=int(document["processDefinitionKey"]),
            error_type=str(document.get("type") or "UNKNOWN"),
            message=str(document.get("message") or ""),
            job_key=int(job_key) if job_key else None,
            element=document.get("flowNodeId"),
            created=str(document.get("creationTime") or ""),
        )

    def describe(self) -> str:
        """One line for the terminal: what and where, then the job if any, then the message."""
        job = f" job {self.job_key}" if self.job_key is not None else ""
        message = " ".join(self.message.split())
        if len(message) > 120:
            message = message[:117] + "..."
        return (
            f"incident {self.key} instance {self.process_instance_key} element {self.element or '?'} "
            f"{self.error_type}{job}: {message}"
        )


@dataclass(frozen=True)
class IncidentFilter:
    """Which open incidents a command acts on; None means "any"."""

    process_id: str | None = None
    version: int | None = None
    error_type: str | None = None
    element: str | None = None

    def definition_filter(self) -> dict[str, Any] | None:
        """The process-definition search that narrows incidents by process, or None for every process."""
        if self.process_id is None:
            return None
        found: dict[str, Any] = {"bpmnProcessId": self.process_id}
        if self.version is not None:
            found["version"] = self.version
        return found

    def incident_filter(self, definition_key: int | None) -> dict[str, Any]:
        """What Operate filters: open incidents, of one definition and error type when given."""
        found: dict[str, Any] = {"state": OPEN}
        if definition_key is not None:
            found["processDefinitionKey"] = definition_key
        if self.error_type is not None:
            found["type"] = self.error_type
        return found

    def accepts(self, incident: Incident) -> bool:
        """What is checked here rather than by Operate: the element (see the module docstring), and
        the state and type again, in case an Operate version ignores a filter field it does not know."""
        if self.error_type is not None and incident.error_type != self.error_type:
            return False
        return self.element is None or incident.element == self.element


Post = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]
"""``post(path, body)``: one search request, its JSON answer."""


async def search_all(
    post: Post, path: str, query_filter: dict[str, Any], page_size: int
) -> list[dict[str, Any]]:
    """Every item of an Operate search, page by page in key order.

    A page shorter than ``page_size`` or one without ``sortValues`` is the last; an Operate that hands
    back the same ``sortValues`` twice would loop forever, so that is an error rather than a hang.
    """
    body: dict[str, Any] = {
        "filter": query_filter,
        "size": page_size,
        "sort": [{"field": "key", "order": "ASC"}],
    }
    items: list[dict[str, Any]] = []
    previous: list[Any] | None = None
    while True:
        page = await post(path, body)
        found = page.get("items") or []
        items.extend(found)
        after = page.get("sortValues")
        if len(found) < page_size or not after:
            return items
        if after == previous:
            raise OperateError(f"{path}: Operate returned the same page position twice ({after})")
        previous = after
        body = {**body, "searchAfter": after}


class OperateIncidents:
    """Reads open incidents from the Operate REST API v1, with a token when credentials are given."""

    def __init__(
        self, http: httpx.AsyncClient, credentials: ClientCredentials | None, page_size: int
    ) -> None:
        self._http = http
        self._credentials = credentials
        self._page_size = page_size

    async def _send(self, path: str, body: dict[str, Any]) -> httpx.Response:
        headers = {}
        if self._credentials is not None:
            headers["Authorization"] = await self._credentials.authorization()
        return await self._http.post(path, json=body, headers=headers)

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """One search; a refused token is renewed once (it may have been revoked early)."""
        try:
            response = await self._send(path, body)
            if response.status_code == 401 and self._credentials is not None:
                self._credentials.invalidate()
                response = await self._send(path, body)
        except httpx.HTTPError as error:
            raise OperateError(f"Operate at {self._http.base_url} cannot be reached: {error!r}") from None
        except TokenUnavailable as error:
            raise OperateError(f"no Operate token: {error}") from None
        if response.status_code != 200:
            raise OperateError(
                f"Operate answered {response.status_code} to POST {path}: {response.text[:300]}"
            )
        try:
            document = response.json()
        except ValueError:
            raise OperateError(f"Operate answered POST {path} with something other than JSON") from None
        if not isinstance(document, dict):
            raise OperateError(f"Operate answered POST {path} with {type(document).__name__}, not an object")
        return document

    async def definition_keys(self, definition_filter: dict[str, Any]) -> list[int]:
        found = await search_all(
            self.post, "/v1/process-definitions/search", definition_filter, self._page_size
        )
        return [int(item["key"]) for item in found]

    async def open_incidents(self, selection: IncidentFilter) -> list[Incident]:
        """The open incidents ``selection`` picks, in key order (the order they were raised)."""
        definition_filter = selection.definition_filter()
        keys: Sequence[int | None] = (
            [None] if definition_filter is None else await self.definition_keys(definition_filter)
        )
        incidents: list[Incident] = []
        for key in keys:
            found = await search_all(
                self.post, "/v1/incidents/search", selection.incident_filter(key), self._page_size
            )
            incidents += [Incident.from_operate(item) for item in found if item.get("state", OPEN) == OPEN]
        return sorted((i for i in incidents if selection.accepts(i)), key=lambda i: i.key)


class IncidentCommands(Protocol):
    """The two Zeebe commands a resolution needs (the gateway's gRPC calls, or a stand-in in tests)."""

    async def update_job_retries(self, job_key: int, retries: int) -> None: ...

    async def resolve_incident(self, incident_key: int) -> None: ...


class ZeebeIncidentCommands:
    """The commands over Zeebe's gateway gRPC API (pyzeebe's client has no call for either)."""

    def __init__(self, channel: grpc.aio.Channel, timeout_seconds: float) -> None:
        self._stub = cast("GatewayAsyncStub", GatewayStub(channel))
        self._timeout = timeout_seconds

    async def update_job_retries(self, job_key: int, retries: int) -> None:
        await self._stub.UpdateJobRetries(
            pb.UpdateJobRetriesRequest(jobKey=job_key, retries=retries), timeout=self._timeout
        )

    async def resolve_incident(self, incident_key: int) -> None:
        await self._stub.ResolveIncident(
            pb.ResolveIncidentRequest(incidentKey=incident_key), timeout=self._timeout
        )


@dataclass(frozen=True)
class Outcome:
    incident: Incident
    error: str | None
    """None when resolved (or, in a dry run, when it would be tried)."""


def _rejection(error: Exception) -> str:
    if isinstance(error, grpc.aio.AioRpcError):
        return f"{error.code().name}: {error.details()}"
    return f"{type(error).__name__}: {error}"


async def resolve_one(incident: Incident, commands: IncidentCommands, retries: int) -> Outcome:
    """Retries for the job first (if the incident has one), then the resolution; the first rejection
    is the outcome. Zeebe keeps both steps safe to repeat: a later run simply finds no incident."""
    try:
        if incident.job_key is not None:
            await commands.update_job_retries(incident.job_key, retries)
        await commands.resolve_incident(incident.key)
    except grpc.RpcError as error:  # grpc.aio.AioRpcError, with Zeebe's rejection
        return Outcome(incident, _rejection(error))
    return Outcome(incident, None)


async def resolve_all(
    incidents: Sequence[Incident],
    commands: IncidentCommands,
    retries: int,
    write: Callable[[str], None],
    *,
    dry_run: bool = False,
) -> list[Outcome]:
    """Resolve ``incidents`` one after the other, writing a line per incident as it is done.

    One at a time on purpose: a bulk retry after an outage should not itself flood the cluster (Zeebe
    answers a burst with RESOURCE_EXHAUSTED) or the service that just came back.
    """
    outcomes: list[Outcome] = []
    for incident in incidents:
        if dry_run:
            retry = f" (job {incident.job_key} would get {retries} retries)" if incident.job_key else ""
            write(f"would resolve {incident.describe()}{retry}")
            outcomes.append(Outcome(incident, None))
            continue
        outcome = await resolve_one(incident, commands, retries)
        if outcome.error is None:
            retry = f", job {incident.job_key} has {retries} retries" if incident.job_key is not None else ""
            write(f"resolved {incident.describe()}{retry}")
        else:
            write(f"FAILED   {incident.describe()} -- {outcome.error}")
        outcomes.append(outcome)
    return outcomes


def summary(outcomes: Sequence[Outcome], *, dry_run: bool) -> str:
    failed = sum(1 for o in outcomes if o.error is not None)
    if dry_run:
        return f"{len(outcomes)} open incident(s) would be resolved (dry run: nothing changed)"
    return f"{len(outcomes)} incident(s): {len(outcomes) - failed} resolved, {failed} failed"


async def _open_incidents(
    selection: IncidentFilter, settings: IncidentSettings, zeebe: ZeebeSettings
) -> list[Incident]:
    async with httpx.AsyncClient(base_url=settings.operate_url, timeout=settings.timeout_seconds) as http:
        reader = OperateIncidents(
            http, credentials_for(zeebe, settings.operate_audience, http), settings.page_size
        )
        return await reader.open_incidents(selection)


async def list_incidents(
    selection: IncidentFilter,
    settings: IncidentSettings,
    zeebe: ZeebeSettings,
    write: Callable[[str], None] = say,
) -> int:
    """Print the open incidents ``selection`` picks and their count; exit status 2 if Operate fails."""
    try:
        incidents = await _open_incidents(selection, settings, zeebe)
    except OperateError as error:
        write(f"error: {error}")
        return 2
    for incident in incidents:
        write(incident.describe())
    write(f"{len(incidents)} open incident(s)")
    return 0


async def resolve_incidents(
    selection: IncidentFilter,
    settings: IncidentSettings,
    zeebe: ZeebeSettings,
    *,
    retries: int,
    dry_run: bool,
    write: Callable[[str], None] = say,
) -> int:
    """Resolve the open incidents ``selection`` picks; exit status 1 if any failed, 2 if Operate did."""
    try:
        incidents = await _open_incidents(selection, settings, zeebe)
    except OperateError as error:
        write(f"error: {error}")
        return 2
    channel = open_channel(zeebe)
    try:
        commands = ZeebeIncidentCommands(channel, settings.timeout_seconds)
        outcomes = await resolve_all(incidents, commands, retries, write, dry_run=dry_run)
    finally:
        await channel.close(grace=None)
    write(summary(outcomes, dry_run=dry_run))
    return 1 if any(o.error is not None for o in outcomes) else 0
