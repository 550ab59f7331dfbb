"""Lifecycle events as the workers publish them: deterministic ids, contract payloads, group commit."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from events.contracts.registry import parse
from events.envelope import parse_envelope
from events.topics import SAGA_TOPIC, topic_specs
from events.transport.local_log import LocalLogTransport
from events.transport.ports import OutgoingRecord
from tests.jobs import job
from workers.saga_events import (
    EventsUnavailable,
    SagaEventPublisher,
    checkout_failed,
    event_id,
    step_compensated,
    step_completed,
)


def test_the_same_step_of_the_same_checkout_always_has_the_same_event_id() -> None:
    first, again = step_completed(job()), step_completed(job(key=8))
    assert parse_envelope(first.value).event_id == parse_envelope(again.value).event_id


def test_different_steps_checkouts_and_event_types_have_different_ids() -> None:
    ids = {
        event_id("chk-1", "StepCompleted", "cart.reserve"),
        event_id("chk-1", "StepCompleted", "pricing.quote"),
        event_id("chk-2", "StepCompleted", "cart.reserve"),
        event_id("chk-1", "StepCompensated", "cart.reserve"),
    }
    assert len(ids) == 4


def test_each_incident_is_its_own_checkout_failed_event() -> None:
    first = parse_envelope(checkout_failed(job(key=1), "down").value)
    second = parse_envelope(checkout_failed(job(key=2), "down").value)
    assert first.event_id != second.event_id


@pytest.mark.parametrize(
    "record",
    [
        step_completed(job()),
        step_compensated(job("cart.release"), "cart.reserve"),
        checkout_failed(job(), "x"),
    ],
    ids=["StepCompleted", "StepCompensated", "CheckoutFailed"],
)
def test_records_carry_payloads_that_satisfy_their_contract(record: OutgoingRecord) -> None:
    envelope = parse_envelope(record.value)
    parse(envelope.event_type, envelope.schema_version, envelope.payload)
    assert record.topic == SAGA_TOPIC
    assert record.key == "chk-1"
    assert envelope.source == "workers"


def test_a_compensation_names_the_step_it_undid() -> None:
    assert (
        parse_envelope(step_compensated(job("cart.release"), "cart.reserve").value).payload["step"]
        == "cart.reserve"
    )


def test_events_published_together_all_reach_the_log(tmp_path: Path) -> None:
    transport = LocalLogTransport(tmp_path / "log.sqlite")
    transport.admin().ensure_topics(topic_specs())

    async def publish_many() -> None:
        events = SagaEventPublisher(transport.publisher("workers"))
        events.start()
        try:
            await asyncio.gather(
                *(events.publish(step_completed(job(t))) for t in ("cart.reserve", "pricing.quote"))
            )
        finally:
            await events.stop()

    asyncio.run(publish_many())
    reader = transport.consumer("reader", [SAGA_TOPIC])
    steps = sorted(parse_envelope(r.value).payload["step"] for r in reader.poll(10, 0.05))
    assert steps == ["cart.reserve", "pricing.quote"]


def test_a_log_that_refuses_the_batch_makes_every_waiting_job_hear_it(tmp_path: Path) -> None:
    transport = LocalLogTransport(tmp_path / "log.sqlite")  # no topics ensured: publishing fails

    async def publish_one() -> None:
        events = SagaEventPublisher(transport.publisher("workers"))
        events.start()
        try:
            await events.publish(step_completed(job()))
        finally:
            await events.stop()

    with pytest.raises(EventsUnavailable):
        asyncio.run(publish_one())
