"""What a write use case answers: an HTTP status and a JSON body, storable under an idempotency key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Reply:
    """``replayed`` is true when the reply is the stored first result of an earlier request."""

    status: int
    body: dict[str, Any]
    replayed: bool = False
