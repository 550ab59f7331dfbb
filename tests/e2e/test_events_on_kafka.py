"""Events on the real broker: the services' domain events complete and in order per checkout, exactly
once in effect, through a broker outage, a relay crash between publishing and deleting, and a poison
message; the saga's lifecycle events in order."""

from __future__ import annotations

import signal
import time
import uuid
from typing import Any

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient

from events.consumers.__main__ import GROUPS
from events.envelope import parse_envelope
from events.topics import (
    DEAD_LETTER_RETENTION_MS,
    PARTITIONS,
    RETENTION_MS,
    SAGA_TOPIC,
    SERVICE_TOPICS,
    dead_letter_topic,
)
from gateway.adapters.projection_consumer import GROUP_ID as PROJECTION
from tests.e2e.conftest import API_KEY, Stack, body
from tests.e2e.events_on_kafka import (
    TopicReader,
    assert_arrived_in_order,
    follow_ups_written,
    kafka,
    now_ms,
    outbox,
    outbox_locked_against_writes,
    outboxes_drained,
    still_in_outbox,
    until,
)
from tests.kafka_topics import partitions_of, retention_of

OUTAGE_S = 20.0


def test_the_stacks_topics_were_created_with_their_partitions_and_retention(kafka_admin: AdminClient) -> None:
    # The broker does not create topics by itself (auto.create.topics.enable=false): the relay and the
    # consumer groups created these at start-up, each with its explicit partitions and retention.
    event_topics = [*SERVICE_TOPICS.values(), SAGA_TOPIC]
    dead_letters = [dead_letter_topic(group) for group in (*GROUPS, PROJECTION)]
    created = {
        topic: (len(partitions_of(kafka_admin, topic)), retention_of(kafka_admin, topic))
        for topic in event_topics + dead_letters
    }
    assert len(event_topics) == 7
    assert created == {
        **{topic: (PARTITIONS, str(RETENTION_MS)) for topic in event_topics},
        **{topic: (1, str(DEAD_LETTER_RETENTION_MS)) for topic in dead_letters},
    }
    assert (PARTITIONS, RETENTION_MS, DEAD_LETTER_RETENTION_MS) == (6, 7 * 86_400_000, 30 * 86_400_000)


def test_every_domain_event_of_a_completed_and_a_compensated_checkout_arrives_in_order(
    stack: Stack, kafka_bootstrap: str
) -> None:
    since = now_ms() - 1000
    completed = stack.run(body(("SKU-1", 1)))
    compensated = stack.run(body(("SKU-2", 1), token="tok_chargeDeclined"))
    assert (completed["status"], compensated["status"]) == ("COMPLETED", "COMPENSATED")
    follow_ups_written(stack, [completed["id"]])
    assert_arrived_in_order(stack, kafka_bootstrap, since, [completed, compensated])
    # Exactly once in effect (the award credited once): checked for every test by the invariants fixture.


def test_a_broker_outage_in_the_middle_of_a_batch_loses_and_repeats_nothing(
    stack: Stack, kafka_bootstrap: str
) -> None:
    since = now_ms() - 1000
    first = [stack.start_checkout(body(("SKU-3", 1))).json()["id"] for _ in range(5)]
    kafka("down")
    try:
        second = [stack.start_checkout(body(("SKU-4", 1))).json()["id"] for _ in range(5)]
        time.sleep(OUTAGE_S)
    finally:
        kafka("up")
    # The workers held their jobs (no retry spent) while the broker was away: every checkout ends, none
    # in an incident. A capture held past the stack's payment time limit (PT4S) compensates, as it must.
    checkouts = [stack.until(checkout_id) for checkout_id in first + second]
    assert {checkout["status"] for checkout in checkouts} <= {"COMPLETED", "COMPENSATED"}
    follow_ups_written(stack, [c["id"] for c in checkouts if c["status"] == "COMPLETED"])
    # Nothing lost: every event written is on its topic, in order.
    assert_arrived_in_order(stack, kafka_bootstrap, since, checkouts)
    # Nothing repeated in effect: each completed checkout's customer credited once, checked for every
    # test by the invariants fixture.


def test_a_relay_killed_between_publishing_and_deleting_publishes_again_and_consumers_ignore_the_copy(
    stack: Stack, kafka_bootstrap: str
) -> None:
    since = now_ms() - 1000
    reader = TopicReader(kafka_bootstrap, SERVICE_TOPICS["order"], since)
    stack.supervisor.send_signal("relay", signal.SIGSTOP)
    try:
        checkout = stack.run(body(("SKU-5", 1)))
        (created,) = [m for m in outbox(stack, "order", checkout["id"]) if m.event_type == "OrderCreated"]
        with outbox_locked_against_writes(stack, "order"):
            # The relay can read the row and publish it, but not delete it.
            stack.supervisor.send_signal("relay", signal.SIGCONT)
            reader.read_until(lambda: created.event_id in reader.event_ids(checkout["id"]), "the first copy")
            stack.supervisor.kill("relay")
        assert still_in_outbox(stack, checkout["id"], "OrderCreated")
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


def lifecycle(reader: TopicReader, checkout_id: str) -> list[tuple[str, str | None]]:
    """The checkout's lifecycle events on checkout.saga, copies dropped: (type, step) in topic order."""
    seen: dict[uuid.UUID, tuple[str, str | None]] = {}
    for key, value, _ in reader.records:
        if key == checkout_id:
            envelope = parse_envelope(value)
            seen.setdefault(envelope.event_id, (envelope.event_type, envelope.payload.get("step")))
    return list(seen.values())


def test_the_saga_announces_its_lifecycle_on_checkout_saga_in_order(
    stack: Stack, kafka_bootstrap: str
) -> None:
    since = now_ms() - 1000
    completed = stack.run(body(("SKU-1", 1)))
    compensated = stack.run(body(("SKU-2", 1), token="tok_chargeDeclined"))
    reader = TopicReader(kafka_bootstrap, SAGA_TOPIC, since)
    try:
        reader.read_until(
            lambda: (
                lifecycle(reader, compensated["id"])[-1:] == [("CheckoutCompensated", None)]
                and lifecycle(reader, completed["id"])[-1:] == [("CheckoutCompleted", None)]
            ),
            "both checkouts' last lifecycle events",
        )
    finally:
        reader.close()
    assert lifecycle(reader, completed["id"]) == [
        ("CheckoutStarted", None),
        ("StepCompleted", "cart.reserve"),
        ("StepCompleted", "pricing.quote"),
        ("StepCompleted", "payment.capture"),
        ("StepCompleted", "inventory.allocate"),
        ("StepCompleted", "order.create"),
        ("CheckoutCompleted", None),
    ]
    assert lifecycle(reader, compensated["id"]) == [
        ("CheckoutStarted", None),
        ("StepCompleted", "cart.reserve"),
        ("StepCompleted", "pricing.quote"),
        ("CompensationStarted", None),
        ("StepCompensated", "pricing.quote"),
        ("StepCompensated", "cart.reserve"),
        ("CheckoutCompensated", None),
    ]
    started = next(
        parse_envelope(v)
        for k, v, _ in reader.records
        if k == compensated["id"] and b"CompensationStarted" in v
    )
    assert started.payload["error_code"] == "PAYMENT_DECLINED"
    assert started.source == "workers"


def test_the_gateway_serves_each_checkouts_lifecycle_from_its_projection(stack: Stack) -> None:
    completed = stack.run(body(("SKU-1", 1)))
    compensated = stack.run(body(("SKU-2", 1), token="tok_chargeDeclined"))

    def served(checkout_id: str) -> dict[str, Any]:
        response = stack.http.get(
            stack.layout.url("gateway", f"/v1/checkouts/{checkout_id}/events"),
            headers={"Authorization": f"Bearer {API_KEY}"},
        )
        response.raise_for_status()
        document: dict[str, Any] = response.json()
        return document

    until(lambda: served(completed["id"])["status"] == "COMPLETED", "the completed checkout projected")
    until(lambda: served(compensated["id"])["status"] == "COMPENSATED", "the compensated checkout projected")
    assert [e["type"] for e in served(completed["id"])["events"]] == [
        "CheckoutStarted",
        *["StepCompleted"] * 5,
        "CheckoutCompleted",
    ]
    assert [(e["type"], e["step"]) for e in served(compensated["id"])["events"]] == [
        ("CheckoutStarted", None),
        ("StepCompleted", "cart.reserve"),
        ("StepCompleted", "pricing.quote"),
        ("CompensationStarted", None),
        ("StepCompensated", "pricing.quote"),
        ("StepCompensated", "cart.reserve"),
        ("CheckoutCompensated", None),
    ]
