"""``python -m events.relay --service inventory``, on its own or ``--with-service`` inside the service's
own process: publishing what the service wrote, stopping on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from events.envelope import Envelope, parse_envelope
from events.topics import SERVICE_TOPICS
from events.transport.local_log import LocalLogTransport
from tests.integration.services.support import assert_stopped_cleanly, service_process


def read_published(log: Path, service: str) -> list[Envelope]:
    """The events on ``service``'s topic of the local log, once there are any (5 s at most)."""
    reader = LocalLogTransport(log).consumer("test-reader", [SERVICE_TOPICS[service]])
    published: list[Envelope] = []
    try:
        for _ in range(100):
            published += [parse_envelope(r.value) for r in reader.poll(10, 0.05)]
            if published:
                break
            time.sleep(0.05)
    finally:
        reader.close()
    return published


def test_the_relay_runs_inside_the_service_process_and_publishes_its_events(tmp_path: Path) -> None:
    log = tmp_path / "events.sqlite"
    with service_process(
        "inventory",
        tmp_path / "inventory.db",
        label="the inventory with its relay",
        module=("events.relay", "--service", "inventory", "--with-service"),
        environment={"EVENTS_LOCAL_LOG_PATH": str(log), "KAFKA_BOOTSTRAP_SERVERS": ""},
    ) as service:
        put = httpx.put(f"{service.url}/v1/stock/SKU-REL", json={"on_hand": 7, "location": "A-01"})
        assert put.status_code in (200, 201), put.text
        published = read_published(log, "inventory")
        metrics = httpx.get(f"{service.url}/metrics").text
    assert 'outbox_relay_lease_held{service="inventory"} 1.0' in metrics
    assert [(e.event_type, e.source, e.payload["sku"]) for e in published] == [
        ("StockLevelSet", "inventory", "SKU-REL")
    ]
    assert_stopped_cleanly(service)


def test_a_relay_of_its_own_publishes_what_the_service_wrote_and_stops_on_sigterm(tmp_path: Path) -> None:
    log, database = tmp_path / "events.sqlite", tmp_path / "inventory.db"
    with service_process("inventory", database, label="the inventory service") as service:
        put = httpx.put(f"{service.url}/v1/stock/SKU-OWN", json={"on_hand": 3, "location": "A-01"})
        assert put.status_code in (200, 201), put.text
    relay = subprocess.Popen(
        [sys.executable, "-m", "events.relay", "--service", "inventory"],
        env={
            **os.environ,
            "INVENTORY_DATABASE_URL": f"sqlite:///{database}",
            "EVENTS_LOCAL_LOG_PATH": str(log),
            "KAFKA_BOOTSTRAP_SERVERS": "",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        published = read_published(log, "inventory")
    finally:
        relay.send_signal(signal.SIGTERM)
        output, _ = relay.communicate(timeout=30)

    assert [(e.event_type, e.source, e.payload["sku"]) for e in published] == [
        ("StockLevelSet", "inventory", "SKU-OWN")
    ]
    assert relay.returncode == 0, output.decode()
    assert b"Traceback" not in output, output.decode()
