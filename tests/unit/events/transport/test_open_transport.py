"""The log is chosen by the environment: Kafka when a bootstrap is configured, else the local file."""

from __future__ import annotations

from pathlib import Path

import pytest

from events.settings import EventsSettings
from events.transport import open_transport
from events.transport.kafka import KafkaTransport
from events.transport.local_log import LocalLogTransport
from events.transport.ports import TopicSpec


def test_kafka_is_opened_when_a_bootstrap_is_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:59092")

    assert isinstance(open_transport(EventsSettings()), KafkaTransport)


@pytest.mark.parametrize("bootstrap", [None, ""], ids=["unset", "empty"])
def test_the_local_log_is_opened_at_its_configured_path_without_a_bootstrap(
    bootstrap: str | None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if bootstrap is None:
        monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    else:
        monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", bootstrap)
    monkeypatch.setenv("EVENTS_LOCAL_LOG_PATH", str(tmp_path / "log.sqlite"))

    transport = open_transport(EventsSettings())
    transport.admin().ensure_topics([TopicSpec("orders.events", 1, 60_000)])

    assert isinstance(transport, LocalLogTransport)
    assert (tmp_path / "log.sqlite").exists()


def test_the_local_log_lives_under_var_events_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVENTS_LOCAL_LOG_PATH", raising=False)

    assert EventsSettings().local_log_path == Path("var/events/log.sqlite")
