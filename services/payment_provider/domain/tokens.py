"""The sandbox's test payment tokens and what each one does.

==========================  =============================================================================
token                       behaviour
==========================  =============================================================================
``tok_visa``                capture succeeds
``tok_mastercard``          capture succeeds
``tok_chargeDeclined``      capture declined: 402, code ``card_declined``
``tok_insufficientFunds``   capture declined: 402, code ``insufficient_funds``
``tok_timeout``             capture succeeds and is recorded at once, but the first answer comes only after
                            ``PROVIDER_TIMEOUT_TOKEN_DELAY_SECONDS`` (default 60): longer than any caller
                            waits. A retry with the same idempotency key gets the stored capture at once.
``tok_flaky``               503 on the first two attempts of each idempotency key (nothing recorded), then
                            the capture succeeds
==========================  =============================================================================
"""

from __future__ import annotations

from enum import StrEnum


class SandboxToken(StrEnum):
    VISA = "tok_visa"
    MASTERCARD = "tok_mastercard"
    CHARGE_DECLINED = "tok_chargeDeclined"
    INSUFFICIENT_FUNDS = "tok_insufficientFunds"
    TIMEOUT = "tok_timeout"
    FLAKY = "tok_flaky"


DECLINES: dict[SandboxToken, str] = {
    SandboxToken.CHARGE_DECLINED: "card_declined",
    SandboxToken.INSUFFICIENT_FUNDS: "insufficient_funds",
}
"""Tokens the issuer declines, with the provider's decline code."""

FLAKY_FAILURES = 2
"""How many attempts per idempotency key ``tok_flaky`` fails before it succeeds."""


def decline_code(token: SandboxToken) -> str | None:
    """Why the issuer declines a capture with ``token``, or ``None`` when it approves."""
    return DECLINES.get(token)
