"""Domain events on the real broker: complete and in order per checkout, exactly once in effect,
through a broker outage, a relay crash between publishing and marking, and a poison message."""

from __future__ import annotations

import signal
import time
import uuid

from confluent_kafka import Producer

from events.topics import SERVICE_TOPICS, dead_letter_topic
from tests.e2e.conftest import Stack, body
from tests.e2e.events_on_kafka import (
    RELAYED,
    TopicReader,
    kafka,
    now_ms,
    outbox,
    outbox_locked_against_writes,
    outboxes_drained,
    published_at,
    until,
)

OUTAGE_S = 20.0


def test_every_domain_event_of_a_completed_and_a_compensated_checkout_arrives_in_order(
    stack: Stack, kafka_bootstrap: str
) -> None:
    since = now_ms() - 1000
    completed = stack.run(body(("SKU-1", 1)))
    compensated = stack.run(body(("SKU-2", 1), token="tok_chargeDeclined"))
    assert (completed["status"], compensated["status"]) == ("COMPLETED", "COMPENSATED")
    outboxes_drained(stack)
    for service in RELAYED:
        reader = TopicReader(kafka_bootstrap, SERVICE_TOPICS[service], since)
        try:
            for checkout in (completed, compensated):
                written = [m.event_id for m in outbox(stack, service, checkout["id"])]
                reader.read_until(
                    lambda r=reader, c=checkout["id"], w=written: set(w) <= set(r.event_ids(c)),
                    f"{service} events of {checkout['id']}",
                )
                arrived = list(dict.fromkeys(reader.event_ids(checkout["id"])))
                assert arrived == written, f"{service}: {checkout['status']} checkout"
        finally:
            reader.close()


def test_a_broker_outage_in_the_middle_of_a_batch_loses_and_repeats_nothing(stack: Stack) -> None:
    first = [stack.start_checkout(body(("SKU-3", 1))).json()["id"] for _ in range(5)]
    kafka("down")
    try:
        stopped_at = time.monotonic()
        second = [stack.start_checkout(body(("SKU-4", 1))).json()["id"] for _ in range(5)]
        for checkout_id in first + second:
            assert stack.until(checkout_id)["status"] == "COMPLETED"  # the saga does not need the broker
        time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - stopped_at)))
    finally:
        kafka("up")
    outboxes_drained(stack)
    # Loyalty credited each completed checkout exactly once: checked for every test by the stack's
    # invariants fixture, which waits for the awards.


def test_a_relay_killed_between_publishing_and_marking_publishes_again_and_consumers_ignore_the_copy(
    stack: Stack, kafka_bootstrap: str
) -> None:
    since = now_ms() - 1000
    reader = TopicReader(kafka_bootstrap, SERVICE_TOPICS["order"], since)
    stack.supervisor.send_signal("relay", signal.SIGSTOP)
    try:
        checkout = stack.run(body(("SKU-5", 1)))
        (created,) = [m for m in outbox(stack, "order", checkout["id"]) if m.event_type == "OrderCreated"]
        with outbox_locked_against_writes(stack, "order"):
            # The relay can read the row and publish it, but not mark it published.
            stack.supervisor.send_signal("relay", signal.SIGCONT)
            reader.read_until(lambda: created.event_id in reader.event_ids(checkout["id"]), "the first copy")
            stack.supervisor.kill("relay")
        assert published_at(stack, checkout["id"], "OrderCreated") is None
    finally:
        if stack.supervisor.dead() == ["relay"]:
            stack.supervisor.restart("relay")
        else:
            stack.supervisor.send_signal("relay", signal.SIGCONT)
    try:
        reader.read_until(lambda: reader.event_ids(checkout["id"]).count(created.event_id) == 2, "the copy")
    finally:
        reader.close()
    outboxes_drained(stack)
    until(lambda: stack.service("loyalty", f"/v1/awards/{checkout['id']}").status_code == 200, "the award")
    award = stack.service("loyalty", f"/v1/awards/{checkout['id']}").json()
    account = stack.service("loyalty", f"/v1/accounts/{award['customer_id']}").json()
    assert account["awarded"] == award["points"]  # credited once, although OrderCreated arrived twice


def test_a_poison_message_is_dead_lettered_and_the_consumer_keeps_going(
    stack: Stack, kafka_bootstrap: str
) -> None:
    since = now_ms() - 1000
    poison_key = f"poison-{uuid.uuid4().hex}"
    producer = Producer({"bootstrap.servers": kafka_bootstrap})
    producer.produce(
        SERVICE_TOPICS["order"], key=poison_key, value=b"{not json", headers=[("event-type", b"OrderCreated")]
    )
    assert producer.flush(10) == 0
    stack.run(body(("SKU-1", 1)))  # the invariants fixture waits for its award: the group kept going
    reader = TopicReader(kafka_bootstrap, dead_letter_topic("loyalty-points"), since)
    try:
        reader.read_until(lambda: any(k == poison_key for k, _, _ in reader.records), "the dead letter")
    finally:
        reader.close()
    (headers,) = [h for k, _, h in reader.records if k == poison_key]
    assert headers["dead-letter-group"] == "loyalty-points"
    assert headers["dead-letter-topic"] == SERVICE_TOPICS["order"]
    assert "not an event envelope" in headers["dead-letter-reason"]
