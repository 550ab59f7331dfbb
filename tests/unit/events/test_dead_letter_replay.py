"""What a replayed dead letter looks like, and how the replay command reports (no broker needed)."""

from __future__ import annotations

import re
import shlex
from collections import Counter
from pathlib import Path

import pytest

from events.consumer.dead_letters import dead_letter
from events.consumers.__main__ import GROUPS
from events.dead_letters.__main__ import build_parser, main
from events.dead_letters.replay import ReplayReport, describe, replay_group_id, republished
from events.transport.ports import ConsumedRecord, OutgoingRecord

HEADERS = {"event-id": "evt-1", "event-type": "OrderCreated", "traceparent": "00-ab-cd-01"}


def parked(headers: dict[str, str] | None = None) -> ConsumedRecord:
    """A record as it sits on the dead-letter topic, parked by the consumers' own code."""
    original = ConsumedRecord("order.events", 4, 17, "chk-1", b'{"event_id": "evt-1"}', headers or HEADERS)
    outgoing = dead_letter("loyalty-points", original, "payload breaks OrderCreated v1:\n points < 0")
    return ConsumedRecord(outgoing.topic, 0, 3, outgoing.key, outgoing.value, outgoing.headers)


def test_a_dead_letter_goes_back_to_its_topic_as_it_was_before_it_was_parked() -> None:
    assert republished(parked()) == OutgoingRecord("order.events", "chk-1", b'{"event_id": "evt-1"}', HEADERS)


def test_only_the_dead_letter_headers_are_dropped() -> None:
    headers = {**HEADERS, "dead-letter-extra": "x", "dead-lettered-by-hand": "kept"}
    again = republished(parked(headers))

    assert again is not None
    assert dict(again.headers) == {**HEADERS, "dead-lettered-by-hand": "kept"}


def test_a_record_that_does_not_say_where_it_came_from_is_not_replayed() -> None:
    stray = ConsumedRecord("loyalty-points.dead-letter", 0, 9, "chk-9", b"{}", {"event-id": "evt-9"})

    assert republished(stray) is None


def test_a_dead_letter_is_described_by_position_event_and_reason_on_one_line() -> None:
    assert describe(parked()) == (
        "loyalty-points.dead-letter[0]@3 key chk-1 event-type OrderCreated event-id evt-1 "
        "(parked: payload breaks OrderCreated v1: points < 0)"
    )


def test_the_summary_counts_per_topic_and_says_whether_the_end_was_reached() -> None:
    report = ReplayReport("g.dead-letter", Counter({"order.events": 2, "cart.events": 1}), skipped=1)

    assert report.summary(dry_run=False) == (
        "replayed 3 record(s) from g.dead-letter (cart.events 1, order.events 2); "
        "1 skipped (no dead-letter-topic header); stopped at --max: run again for the rest"
    )
    report.complete = True
    assert report.summary(dry_run=True).startswith("would replay 3 record(s)")
    assert report.summary(dry_run=True).endswith("reached the end of the topic")


def test_the_replay_reads_as_a_group_of_its_own() -> None:
    assert replay_group_id("loyalty-points") == "loyalty-points.dead-letter-replay"


def test_without_kafka_the_command_says_why_it_cannot_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)

    with pytest.raises(SystemExit) as exit_:
        main(["replay", "--group", "loyalty-points"])

    assert exit_.value.code == 2
    assert "KAFKA_BOOTSTRAP_SERVERS is not set" in capsys.readouterr().err


def runbook_replay_commands() -> list[str]:
    text = (Path(__file__).resolve().parents[3] / "deploy" / "RUNBOOK.md").read_text()
    return [command.strip() for command in re.findall(r"python -m events\.dead_letters ([^`\n#]*)", text)]


def test_the_runbook_shows_replay_commands() -> None:
    assert len(runbook_replay_commands()) >= 4


@pytest.mark.parametrize("command", runbook_replay_commands())
def test_each_replay_command_of_the_runbook_parses(command: str) -> None:
    args = build_parser().parse_args(shlex.split(command))

    assert args.command == "replay"
    assert args.group in GROUPS
