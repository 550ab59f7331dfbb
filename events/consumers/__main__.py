"""``python -m events.consumers <group>``: run one consumer group until SIGTERM."""

from __future__ import annotations

import argparse
from collections.abc import Callable

import httpx

from events.consumer.inbox import create_inbox
from events.consumer.runner import open_group
from events.consumer.settings import ConsumerSettings
from events.consumers import cart_checkouts, loyalty_points
from events.consumers.group import HttpGroup
from events.metrics import consumer_registry
from events.process import run_until_signalled
from events.settings import EventsSettings
from services.common.database import Database
from telemetry.instrumentation import instrument_http_clients
from telemetry.tracing import configure_tracing

GROUPS: dict[str, Callable[[], HttpGroup]] = {
    loyalty_points.GROUP_ID: loyalty_points.group,
    cart_checkouts.GROUP_ID: cart_checkouts.group,
}
"""Each group this command runs, and how it reads its settings."""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m events.consumers", description=__doc__.splitlines()[0])
    parser.add_argument("group", choices=sorted(GROUPS))
    parser.add_argument("--host", default="127.0.0.1", help="status endpoint address (default 127.0.0.1)")
    parser.add_argument(
        "--status-port", type=int, help="serve /health/live, /status and /metrics on this port"
    )
    args = parser.parse_args(argv)
    shutdown_tracing = configure_tracing(args.group)
    instrument_http_clients()  # before the client exists: the service calls join the event's trace
    try:
        _run(GROUPS[args.group](), args.host, args.status_port)
    finally:
        shutdown_tracing()


def _run(group: HttpGroup, host: str, status_port: int | None) -> None:
    database = Database.connect(group.database_url)
    create_inbox(database.engine)
    http = httpx.Client(base_url=group.service_url, timeout=group.timeout_seconds)
    runner = open_group(
        group.group_id,
        group.topics,
        database,
        group.handlers(http),
        EventsSettings(),
        ConsumerSettings(),
    )
    run_until_signalled(
        {group.group_id: runner.run},
        lambda: {"group": group.group_id, "lag": runner.lag_report()},
        consumer_registry([runner]),
        lambda: {group.group_id: p} if (p := runner.readiness.problem) else {},
        host,
        status_port,
    )


if __name__ == "__main__":
    main()
