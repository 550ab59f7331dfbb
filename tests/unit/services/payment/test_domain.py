"""The payment rules in plain Python: tokens only, one charge per checkout, the states a capture and
its compensation move through, and events that keep a ledger exact."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.common.money import Money
from services.payment.domain.errors import NotAPaymentToken, PaymentAlreadyVoided, PaymentConflict
from services.payment.domain.events import PaymentCaptured, PaymentDeclined, PaymentRefunded, PaymentVoided
from services.payment.domain.model import (
    MAX_AMOUNT_MINOR,
    Charge,
    Payment,
    PaymentStatus,
    check_payment_token,
    provider_capture_key,
    provider_refund_key,
)

AT = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
CHARGE = Charge("cust-1", Money(1999, "EUR"), "tok_visa")


def pending() -> Payment:
    return Payment.start("chk-1", CHARGE, AT)


@pytest.mark.parametrize("token", ["tok_visa", "tok_chargeDeclined", "tok_insufficientFunds", "tok_1234"])
def test_payment_tokens_are_accepted(token: str) -> None:
    assert check_payment_token(token) == token


@pytest.mark.parametrize(
    "value",
    [
        "4242424242424242",
        "4242 4242 4242 4242",
        "tok_4242424242424242",  # a card number wearing a token's prefix
        "tok_",
        "tok-visa",
        "tok_visa ",
        "",
        "pm_card_visa",
    ],
)
def test_anything_but_a_token_is_refused_as_possible_card_data(value: str) -> None:
    with pytest.raises(NotAPaymentToken):
        check_payment_token(value)


def test_a_charge_is_positive_within_the_provider_limit_and_carries_a_token() -> None:
    for amount in (0, -1, MAX_AMOUNT_MINOR + 1):
        with pytest.raises(ValueError, match="minor units"):
            Charge("cust-1", Money(amount, "EUR"), "tok_visa")
    with pytest.raises(NotAPaymentToken):
        Charge("cust-1", Money(100, "EUR"), "4242424242424242")
    assert (
        Charge("cust-1", Money(MAX_AMOUNT_MINOR, "JPY"), "tok_visa").amount.amount_minor == MAX_AMOUNT_MINOR
    )


def test_provider_keys_come_from_the_checkout_id_alone() -> None:
    assert provider_capture_key("chk-1") == "chk-1:capture"
    assert provider_refund_key("chk-1") == "chk-1:refund"
    assert provider_capture_key("chk-1") != provider_capture_key("chk-2")


def test_a_capture_starts_pending_and_records_the_providers_capture() -> None:
    payment = pending()
    assert (payment.status, payment.charge, payment.payment_id[:4]) == (PaymentStatus.PENDING, CHARGE, "pay_")
    payment.captured("cap_1", AT)
    assert (payment.status, payment.provider_capture_id, payment.captured_at) == (
        PaymentStatus.CAPTURED,
        "cap_1",
        AT,
    )
    with pytest.raises(AssertionError):
        payment.captured("cap_2", AT)


def test_a_decline_is_recorded_and_leaves_nothing_to_void() -> None:
    payment = pending()
    payment.declined("card_declined", "cap_9", AT)
    assert (payment.status, payment.decline_code, payment.provider_capture_id) == (
        PaymentStatus.DECLINED,
        "card_declined",
        "cap_9",
    )
    with pytest.raises(AssertionError):
        payment.void(AT)  # nothing to give back: the refund use case answers a no-op instead


def test_a_repeat_must_ask_for_the_same_charge() -> None:
    payment = pending()
    payment.check_repeat(Charge("cust-1", Money(1999, "EUR"), "tok_visa"))
    for other in (
        Charge("cust-2", Money(1999, "EUR"), "tok_visa"),
        Charge("cust-1", Money(2000, "EUR"), "tok_visa"),
        Charge("cust-1", Money(1999, "USD"), "tok_visa"),
        Charge("cust-1", Money(1999, "EUR"), "tok_mastercard"),
    ):
        with pytest.raises(PaymentConflict):
            payment.check_repeat(other)


def test_a_compensated_payment_refuses_every_capture() -> None:
    voiding = pending()
    voiding.void(AT)
    tombstone = Payment.tombstone("chk-2", AT)
    assert (tombstone.status, tombstone.charge) == (PaymentStatus.VOIDED, None)
    for payment in (voiding, tombstone):
        with pytest.raises(PaymentAlreadyVoided):
            payment.check_repeat(CHARGE)


def test_a_voided_payment_is_never_recorded_as_captured() -> None:
    payment = pending()
    payment.void(AT)
    assert payment.status is PaymentStatus.VOIDING
    with pytest.raises(AssertionError):
        payment.captured("cap_1", AT)  # the in-flight capture's answer, arriving late


def test_a_refund_of_a_capture_in_flight_learns_the_capture_id() -> None:
    payment = pending()
    payment.void(AT)
    payment.refunded("cap_1", "re_1", AT)
    assert (payment.status, payment.provider_capture_id, payment.provider_refund_id) == (
        PaymentStatus.REFUNDED,
        "cap_1",
        "re_1",
    )
    assert payment.refund_amount == Money(1999, "EUR")
    with pytest.raises(AssertionError):
        payment.refunded("cap_1", "re_2", AT)  # never twice


def test_a_refund_must_be_of_the_recorded_capture() -> None:
    payment = pending()
    payment.captured("cap_1", AT)
    payment.void(AT)
    with pytest.raises(AssertionError):
        payment.refunded("cap_other", "re_1", AT)


def test_a_capture_in_flight_that_was_declined_voids_without_money() -> None:
    payment = pending()
    payment.void(AT)
    payment.voided_without_capture("card_declined")
    assert (payment.status, payment.decline_code, payment.provider_capture_id) == (
        PaymentStatus.VOIDED,
        "card_declined",
        None,
    )


def test_a_tombstone_has_nothing_to_refund_and_no_events() -> None:
    tombstone = Payment.tombstone("chk-2", AT)
    with pytest.raises(AssertionError):
        _ = tombstone.refund_amount
    with pytest.raises(AssertionError):
        PaymentVoided.of(tombstone)


def test_events_carry_versioned_payloads() -> None:
    payment = pending()
    payment.captured("cap_1", AT)
    captured = PaymentCaptured.of(payment)
    assert (captured.event_type, captured.schema_version, captured.checkout_id) == (
        "PaymentCaptured",
        1,
        "chk-1",
    )
    assert captured.payload() == {
        "checkout_id": "chk-1",
        "payment_id": payment.payment_id,
        "customer_id": "cust-1",
        "amount": {"amount_minor": 1999, "currency": "EUR"},
        "provider_capture_id": "cap_1",
    }
    payment.void(AT)
    payment.refunded("cap_1", "re_1", AT)
    assert PaymentRefunded.of(payment).payload()["provider_refund_id"] == "re_1"
    declined = pending()
    declined.declined("insufficient_funds", None, AT)
    assert PaymentDeclined.of(declined).payload()["decline_code"] == "insufficient_funds"


STEPS = st.lists(st.sampled_from(["capture", "decline", "void", "refund", "void_declined"]), max_size=12)


@given(STEPS)
def test_no_sequence_refunds_more_than_it_captured_or_twice(steps: list[str]) -> None:
    payment = pending()
    refunds = 0
    for step in steps:
        try:
            if step == "capture":
                payment.captured("cap_1", AT)
            elif step == "decline":
                payment.declined("card_declined", "cap_1", AT)
            elif step == "void":
                payment.void(AT)
            elif step == "refund":
                payment.refunded("cap_1", "re_1", AT)
                refunds += 1
            else:
                payment.voided_without_capture("card_declined")
        except AssertionError:
            continue  # an illegal move changes nothing
    captured = 1999 if payment.provider_capture_id and payment.status is not PaymentStatus.DECLINED else 0
    refunded = 1999 if payment.status is PaymentStatus.REFUNDED else 0
    assert captured - refunded >= 0
    assert refunds <= 1
    assert (payment.provider_refund_id is not None) == (payment.status is PaymentStatus.REFUNDED)
