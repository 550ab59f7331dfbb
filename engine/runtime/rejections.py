"""Command rejections, worded and coded as Zeebe's broker words and codes them."""

from __future__ import annotations

from enum import StrEnum


class RejectionType(StrEnum):
    """Zeebe's rejection types; the gRPC layer maps each to a status code."""

    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    NOT_FOUND = "NOT_FOUND"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    INVALID_STATE = "INVALID_STATE"
    RESOURCE_EXHAUSTED = "RESOURCE_EXHAUSTED"
    UNAVAILABLE = "UNAVAILABLE"
    """Not Zeebe's: the engine stopped acknowledging after it failed to write (fail-stop)."""


class Rejection(Exception):
    """A command the engine refused; nothing of it was applied."""

    def __init__(self, intent: str, type_: RejectionType, reason: str) -> None:
        super().__init__(f"Command '{intent}' rejected with code '{type_}': {reason}")
        self.intent = intent
        self.type = type_
        self.reason = reason
