"""The whole stack, as `checkout-saga up` composes it, on free ports and the CI databases.

Engine, payment-provider sandbox, the six services (PostgreSQL; payment on MariaDB; pricing's cache in
Redis), workers and gateway run as separate processes, once per test session. Tests reach them only
over HTTP and Zeebe's gRPC, like API clients and operators do.

Tuning for test speed (the same code paths, shorter waits): job back-off 20-200 ms, job timeout 3 s,
circuit opening after 3 failures and reset after 1 s, payment time limit 4 s, the card processor's slow token answering after 30 s and
the payment service giving up on it after 6 s.
"""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from checkout_saga.layout import SERVICE_NAMES, Ports, StackLayout
from checkout_saga.processes import Supervisor
from checkout_saga.stack import start_stack
from tests.databases import new_database
from tests.e2e.otlp_receiver import SpanStore, otlp_receiver
from tests.e2e.outbox_ledger import start_recording
from tests.settings import TestServers

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "e2e-" + uuid.uuid4().hex
OTHER_KEY = "e2e-other-" + uuid.uuid4().hex
TERMINAL = frozenset({"COMPLETED", "COMPENSATED", "FAILED"})
FOLLOW_LIMIT_S = 60.0


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass
class Stack:
    layout: StackLayout
    supervisor: Supervisor
    http: httpx.Client
    zeebe: GatewayStub
    spans: SpanStore
    checkouts: list[str] = field(default_factory=list)

    def gateway_url(self, path: str, gateway: str | None = None) -> str:
        """``path`` on the stack's gateway, or on the gateway replica at base URL ``gateway``."""
        return self.layout.url("gateway", path) if gateway is None else f"{gateway}{path}"

    def start_checkout(
        self,
        body: dict[str, Any],
        key: str | None = None,
        traceparent: str | None = None,
        gateway: str | None = None,
    ) -> httpx.Response:
        headers = {"Idempotency-Key": key or str(uuid.uuid4()), "Authorization": f"Bearer {API_KEY}"}
        if traceparent is not None:
            headers["traceparent"] = traceparent
        response = self.http.post(self.gateway_url("/v1/checkouts", gateway), json=body, headers=headers)
        if response.status_code == 202 and response.json()["id"] not in self.checkouts:
            self.checkouts.append(response.json()["id"])
        return response

    def checkout(self, checkout_id: str, wait: float = 0, gateway: str | None = None) -> dict[str, Any]:
        response = self.http.get(
            self.gateway_url(f"/v1/checkouts/{checkout_id}", gateway),
            params={"wait": wait} if wait else None,
            headers={"Authorization": f"Bearer {API_KEY}"},
        )
        response.raise_for_status()
        document: dict[str, Any] = response.json()
        return document

    def until(
        self, checkout_id: str, statuses: frozenset[str] = TERMINAL, gateway: str | None = None
    ) -> dict[str, Any]:
        """Long-poll the checkout until its status is one of ``statuses``; fail after FOLLOW_LIMIT_S."""
        deadline = time.monotonic() + FOLLOW_LIMIT_S
        while True:
            document = self.checkout(checkout_id, wait=5 if statuses <= TERMINAL else 0, gateway=gateway)
            if document["status"] in statuses:
                return document
            if time.monotonic() > deadline:
                raise AssertionError(f"checkout {checkout_id} never reached {sorted(statuses)}: {document}")
            if not statuses <= TERMINAL:
                time.sleep(0.05)

    def until_step(self, checkout_id: str, element_id: str) -> None:
        """Wait until step ``element_id`` of the checkout is active (its job is out or being worked on)."""
        deadline = time.monotonic() + FOLLOW_LIMIT_S
        while True:
            timeline = self.checkout(checkout_id)["timeline"]
            if any(e["element_id"] == element_id and e["state"] == "ACTIVE" for e in timeline):
                return
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{element_id} never became active in checkout {checkout_id}: {timeline}"
                )
            time.sleep(0.02)

    def run(self, body: dict[str, Any]) -> dict[str, Any]:
        """Start a checkout and follow it to its end."""
        created = self.start_checkout(body)
        assert created.status_code == 202, created.text
        return self.until(created.json()["id"])

    def service(self, name: str, path: str) -> httpx.Response:
        return self.http.get(self.layout.url(name, path))


def body(
    *items: tuple[str, int],
    token: str = "tok_visa",
    customer: str | None = None,
    promo: str | None = None,
) -> dict[str, Any]:
    return {
        "customer_id": customer or f"cust-{uuid.uuid4().hex[:8]}",
        "items": [{"sku": sku, "quantity": quantity} for sku, quantity in (items or (("SKU-1", 1),))],
        "payment_token": token,
        "shipping_region": "EU-DE",
        "promo_code": promo,
    }


PROCESSES = (
    "engine",
    *SERVICE_NAMES,
    "payment_provider",
    "workers",
    "relay",
    "loyalty_points",
    "cart_checkouts",
    "gateway",
)


def _layout(
    request: pytest.FixtureRequest, tmp: Path, servers: TestServers, traces_endpoint: str
) -> StackLayout:
    names = [f.name for f in Ports.__dataclass_fields__.values()]
    ports = Ports(**dict(zip(names, free_ports(len(names)), strict=True)))
    layout = StackLayout(
        var_dir=tmp,
        api_keys=f"e2e={API_KEY},other={OTHER_KEY}",
        ports=ports,
    )
    # Every process traced, exporting to the tests' OTLP receiver as it would to a collector; spans
    # leave within a fifth of a second, so a test finds its trace soon after the checkout ends.
    for name in PROCESSES:
        layout = layout.with_env(
            name,
            OTEL_TRACES_EXPORTER="otlp",
            OTEL_EXPORTER_OTLP_ENDPOINT=traces_endpoint,
            OTEL_BSP_SCHEDULE_DELAY="200",
        )
    for name in ("cart", "pricing", "inventory", "order", "loyalty"):
        layout = layout.with_env(
            name, **{f"{name.upper()}_DATABASE_URL": new_database(request, "postgresql")}
        )
    layout = layout.with_env("payment", PAYMENT_DATABASE_URL=new_database(request, "mariadb"))
    layout = layout.with_env("payment", PAYMENT_PROVIDER_TIMEOUT_SECONDS="6")
    layout = layout.with_env("payment_provider", PROVIDER_TIMEOUT_TOKEN_DELAY_SECONDS="30")
    layout = layout.with_env(
        "pricing", PRICING_REDIS_URL=servers.redis_url, PRICING_CACHE_PREFIX=f"e2e:{uuid.uuid4().hex[:8]}:"
    )
    layout = layout.with_env(
        "gateway", GATEWAY_DATABASE_URL=new_database(request, "postgresql"), GATEWAY_PAYMENT_TIMEOUT="PT4S"
    )
    # The events travel on the real broker, under topic names shared with other runs: the consumer
    # group's committed offsets keep a new run from re-reading an old run's events.
    for name in ("relay", "loyalty_points", "cart_checkouts", "workers", "gateway"):
        layout = layout.with_env(name, KAFKA_BOOTSTRAP_SERVERS=servers.kafka_bootstrap)
    layout = layout.with_env(
        "relay",
        RELAY_IDLE_POLL_SECONDS="0.02",
        RELAY_IDLE_POLL_LONGEST_SECONDS="0.1",
        RELAY_LEASE_SECONDS="2",
    )
    return layout.with_env(
        "workers",
        WORKERS_BACKOFF_BASE_MS="20",
        WORKERS_BACKOFF_MAX_MS="200",
        WORKERS_JOB_TIMEOUT_MS="3000",
        WORKERS_BREAKER_FAILURE_THRESHOLD="3",
        WORKERS_BREAKER_RESET_SECONDS="1",
        WORKERS_SHUTDOWN_GRACE_SECONDS="2",
    )


@pytest.fixture(scope="session")
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, servers: TestServers
) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("stack")
    with otlp_receiver() as (traces_endpoint, spans):
        layout = _layout(request, tmp, servers, traces_endpoint)
        supervisor = Supervisor(tmp / "log")
        try:
            start_stack(layout, supervisor, ROOT / "bpmn", verbose=False)
            for service in SERVICE_NAMES:
                start_recording(layout.database_url(service))
            channel = grpc.insecure_channel(f"127.0.0.1:{layout.ports.engine_grpc}")
            with httpx.Client(timeout=40.0) as http:
                yield Stack(layout, supervisor, http, GatewayStub(channel), spans)  # type: ignore[no-untyped-call]
            channel.close()
        finally:
            supervisor.stop_all()


def resolve_incidents(stack: Stack, checkout: dict[str, Any]) -> int:
    """What an operator does in Operate: give each incident's job retries again and resolve it."""
    response = stack.http.post(
        stack.layout.url("engine_http", "/v1/incidents/search"),
        json={"filter": {"processInstanceKey": checkout["process_instance_key"], "state": "ACTIVE"}},
    )
    response.raise_for_status()
    incidents = response.json()["items"]
    for incident in incidents:
        if incident.get("jobKey"):
            stack.zeebe.UpdateJobRetries(pb.UpdateJobRetriesRequest(jobKey=incident["jobKey"], retries=3))
        stack.zeebe.ResolveIncident(pb.ResolveIncidentRequest(incidentKey=incident["key"]))
    return len(incidents)


FOLLOW_UP_WAIT_SECONDS = 20.0
"""How long a consumer group of order.events may take to act on a completed checkout's order."""

COMPLETED_STATE = {
    "cart": "CHECKED_OUT",
    "pricing": "ACTIVE",
    "payment": "CAPTURED",
    "inventory": "ALLOCATED",
    "order": "CONFIRMED",
}
COMPENSATED_STATES = {
    "cart": {None, "RELEASED"},
    "pricing": {None, "VOIDED"},
    "payment": {None, "DECLINED", "REFUNDED", "VOIDED"},
    "inventory": {None, "RELEASED"},
    "order": {None, "CANCELLED"},
}
DEMO_SKUS = ("SKU-1", "SKU-2", "SKU-3", "SKU-4", "SKU-5", "SKU-SOLDOUT", "SKU-RETIRED")


@dataclass(frozen=True)
class Holdings:
    """What the stock and the cart's reservations hold of each demo SKU, taken before a test."""

    stock: dict[str, dict[str, int]]
    reserved: dict[str, int]


def holdings(stack: Stack) -> Holdings:
    stock, reserved = {}, {}
    for sku in DEMO_SKUS:
        response = stack.service("inventory", f"/v1/stock/{sku}")
        response.raise_for_status()
        stock[sku] = response.json()
        product = stack.service("cart", f"/v1/products/{sku}")
        product.raise_for_status()
        reserved[sku] = product.json()["reserved_quantity"]
    return Holdings(stock, reserved)


def _state(stack: Stack, service: str, path: str) -> dict[str, Any] | None:
    response = stack.service(service, path)
    if response.status_code == 404:
        return None
    response.raise_for_status()
    document: dict[str, Any] = response.json()
    return document


def check_invariants(stack: Stack, checkout_ids: list[str], before: Holdings) -> None:
    """What must hold across the services once the given checkouts have ended (the issue's list):
    money captured - refunded = total of completed orders; stock conservation; nothing left held by a
    compensated checkout, nor in the cart by a completed one; and loyalty points credited once per
    completed order."""
    captured_minus_refunded = 0
    confirmed_orders_total = 0
    allocated_by_completed: dict[str, int] = {}
    for checkout_id in checkout_ids:
        checkout = stack.until(checkout_id)
        status = checkout["status"]
        reservation = _cart_followed(stack, checkout_id, completed=status == "COMPLETED")
        quote = _state(stack, "pricing", f"/v1/quotes/{checkout_id}")
        payment = _state(stack, "payment", f"/v1/payments/{checkout_id}")
        allocation = _state(stack, "inventory", f"/v1/allocations/{checkout_id}")
        order = _state(stack, "order", f"/v1/orders/{checkout_id}")
        if payment is not None and payment["status"] == "CAPTURED":
            captured_minus_refunded += payment["amount"]["amount_minor"]
        if order is not None and order["status"] == "CONFIRMED":
            confirmed_orders_total += order["total"]["amount_minor"]
        seen = {
            name: None if document is None else document["status"]
            for name, document in (
                ("cart", reservation),
                ("pricing", quote),
                ("payment", payment),
                ("inventory", allocation),
                ("order", order),
            )
        }
        where = f"checkout {checkout_id} ({status})"
        if status == "COMPLETED":
            assert seen == COMPLETED_STATE, where
            assert allocation is not None
            for line in allocation["items"]:
                allocated_by_completed[line["sku"]] = (
                    allocated_by_completed.get(line["sku"], 0) + line["quantity"]
                )
        else:
            assert status == "COMPENSATED", where
            for name, state in seen.items():
                assert state in COMPENSATED_STATES[name], f"{where}: {name} is {state}"
    assert captured_minus_refunded == confirmed_orders_total
    awards = [
        award
        for checkout_id in checkout_ids
        if (
            award := _assert_loyalty_followed(
                stack, checkout_id, completed=stack.until(checkout_id)["status"] == "COMPLETED"
            )
        )
        is not None
    ]
    _assert_credited_once(stack, awards)
    after = holdings(stack)
    for sku, stock in after.stock.items():
        assert stock["on_hand"] + stock["allocated"] == stock["received"], sku
        allocated = stock["allocated"] - before.stock[sku]["allocated"]
        assert allocated == allocated_by_completed.get(sku, 0), sku
    assert after.reserved == before.reserved, "the cart still holds units of ended checkouts"


def _eventually(
    read: Callable[[], dict[str, Any] | None], done: Callable[[dict[str, Any] | None], bool]
) -> dict[str, Any] | None:
    """``read()`` once it is ``done``, or as it is after :data:`FOLLOW_UP_WAIT_SECONDS`."""
    deadline = time.monotonic() + FOLLOW_UP_WAIT_SECONDS
    document = read()
    while not done(document) and time.monotonic() < deadline:
        time.sleep(0.05)
        document = read()
    return document


def _cart_followed(stack: Stack, checkout_id: str, *, completed: bool) -> dict[str, Any] | None:
    """The checkout's reservation; a completed checkout's once the cart-checkouts consumer has
    checked it out (asynchronously, after OrderCreated reached Kafka)."""

    def read() -> dict[str, Any] | None:
        return _state(stack, "cart", f"/v1/reservations/{checkout_id}")

    if not completed:
        return read()
    return _eventually(
        read, lambda reservation: reservation is not None and reservation["status"] != "RESERVED"
    )


def _assert_loyalty_followed(stack: Stack, checkout_id: str, *, completed: bool) -> dict[str, Any] | None:
    """A completed checkout's order earns points, through order.events on Kafka and the loyalty-points
    consumer (asynchronously, hence the wait); a compensated one never does. The award, if any."""

    def read() -> dict[str, Any] | None:
        return _state(stack, "loyalty", f"/v1/awards/{checkout_id}")

    award = _eventually(read, lambda award: award is not None) if completed else read()
    if not completed:
        assert award is None, f"compensated checkout {checkout_id} earned points: {award}"
        return None
    assert award is not None, f"completed checkout {checkout_id} earned no points"
    order = _state(stack, "order", f"/v1/orders/{checkout_id}")
    assert order is not None
    assert award["status"] == "AWARDED"
    assert award["order_id"] == order["order_id"]
    assert award["amount"] == order["total"]
    return award


def _assert_credited_once(stack: Stack, awards: list[dict[str, Any]]) -> None:
    """Each customer's account holds exactly the points of its awards: an OrderCreated applied twice
    (a republished copy, a redelivery after a crash or an outage) would have credited it twice. Every
    test's customers are its own (:func:`body`), so the accounts hold nothing else."""
    points: dict[str, int] = {}
    for award in awards:
        points[award["customer_id"]] = points.get(award["customer_id"], 0) + award["points"]
    for customer_id, expected in points.items():
        account = _state(stack, "loyalty", f"/v1/accounts/{customer_id}")
        assert account is not None, f"no account for {customer_id}"
        assert account["awarded"] == expected, f"account of {customer_id}"


@pytest.fixture(autouse=True)
def invariants_hold_afterwards(stack: Stack) -> Iterator[None]:
    """After every end-to-end test: every checkout it started has ended and the invariants hold."""
    first = len(stack.checkouts)
    before = holdings(stack)
    yield
    check_invariants(stack, stack.checkouts[first:], before)
