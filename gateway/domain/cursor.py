"""Opaque cursors of the checkout list: the position after the last checkout of a page.

The list is ordered newest first by (``created_at``, ``id``), so a page continues strictly after the
pair (keyset pagination: stable while new checkouts arrive, no OFFSET scans). The cursor is that pair
as base64url JSON; clients must treat it as opaque.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import datetime


class InvalidCursor(ValueError):
    """The cursor was not made by this gateway (or was altered)."""


@dataclass(frozen=True)
class Cursor:
    created_at: datetime
    checkout_id: str

    def encode(self) -> str:
        document = json.dumps([self.created_at.isoformat(), self.checkout_id], separators=(",", ":"))
        return base64.urlsafe_b64encode(document.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            created, checkout_id = json.loads(raw)
            if not isinstance(created, str) or not isinstance(checkout_id, str):
                raise TypeError("cursor members must be strings")
            moment = datetime.fromisoformat(created)
            uuid.UUID(checkout_id)
        except (binascii.Error, ValueError, TypeError) as error:
            raise InvalidCursor("not a cursor of this list") from error
        if moment.tzinfo is None:
            raise InvalidCursor("not a cursor of this list")
        return cls(moment, checkout_id)
