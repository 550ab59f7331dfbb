"""Smoke tests: each server started by ``make servers`` does what the project relies on."""

import time
import uuid
from collections.abc import Callable

import pytest
import redis
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition
from sqlalchemy import String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

KAFKA_TIMEOUT_S = 30


class Base(DeclarativeBase):
    pass


class Widget(Base):
    __tablename__ = "smoke_widget"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))


@pytest.mark.parametrize("database_url", ["postgres_url", "mariadb_url"], ids=["postgres", "mariadb"])
def test_orm_reads_back_the_row_it_inserted(database_url: str, request: pytest.FixtureRequest) -> None:
    engine = create_engine(request.getfixturevalue(database_url))
    name = f"widget-{uuid.uuid4().hex[:8]}"
    try:
        Base.metadata.create_all(engine)
        with Session(engine) as session, session.begin():
            session.add(Widget(name=name))
        with Session(engine) as session:
            assert session.scalars(select(Widget.name).where(Widget.name == name)).all() == [name]
    finally:
        engine.dispose()


def test_redis_returns_a_value_set_with_an_expiry_until_it_expires(
    redis_client: "redis.Redis", redis_prefix: str
) -> None:
    key = f"{redis_prefix}greeting"
    redis_client.set(key, "hello", px=5_000)

    assert redis_client.get(key) == "hello"
    assert 0 < redis_client.pttl(key) <= 5_000


def test_redis_forgets_a_key_once_its_ttl_has_passed(redis_client: "redis.Redis", redis_prefix: str) -> None:
    key = f"{redis_prefix}short-lived"
    redis_client.set(key, "soon gone", px=200)

    deadline = time.monotonic() + 1.1
    while redis_client.get(key) is not None and time.monotonic() < deadline:
        time.sleep(0.02)

    assert redis_client.get(key) is None
    assert redis_client.pttl(key) == -2  # the key no longer exists


def test_kafka_read_committed_consumer_sees_only_records_of_committed_transactions(
    kafka_bootstrap: str, unique_topic: Callable[..., str], unique_transactional_id: str
) -> None:
    topic = unique_topic("smoke")
    producer = Producer(
        {
            "bootstrap.servers": kafka_bootstrap,
            "transactional.id": unique_transactional_id,
            "enable.idempotence": True,
        }
    )
    producer.init_transactions(KAFKA_TIMEOUT_S)

    producer.begin_transaction()
    producer.produce(topic, value=b"aborted")
    # Aborting right after produce() can fail fatally in librdkafka (issue 4849): deliver first.
    assert producer.flush(KAFKA_TIMEOUT_S) == 0
    producer.abort_transaction(KAFKA_TIMEOUT_S)

    producer.begin_transaction()
    producer.produce(topic, value=b"committed")
    producer.commit_transaction(KAFKA_TIMEOUT_S)

    consumer = Consumer(
        {
            "bootstrap.servers": kafka_bootstrap,
            "group.id": f"smoke-{uuid.uuid4().hex[:8]}",
            "isolation.level": "read_committed",
            "enable.auto.commit": False,
        }
    )
    consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    seen: list[bytes] = []
    deadline = time.monotonic() + KAFKA_TIMEOUT_S
    try:
        while b"committed" not in seen and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None:
                continue
            error = message.error()
            if error is not None and error.code() != KafkaError._PARTITION_EOF:
                raise AssertionError(f"consumer error: {error}")
            value = message.value()
            if error is None and value is not None:
                seen.append(value)
    finally:
        consumer.close()

    assert seen == [b"committed"]
