"""``checkout-saga up``: the whole stack on one machine, on embedded defaults.

Engine (unless ``ZEEBE_ADDRESS`` points at another Zeebe), payment-provider sandbox, the six services
on SQLite files, the outbox relay and the consumer groups loyalty-points and cart-checkouts (on a
local log file unless ``KAFKA_BOOTSTRAP_SERVERS`` is exported), the workers and the gateway; then the
diagram is deployed and the demo catalogue seeded. Everything stops, in reverse order, on Ctrl-C or when any process dies. Variables already
exported (``CART_DATABASE_URL``, ``GATEWAY_API_KEYS``...) win over these defaults.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import time
from pathlib import Path
from types import FrameType

from checkout_saga.deploy import deploy_diagrams, diagrams_in
from checkout_saga.layout import StackLayout
from checkout_saga.processes import StartFailed, Supervisor
from checkout_saga.seed import seed
from checkout_saga.settings import StackSettings
from zeebe_connection import ZeebeSettings
from zeebe_connection.settings import LOCAL_ENGINE_ADDRESS

DEMO_CLIENT = "demo"


def demo_api_key(var_dir: Path) -> str:
    """The demo client's key: kept in ``var_dir/demo-api-key`` (owner-only) so `demo` can use it."""
    path = var_dir / "demo-api-key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(24)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(key + "\n")
    return key


def start_stack(
    layout: StackLayout, supervisor: Supervisor, bpmn_dir: Path, *, verbose: bool = True
) -> list[tuple[str, int, int]]:
    """Start every process of ``layout``, deploy the diagrams and seed the demo catalogue."""
    for spec in layout.specs():
        if verbose:
            print(f"starting {spec.name:<17} log: {supervisor.log_dir / spec.name}.log", flush=True)
        supervisor.start(spec)
    zeebe = ZeebeSettings(address=layout.zeebe_address or f"127.0.0.1:{layout.ports.engine_grpc}")
    deployed = asyncio.run(deploy_diagrams(diagrams_in(bpmn_dir), zeebe))
    seed({name: layout.url(name) for name in ("cart", "pricing", "inventory", "order")})
    return deployed


class _Stop(Exception):
    """Raised by the SIGTERM handler so that `up` unwinds like on Ctrl-C."""


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop


def up(settings: StackSettings) -> int:
    zeebe = ZeebeSettings()
    api_key = demo_api_key(settings.var_dir)
    layout = StackLayout(
        var_dir=settings.var_dir,
        api_keys=f"{DEMO_CLIENT}={api_key}",
        zeebe_address=None if zeebe.address == LOCAL_ENGINE_ADDRESS else zeebe.address,
    )
    supervisor = Supervisor(settings.var_dir / "log")
    signal.signal(signal.SIGTERM, _raise_stop)
    # Ctrl-C stops the stack even when this process started with SIGINT ignored, as a shell script's
    # background job does (Python then never installs its own handler).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        deployed = start_stack(layout, supervisor, settings.bpmn_dir)
        _banner(layout, zeebe, api_key, deployed)
        while not (dead := supervisor.dead()):
            time.sleep(0.5)
        print(
            f"\n{', '.join(dead)} stopped unexpectedly; stopping the stack (see {supervisor.log_dir})",
            flush=True,
        )
        return 1
    except StartFailed as failure:
        print(f"\ncould not start the stack: {failure}", flush=True)
        return 1
    except (KeyboardInterrupt, _Stop):
        print("\nstopping...", flush=True)
        return 0
    finally:
        supervisor.stop_all()


def _banner(
    layout: StackLayout, zeebe: ZeebeSettings, api_key: str, deployed: list[tuple[str, int, int]]
) -> None:
    processes = ", ".join(f"{pid} v{version}" for pid, version, _ in deployed)
    if "GATEWAY_API_KEYS" in os.environ:
        key_line = "  API keys            from GATEWAY_API_KEYS"
    else:
        key_line = f"  demo API key        {api_key}   (client '{DEMO_CLIENT}'; also in {layout.var_dir}/demo-api-key)"
    read_api = layout.operate_url or layout.url("engine_http")
    # The local engine's Operate-like monitor; with a real cluster, Camunda Operate plays that part.
    monitor_line = (
        "" if layout.operate_url else f"  engine monitor      {layout.url('engine_http', '/monitor/')}\n"
    )
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    events = f"Kafka {bootstrap}" if bootstrap else f"local log {layout.var_dir / 'events' / 'log.sqlite'}"
    print(
        "\nThe checkout stack is up.\n"
        f"  gateway API docs    {layout.url('gateway', '/docs')}\n"
        f"{key_line}\n"
        f"  Zeebe               {zeebe.describe()}   deployed: {processes}\n"
        f"  engine read API     {read_api}/docs   (Operate REST v1 shape)\n"
        f"{monitor_line}"
        f"  workers status      {layout.url('workers_status', '/breakers')}\n"
        f"  events              {events}   relay {layout.url('relay_status', '/status')}"
        f"\n  consumer lag        loyalty-points {layout.url('loyalty_points_status', '/status')}"
        f"   cart-checkouts {layout.url('cart_checkouts_status', '/status')}\n"
        f"  logs                {layout.var_dir / 'log'}/\n"
        "\nTry:  .venv/bin/checkout-saga demo --count 50\n"
        f"  or:  curl -s -X POST {layout.url('gateway', '/v1/checkouts')} -H 'Authorization: Bearer {api_key}' \\\n"
        "         -H 'Idempotency-Key: try-1' -H 'Content-Type: application/json' \\\n"
        '         -d \'{"customer_id": "cust-1", "items": [{"sku": "SKU-1", "quantity": 1}],'
        ' "payment_token": "tok_visa", "shipping_region": "EU-DE"}\'\n'
        "\nCtrl-C stops everything.",
        flush=True,
    )
