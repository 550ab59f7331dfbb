"""API keys: ``GATEWAY_API_KEYS`` parsed into clients, and a constant-time lookup of a presented key.

Every configured key is compared, always, with :func:`hmac.compare_digest` on SHA-256 digests (equal
lengths), so the time an answer takes says nothing about which key, or how much of one, matched.
Errors name the entry (its position) and never the key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

CLIENT_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
KEY_PATTERN = re.compile(r"^[\x21-\x2b\x2d-\x7e]+$")  # printable ASCII, no space, no comma
MIN_KEY_LENGTH = 16


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


@dataclass(frozen=True)
class ApiKeys:
    """Clients by (the digest of) their keys; a client may hold several keys while rotating them."""

    _entries: tuple[tuple[bytes, str], ...]

    @property
    def clients(self) -> frozenset[str]:
        return frozenset(client for _, client in self._entries)

    def client_for(self, presented: str) -> str | None:
        """The client owning ``presented``, or None. Compares against every key, whatever matches."""
        digest = _digest(presented)
        found: str | None = None
        for known, client in self._entries:
            if hmac.compare_digest(known, digest):
                found = client
        return found

    def __repr__(self) -> str:
        return f"ApiKeys(clients={sorted(self.clients)})"


def parse_api_keys(text: str) -> ApiKeys:
    """``"shop=key1,backoffice=key2"`` -> :class:`ApiKeys`; raises ``ValueError`` without echoing keys."""
    entries: list[tuple[bytes, str]] = []
    seen: set[bytes] = set()
    for position, raw in enumerate(text.split(","), start=1):
        entry = raw.strip()
        if not entry:
            continue
        client, separator, key = (part.strip() for part in entry.partition("="))
        if not separator:
            raise ValueError(f"entry {position} is not client=key")
        if not CLIENT_PATTERN.fullmatch(client):
            raise ValueError(
                f"entry {position}: the client name must be 1-100 letters, digits, '.', '_', '-'"
            )
        if len(key) < MIN_KEY_LENGTH or not KEY_PATTERN.fullmatch(key):
            raise ValueError(
                f"entry {position} ({client}): the key must be at least {MIN_KEY_LENGTH} printable "
                "characters without spaces or commas"
            )
        digest = _digest(key)
        if digest in seen:
            raise ValueError(f"entry {position} ({client}): this key is already given to a client")
        seen.add(digest)
        entries.append((digest, client))
    if not entries:
        raise ValueError("no API key configured: set client=key pairs")
    return ApiKeys(tuple(entries))
