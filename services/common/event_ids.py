"""Event ids that sort by the time they were made: UUID version 7 (RFC 9562).

The outbox's primary key is the event id, and the relay deletes each batch it published by id. With
random (version 4) ids a batch's entries lay scattered over the whole key index, so a delete of a
thousand rows rewrote most of its pages: on SQLite that was more than half of the delete. Ids that
start with their millisecond keep a batch's entries together, like its rows. Python 3.11 has no
``uuid.uuid7``, hence this module.
"""

from __future__ import annotations

import os
import time
import uuid

_VERSION_7 = 0x7 << 76
_VARIANT_RFC = 0b10 << 62
_RAND_A_BITS = 12
_RAND_B_BITS = 62


def uuid7(unix_ms: int, random_bits: int) -> uuid.UUID:
    """The version 7 UUID of ``unix_ms`` (48 bits) with 74 of ``random_bits`` filling the rest."""
    rand_a = (random_bits >> _RAND_B_BITS) & ((1 << _RAND_A_BITS) - 1)
    rand_b = random_bits & ((1 << _RAND_B_BITS) - 1)
    return uuid.UUID(
        int=((unix_ms & ((1 << 48) - 1)) << 80) | _VERSION_7 | (rand_a << 64) | _VARIANT_RFC | rand_b
    )


def new_event_id() -> uuid.UUID:
    """A fresh event id: this millisecond, then 74 random bits (ids of one millisecond in no order)."""
    return uuid7(time.time_ns() // 1_000_000, int.from_bytes(os.urandom(10)))
