"""``python -m events.consumers loyalty-points``: run a consumer group until SIGTERM."""

from __future__ import annotations

import argparse

import httpx

from events.consumer.inbox import create_inbox
from events.consumer.runner import open_group
from events.consumer.settings import ConsumerSettings
from events.consumers import loyalty_points
from events.metrics import consumer_registry
from events.process import run_until_signalled
from events.settings import EventsSettings
from services.common.database import Database
from telemetry.instrumentation import instrument_http_clients
from telemetry.tracing import configure_tracing

GROUPS = (loyalty_points.GROUP_ID,)


def main(argv: list[str] | None = None) -> None:
    shutdown_tracing = configure_tracing(loyalty_points.GROUP_ID)
    instrument_http_clients()  # before the client exists: the award calls join the event's trace
    try:
        _main(argv)
    finally:
        shutdown_tracing()


def _main(argv: list[str] | None) -> None:
    parser = argparse.ArgumentParser(prog="python -m events.consumers", description=__doc__.splitlines()[0])
    parser.add_argument("group", choices=GROUPS)
    parser.add_argument("--host", default="127.0.0.1", help="status endpoint address (default 127.0.0.1)")
    parser.add_argument(
        "--status-port", type=int, help="serve /health/live, /status and /metrics on this port"
    )
    args = parser.parse_args(argv)
    settings = loyalty_points.LoyaltyPointsSettings()
    database = Database.connect(settings.database_url)
    create_inbox(database.engine)
    http = httpx.Client(base_url=settings.loyalty_url, timeout=settings.timeout_seconds)
    runner = open_group(
        loyalty_points.GROUP_ID,
        loyalty_points.TOPICS,
        database,
        loyalty_points.handlers(loyalty_points.LoyaltyClient(http)),
        EventsSettings(),
        ConsumerSettings(),
    )
    run_until_signalled(
        {loyalty_points.GROUP_ID: runner.run},
        lambda: {"group": loyalty_points.GROUP_ID, "lag": runner.lag_report()},
        consumer_registry([runner]),
        lambda: {loyalty_points.GROUP_ID: p} if (p := runner.readiness.problem) else {},
        args.host,
        args.status_port,
    )


if __name__ == "__main__":
    main()
