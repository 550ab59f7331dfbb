"""``python -m events.relay --service payment [--service cart ...]``: relay outboxes until SIGTERM.

Each service's relay runs in its own thread with its own lease and its own transactional producer,
so one process can carry several (what ``checkout-saga up`` does) or one each (what a deployment
scaling them apart does); ``--with-service`` runs one relay inside the service's own process instead.
Topics are created first, explicitly.
"""

from __future__ import annotations

import argparse
import importlib
import threading

from prometheus_client import REGISTRY

from events.metrics import RelayCollector, relay_registry
from events.process import run_until_signalled
from events.relay.outboxes import RELAYED_SERVICES, service_settings, topic_of, transactional_id
from events.relay.relay import OutboxRelay
from events.relay.settings import RelaySettings
from events.settings import EventsSettings
from events.topics import topic_specs
from events.transport import open_transport
from events.transport.ports import TransactionalPublisher
from events.transport.tracing import TracingPublisher
from services.common.database import Database
from telemetry.tracing import configure_tracing, tracing_enabled


def main(argv: list[str] | None = None) -> None:
    shutdown_tracing = configure_tracing("relay")
    try:
        _main(argv)
    finally:
        shutdown_tracing()


def _main(argv: list[str] | None) -> None:
    parser = argparse.ArgumentParser(prog="python -m events.relay", description=__doc__.splitlines()[0])
    parser.add_argument("--service", action="append", choices=RELAYED_SERVICES, help="repeatable")
    parser.add_argument("--all", action="store_true", help="every service's outbox")
    parser.add_argument("--host", default="127.0.0.1", help="status endpoint address (default 127.0.0.1)")
    parser.add_argument(
        "--status-port", type=int, help="serve /health/live, /status and /metrics on this port"
    )
    parser.add_argument(
        "--with-service",
        action="store_true",
        help="run the (one) service's API in this process too, as `python -m services.<name>` would",
    )
    args = parser.parse_args(argv)
    services = list(RELAYED_SERVICES) if args.all else (args.service or [])
    if not services:
        parser.error("name at least one --service, or --all")
    if args.with_service and len(services) != 1:
        parser.error("--with-service runs exactly one --service")
    settings = RelaySettings()
    transport = open_transport(EventsSettings())
    transport.admin().ensure_topics(topic_specs())
    relays = [
        OutboxRelay(
            service,
            topic_of(service),
            Database.from_settings(service_settings(service)),
            traced(transport.publisher(transactional_id(settings.transactional_id_prefix, service))),
            settings,
        )
        for service in services
    ]
    if args.with_service:
        _beside_the_service(services[0], relays[0])
        return
    run_until_signalled(
        {f"relay-{service}": relay.run for service, relay in zip(services, relays, strict=True)},
        lambda: {"relays": [relay.report() for relay in relays]},
        relay_registry(relays),
        lambda: {f"relay-{r.service}": r.readiness.problem for r in relays if r.readiness.problem},
        args.host,
        args.status_port,
    )


def traced(publisher: TransactionalPublisher) -> TransactionalPublisher:
    """With tracing on, a producer span per event (the relay's hot path pays nothing otherwise)."""
    return TracingPublisher(publisher) if tracing_enabled() else publisher


def _beside_the_service(service: str, relay: OutboxRelay) -> None:
    """The relay in a thread of the service's own process: the service's ``main`` serves its API
    until SIGTERM/SIGINT (uvicorn handles them), then the relay stops and releases its lease."""
    REGISTRY.register(RelayCollector([relay]))  # on the service's /metrics (it serves this registry too)
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,), name=f"relay-{service}")
    thread.start()
    try:
        importlib.import_module(f"services.{service}.__main__").main()
    finally:
        stop.set()
        thread.join()


if __name__ == "__main__":
    main()
