"""How ``checkout-saga incidents`` selects, pages and resolves, against a scripted Operate and Zeebe."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

import grpc
import httpx
import pytest
from pydantic import SecretStr

from checkout_saga.cli import main
from checkout_saga.incidents import (
    Incident,
    IncidentFilter,
    IncidentSettings,
    OperateError,
    OperateIncidents,
    resolve_all,
    search_all,
    summary,
)
from zeebe_connection import ZeebeSettings
from zeebe_connection.oauth import credentials_for


def document(key: int, *, definition: int = 10, job: int | None = 500, element: str | None = "charge",
             error_type: str = "JOB_NO_RETRIES", state: str = "ACTIVE") -> dict[str, Any]:  # fmt: skip
    found: dict[str, Any] = {
        "key": key,
        "processInstanceKey": key + 1000,
        "processDefinitionKey": definition,
        "type": error_type,
        "message": "payment service\n unavailable",
        "creationTime": "2026-11-27T04:00:00.000+0000",
        "state": state,
        "jobKey": job,
        "tenantId": "<default>",
    }
    if element is not None:
        found["flowNodeId"] = element
    return found


def incident(key: int, job: int | None = 500) -> Incident:
    return Incident.from_operate(document(key, job=job))


# ------------------------------------------------------------------ filters


def test_a_process_filter_looks_up_definitions_by_id_and_version() -> None:
    assert IncidentFilter("checkout", 3).definition_filter() == {"bpmnProcessId": "checkout", "version": 3}
    assert IncidentFilter("checkout").definition_filter() == {"bpmnProcessId": "checkout"}
    assert IncidentFilter().definition_filter() is None


def test_operate_filters_open_incidents_by_definition_and_type() -> None:
    assert IncidentFilter(error_type="JOB_NO_RETRIES").incident_filter(7) == {
        "state": "ACTIVE",
        "processDefinitionKey": 7,
        "type": "JOB_NO_RETRIES",
    }
    assert IncidentFilter().incident_filter(None) == {"state": "ACTIVE"}


def test_the_element_is_checked_here_and_an_unknown_element_never_matches() -> None:
    at_charge = Incident.from_operate(document(1, element="charge"))
    unknown = Incident.from_operate(document(2, element=None))

    assert IncidentFilter(element="charge").accepts(at_charge)
    assert not IncidentFilter(element="ship").accepts(at_charge)
    assert not IncidentFilter(element="charge").accepts(unknown)
    assert IncidentFilter().accepts(unknown)
    assert not IncidentFilter(error_type="IO_MAPPING_ERROR").accepts(at_charge)


def test_an_incident_without_a_job_reads_as_none_and_describes_itself_on_one_line() -> None:
    without_job = Incident.from_operate(document(1, job=None, error_type="IO_MAPPING_ERROR"))

    assert without_job.job_key is None
    assert without_job.describe() == (
        "incident 1 instance 1001 element charge IO_MAPPING_ERROR: payment service unavailable"
    )
    assert " job 500:" in incident(2).describe()


# ------------------------------------------------------------------ paging


class ScriptedPages:
    """Answers searches from a list of items, ``searchAfter`` being the last key seen, as Operate does."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.items = items
        self.bodies: list[dict[str, Any]] = []

    async def __call__(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        self.bodies.append(body)
        after = body.get("searchAfter", [-1])[0]
        page = [item for item in self.items if item["key"] > after][: body["size"]]
        return {"items": page, "total": len(self.items), "sortValues": [page[-1]["key"]] if page else []}


@pytest.mark.parametrize(("count", "pages"), [(0, 1), (2, 1), (3, 2), (7, 3), (9, 4)])
async def test_search_all_follows_search_after_until_a_short_page(count: int, pages: int) -> None:
    operate = ScriptedPages([{"key": key} for key in range(count)])

    found = await search_all(operate, "/v1/incidents/search", {"state": "ACTIVE"}, page_size=3)

    assert [item["key"] for item in found] == list(range(count))
    assert len(operate.bodies) == pages
    assert [body.get("searchAfter") for body in operate.bodies] == [None, *([k] for k in range(2, count, 3))][
        :pages
    ]
    assert all(body["sort"] == [{"field": "key", "order": "ASC"}] for body in operate.bodies)


async def test_a_page_position_that_does_not_move_is_an_error_not_a_hang() -> None:
    async def stuck(path: str, body: dict[str, Any]) -> dict[str, Any]:
        return {"items": [{"key": 1}, {"key": 2}], "sortValues": [2]}

    with pytest.raises(OperateError, match="same page position"):
        await search_all(stuck, "/v1/incidents/search", {}, page_size=2)


# ------------------------------------------------------------------ Operate over HTTP


def operate(handler: Any) -> OperateIncidents:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://operate.test")
    return OperateIncidents(http, None, page_size=2)


async def test_incidents_are_searched_per_definition_of_the_process_and_filtered_by_element() -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    incidents = {
        10: [
            document(1, definition=10),
            document(2, definition=10, element="ship"),
            document(3, definition=10),
        ],
        11: [document(4, definition=11)],
    }

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        seen.append((request.url.path, body["filter"]))
        after = body.get("searchAfter", [0])[0]
        if request.url.path == "/v1/process-definitions/search":
            items = [{"key": 10}, {"key": 11}]
        else:
            items = incidents[body["filter"]["processDefinitionKey"]]
        page = [i for i in items if i["key"] > after][:2]
        return httpx.Response(200, json={"items": page, "sortValues": [page[-1]["key"]] if page else []})

    found = await operate(handler).open_incidents(IncidentFilter("checkout", element="charge"))

    assert [i.key for i in found] == [1, 3, 4]
    assert seen[0] == ("/v1/process-definitions/search", {"bpmnProcessId": "checkout"})
    assert {tuple(f.items()) for path, f in seen if path == "/v1/incidents/search"} == {
        (("state", "ACTIVE"), ("processDefinitionKey", 10)),
        (("state", "ACTIVE"), ("processDefinitionKey", 11)),
    }


async def test_an_operate_error_answer_is_reported_with_its_status() -> None:
    reader = operate(lambda request: httpx.Response(403, json={"message": "Forbidden"}))

    with pytest.raises(OperateError, match="answered 403"):
        await reader.open_incidents(IncidentFilter())


# ------------------------------------------------------------------ resolving


class ScriptedZeebe:
    """Records the commands; refuses to resolve the incidents in ``refuse``, as Zeebe would."""

    def __init__(self, refuse: set[int] = frozenset()) -> None:  # type: ignore[assignment]
        self.refuse = refuse
        self.calls: list[tuple[str, int, int | None]] = []

    async def update_job_retries(self, job_key: int, retries: int) -> None:
        self.calls.append(("retries", job_key, retries))

    async def resolve_incident(self, incident_key: int) -> None:
        self.calls.append(("resolve", incident_key, None))
        if incident_key in self.refuse:
            raise grpc.aio.AioRpcError(
                grpc.StatusCode.NOT_FOUND,
                grpc.aio.Metadata(),
                grpc.aio.Metadata(),
                details=f"Expected to resolve incident with key '{incident_key}', but no such incident was found",
            )


async def test_each_job_gets_its_retries_before_its_incident_is_resolved_and_failures_are_reported() -> None:
    zeebe = ScriptedZeebe(refuse={2})
    lines: list[str] = []

    outcomes = await resolve_all(
        [incident(1, job=501), incident(2, job=502), incident(3, job=None)], zeebe, 2, lines.append
    )

    assert zeebe.calls == [
        ("retries", 501, 2),
        ("resolve", 1, None),
        ("retries", 502, 2),
        ("resolve", 2, None),
        ("resolve", 3, None),  # no job: the resolution alone retries the element
    ]
    assert [o.error is None for o in outcomes] == [True, False, True]
    assert lines[0].startswith("resolved incident 1 ")
    assert lines[0].endswith(", job 501 has 2 retries")
    assert lines[1].startswith("FAILED   incident 2 ")
    assert "NOT_FOUND: Expected to resolve" in lines[1]
    assert summary(outcomes, dry_run=False) == "3 incident(s): 2 resolved, 1 failed"


async def test_a_dry_run_sends_no_command() -> None:
    zeebe = ScriptedZeebe()
    lines: list[str] = []

    outcomes = await resolve_all([incident(1), incident(2)], zeebe, 1, lines.append, dry_run=True)

    assert zeebe.calls == []
    assert all(line.startswith("would resolve incident") for line in lines)
    assert summary(outcomes, dry_run=True).startswith("2 open incident(s) would be resolved")


# ------------------------------------------------------------------ settings and command line


def test_settings_default_to_the_local_engine_and_read_camundas_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in (
        "INCIDENTS_OPERATE_URL",
        "CAMUNDA_OPERATE_BASE_URL",
        "GATEWAY_OPERATE_URL",
        "INCIDENTS_RETRIES",
    ):
        monkeypatch.delenv(name, raising=False)
    defaults = IncidentSettings()
    assert (defaults.operate_url, defaults.process_id, defaults.retries) == (
        "http://127.0.0.1:8081",
        "checkout",
        1,
    )

    monkeypatch.setenv("GATEWAY_OPERATE_URL", "http://camunda-operate.camunda.svc")
    assert IncidentSettings().operate_url == "http://camunda-operate.camunda.svc"  # in a gateway pod
    monkeypatch.setenv("CAMUNDA_OPERATE_BASE_URL", "https://operate.example.com")
    assert IncidentSettings().operate_url == "https://operate.example.com"
    monkeypatch.setenv("INCIDENTS_OPERATE_URL", "https://operate.internal")
    assert IncidentSettings().operate_url == "https://operate.internal"


def test_zero_retries_are_refused_before_anything_is_asked(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["incidents", "resolve", "--retries", "0"])

    assert exit_.value.code == 2
    assert "--retries must be at least 1" in capsys.readouterr().err


async def test_operate_is_asked_with_a_token_from_the_camunda_credentials_renewed_once_when_refused() -> None:
    """As on a real Camunda 8: a client-credentials token for Operate's audience; Operate refusing a
    token (revoked early) gets one new token and the same request again."""
    tokens: list[dict[str, list[str]]] = []
    refused_once: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            tokens.append(parse_qs(request.content.decode()))
            return httpx.Response(200, json={"access_token": f"token-{len(tokens)}", "expires_in": 300})
        if not refused_once:
            refused_once.append(request.headers["Authorization"])
            return httpx.Response(401)
        assert request.headers["Authorization"] == f"Bearer token-{len(tokens)}"
        return httpx.Response(200, json={"items": [document(1)], "sortValues": [1]})

    zeebe = ZeebeSettings(
        client_id="checkout-saga",
        client_secret=SecretStr("s3cret"),
        authorization_server_url="https://keycloak.test/oauth/token",
    )
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://operate.test")
    reader = OperateIncidents(http, credentials_for(zeebe, "operate-api", http), page_size=2)

    found = await reader.open_incidents(IncidentFilter(error_type="JOB_NO_RETRIES"))

    assert [i.key for i in found] == [1]
    assert refused_once == ["Bearer token-1"]
    assert [(t["client_id"], t["client_secret"], t["audience"]) for t in tokens] == [
        (["checkout-saga"], ["s3cret"], ["operate-api"])
    ] * 2
