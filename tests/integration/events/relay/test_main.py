"""``python -m events.relay --service inventory --with-service``: the relay inside the service's own
process, publishing what the service writes, stopping with it."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from events.envelope import parse_envelope
from events.topics import SERVICE_TOPICS
from events.transport.local_log import LocalLogTransport
from tests.integration.services.support import assert_stopped_cleanly, service_process


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
        reader = LocalLogTransport(log).consumer("test-reader", [SERVICE_TOPICS["inventory"]])
        published = []
        for _ in range(100):
            published += [parse_envelope(r.value) for r in reader.poll(10, 0.05)]
            if published:
                break
            time.sleep(0.05)
        reader.close()
        metrics = httpx.get(f"{service.url}/metrics").text
    assert 'outbox_relay_lease_held{service="inventory"} 1.0' in metrics
    assert [(e.event_type, e.source, e.payload["sku"]) for e in published] == [
        ("StockLevelSet", "inventory", "SKU-REL")
    ]
    assert_stopped_cleanly(service)
