"""What the broker says about a topic: its partitions and its retention, as created."""

from __future__ import annotations

import time

from confluent_kafka.admin import AdminClient, ConfigResource  # type: ignore[attr-defined]  # untyped re-export

TIMEOUT_S = 30


def partitions_of(admin: AdminClient, topic: str) -> list[int]:
    """The topic's partitions once the broker's metadata lists them: right after CreateTopics it may
    still show the topic with none (seen once in CI), while their leaders are being elected."""
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        partitions = list(admin.list_topics(topic, timeout=TIMEOUT_S).topics[topic].partitions)
        if partitions or time.monotonic() > deadline:
            return partitions
        time.sleep(0.05)


def retention_of(admin: AdminClient, topic: str) -> str:
    resource = ConfigResource("topic", topic)
    config = admin.describe_configs([resource])[resource].result(timeout=TIMEOUT_S)
    value: str = config["retention.ms"].value
    return value
