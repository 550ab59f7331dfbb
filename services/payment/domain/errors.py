"""Why the payment service said no. The service layer turns these into problem codes."""

from __future__ import annotations


class PaymentError(Exception):
    """Base of every business rule violation of the payment service."""


class PaymentConflict(PaymentError):
    """The checkout already has a payment for another customer, amount or token."""


class PaymentAlreadyVoided(PaymentError):
    """The checkout's payment was compensated (refunded, voided, or voided before it came): it is not
    captured again."""


class NotAPaymentToken(ValueError):
    """A value offered as a payment token is not one (it may be card data): it is never stored."""
