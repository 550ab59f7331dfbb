"""Outbox event ids: RFC 9562 version 7 UUIDs, ordered by the millisecond they were made in."""

from __future__ import annotations

import time
import uuid

from services.common.event_ids import new_event_id, uuid7

ALL_ONES = (1 << 128) - 1


def test_the_id_is_an_rfc_9562_version_7_uuid() -> None:
    event_id = uuid7(1_795_808_571_766, ALL_ONES)

    assert (event_id.version, event_id.variant) == (7, uuid.RFC_4122)


def test_the_id_starts_with_its_unix_millisecond() -> None:
    assert uuid7(1_795_808_571_766, 0).int >> 80 == 1_795_808_571_766


def test_the_random_bits_fill_everything_but_the_time_version_and_variant() -> None:
    assert str(uuid7(0, ALL_ONES)) == "00000000-0000-7fff-bfff-ffffffffffff"


def test_ids_of_a_later_millisecond_sort_after_whatever_their_random_bits() -> None:
    assert uuid7(1_000, 0) > uuid7(999, ALL_ONES)
    assert uuid7(1_000, 0).hex > uuid7(999, ALL_ONES).hex  # as SQLite and MariaDB store and order them


def test_a_new_id_carries_the_current_millisecond() -> None:
    before = time.time_ns() // 1_000_000
    event_id = new_event_id()
    after = time.time_ns() // 1_000_000

    assert before <= event_id.int >> 80 <= after
    assert event_id.version == 7


def test_new_ids_differ() -> None:
    assert len({new_event_id() for _ in range(1_000)}) == 1_000
