"""Dead letters: a record no retry can fix is parked on the group's dead-letter topic, with the
reason in its headers, so the consumer keeps going and a person can look at it (and replay it)."""

from __future__ import annotations

from events.topics import dead_letter_topic
from events.transport.ports import ConsumedRecord, OutgoingRecord, TransactionalPublisher


class Poison(Exception):
    """Raised by a handler for an event it can never apply (a contract the producer broke, a request
    the downstream service refuses for good)."""


def dead_letter(group_id: str, record: ConsumedRecord, reason: str) -> OutgoingRecord:
    """``record`` as it arrived, plus where it came from and why it could not be processed."""
    headers = {
        **record.headers,
        "dead-letter-reason": reason[:1000],
        "dead-letter-group": group_id,
        "dead-letter-topic": record.topic,
        "dead-letter-partition": str(record.partition),
        "dead-letter-offset": str(record.offset),
    }
    return OutgoingRecord(dead_letter_topic(group_id), record.key, record.value, headers)


class DeadLetterQueue:
    def __init__(self, group_id: str, publisher: TransactionalPublisher) -> None:
        self._group_id = group_id
        self._publisher = publisher

    def park(self, record: ConsumedRecord, reason: str) -> None:
        self._publisher.publish([dead_letter(self._group_id, record, reason)])
