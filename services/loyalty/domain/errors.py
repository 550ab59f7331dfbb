"""Why the loyalty service said no. The service layer turns these into problem codes."""

from __future__ import annotations


class LoyaltyError(Exception):
    """Base of every business rule violation of the loyalty service."""


class AwardConflict(LoyaltyError):
    """The checkout was already awarded for another customer, order or amount."""


class AwardAlreadyRevoked(LoyaltyError):
    """The checkout's points were revoked (or the revoke came first): it is not awarded again."""
