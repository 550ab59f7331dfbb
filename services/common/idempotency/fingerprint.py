"""A request's fingerprint: sha256 of the canonical JSON of its method, path and validated body.

The body is hashed *after* validation (as ``model_dump(mode="json")``), so key order and whitespace do
not matter but every value does. Method and path are included so a key reused on another endpoint is a
different request, not a replay.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 as is; NaN and infinities refused (they are not JSON)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def request_fingerprint(method: str, path: str, body: Any) -> str:
    document = {"method": method.upper(), "path": path, "body": body}
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()
