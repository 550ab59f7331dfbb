"""Timeouts, provider failures, requests in flight and compensations racing a capture: whatever
happens, the provider charges a checkout at most once and what it captured minus what it refunded is
what the payment service says it holds. Checked on the provider's own books."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.integration.services.payment.conftest import (
    SHORT_TIMEOUT,
    Books,
    Payment,
    PaymentFactory,
    Provider,
    provider_server,
)
from tests.unit.services.support import unique


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting until {what}"
        time.sleep(0.01)


def in_background(call: Callable[[], httpx.Response]) -> Future[httpx.Response]:
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(call)
    pool.shutdown(wait=False)
    return future


def unreachable_url() -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def test_a_provider_timeout_is_504_and_a_retry_gets_the_capture_already_made(
    start_payment: PaymentFactory, provider: Provider
) -> None:
    before = provider.books()
    with start_payment(provider_timeout_seconds=SHORT_TIMEOUT) as payment:
        checkout = unique("chk")
        timed_out = payment.pay(checkout, "tok_timeout")
        assert timed_out.status_code == 504
        assert timed_out.json()["code"] == "PAYMENT_PROVIDER_TIMEOUT"
        assert timed_out.headers["Retry-After"] == "1"
        assert payment.status(checkout) == "PENDING"
        assert not payment.has_key(f"{checkout}:payment.capture")
        assert (provider.books() - before).captures == 1  # the provider did charge, unanswered

        retried = payment.pay(checkout, "tok_timeout")  # the sandbox answers a repeat at once
        for _ in range(10):  # a loaded machine may be slower than the short timeout: retry, as workers do
            if retried.status_code != 504:
                break
            retried = payment.pay(checkout, "tok_timeout")
        assert retried.status_code == 201
        assert provider.books() - before == Books(captures=1, captured=1999, refunded=0, refunds=0)
        assert provider.capture(retried.json()["provider_capture_id"])["payment_token"] == "tok_timeout"
        assert payment.event_types(checkout) == ["PaymentCaptured"]


def test_a_refund_while_the_capture_is_in_flight_leaves_nothing_captured(
    payment: Payment, provider: Provider
) -> None:
    """The saga's payment time limit fired while the capture call still waits on the provider."""
    before = provider.books()
    checkout = unique("chk")
    capture = in_background(lambda: payment.pay(checkout, "tok_timeout", amount=4200))
    wait_until(lambda: payment.status(checkout) == "PENDING", "the capture is in flight")

    refunded = payment.refund(checkout)
    assert refunded.status_code == 200
    assert refunded.json()["outcome"] == "COMPENSATED"
    refund = refunded.json()["refund"]
    assert refund["amount"] == {"amount_minor": 4200, "currency": "EUR"}

    late = capture.result(timeout=30)  # the provider's answer arrives after the void
    assert (late.status_code, late.json()["code"]) == (409, "PAYMENT_VOIDED")
    assert payment.status(checkout) == "REFUNDED"
    assert provider.books() - before == Books(captures=1, captured=4200, refunded=4200, refunds=1)
    held = provider.capture(refund["provider_capture_id"])
    assert held["amount"] - held["refunded_amount"] == 0
    assert payment.event_types(checkout) == ["PaymentCaptured", "PaymentRefunded"]
    assert payment.refund(checkout, key=unique("refund")).json()["outcome"] == "NOOP_ALREADY_COMPENSATED"


def test_the_same_key_while_its_request_is_in_flight_is_503_request_in_progress(
    payment: Payment, provider: Provider
) -> None:
    before = provider.books()
    checkout = unique("chk")
    key = f"{checkout}:payment.capture"
    first = in_background(lambda: payment.pay(checkout, "tok_timeout", key=key))
    wait_until(lambda: payment.status(checkout) == "PENDING", "the capture is in flight")

    busy = payment.pay(checkout, "tok_timeout", key=key)
    assert (busy.status_code, busy.json()["code"]) == (503, "REQUEST_IN_PROGRESS")
    assert int(busy.headers["Retry-After"]) >= 1
    assert first.result(timeout=30).status_code == 201
    replay = payment.pay(checkout, "tok_timeout", key=key)
    assert (replay.status_code, replay.headers["Idempotent-Replayed"]) == (201, "true")
    assert (provider.books() - before).captures == 1


@pytest.mark.parametrize(
    ("token", "outcome", "status", "events"),
    [
        ("tok_visa", "COMPENSATED", "REFUNDED", ["PaymentCaptured", "PaymentRefunded"]),
        ("tok_chargeDeclined", "NOOP_NOTHING_TO_COMPENSATE", "VOIDED", ["PaymentVoided"]),
    ],
)
def test_an_unreachable_provider_is_503_and_the_compensation_settles_once_it_is_back(
    start_payment: PaymentFactory,
    provider: Provider,
    token: str,
    outcome: str,
    status: str,
    events: list[str],
) -> None:
    before = provider.books()
    checkout = unique("chk")
    with start_payment(provider_url=unreachable_url()) as cut_off:
        failed = cut_off.pay(checkout, token)
        assert (failed.status_code, failed.json()["code"]) == (503, "PAYMENT_PROVIDER_UNAVAILABLE")
        assert failed.headers["Retry-After"] == "1"
        assert cut_off.status(checkout) == "PENDING"
        refund = cut_off.refund(checkout)
        assert (refund.status_code, refund.json()["code"]) == (503, "PAYMENT_PROVIDER_UNAVAILABLE")
        assert cut_off.status(checkout) == "VOIDING"  # voided first: no capture is recorded any more
        assert cut_off.audit(checkout) == []
        late = cut_off.pay(checkout, token, key=unique("late"))
        assert (late.status_code, late.json()["code"]) == (409, "PAYMENT_VOIDED")
        database = cut_off.url

    with start_payment(database_url=database) as reconnected:
        settled = reconnected.refund(checkout)  # the worker's retry, same key
        assert settled.status_code == 200
        assert settled.json()["outcome"] == outcome
        assert reconnected.status(checkout) == status
        assert reconnected.event_types(checkout) == events
        assert [a["outcome"] for a in reconnected.audit(checkout)] == [outcome]
    charged = 1999 if token == "tok_visa" else 0
    assert provider.books() - before == Books(
        captures=charged // 1999, captured=charged, refunded=charged, refunds=charged // 1999
    )


def test_tok_flaky_failing_the_refunds_redrive_is_a_503_then_a_retry_refunds(
    payment: Payment, provider: Provider
) -> None:
    before = provider.books()
    checkout = unique("chk")
    assert payment.pay(checkout, "tok_flaky").status_code == 503  # provider attempt 1
    refund = payment.refund(checkout)  # provider attempt 2 (the re-driven capture)
    assert (refund.status_code, refund.json()["code"]) == (503, "PAYMENT_PROVIDER_UNAVAILABLE")
    assert payment.status(checkout) == "VOIDING"
    retried = payment.refund(checkout)  # attempt 3 captures, then the capture is refunded
    assert retried.json()["outcome"] == "COMPENSATED"
    assert provider.books() - before == Books(captures=1, captured=1999, refunded=1999, refunds=1)
    late = payment.pay(checkout, "tok_flaky")
    assert (late.status_code, late.json()["code"]) == (409, "PAYMENT_VOIDED")


def test_the_provider_api_key_is_sent_as_a_bearer_token_and_never_shown(
    start_payment: PaymentFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "sk_test_" + unique("secret")
    caplog.set_level(logging.DEBUG)
    with provider_server(tmp_path, api_key=secret) as guarded:
        with start_payment(provider_url=guarded.url, provider_api_key=secret) as payment:
            assert payment.pay(unique("chk")).status_code == 201
        with start_payment(provider_url=guarded.url, provider_api_key="sk_test_wrong") as payment:
            refused = payment.pay(unique("chk"))
            assert (refused.status_code, refused.json()["code"]) == (503, "PAYMENT_PROVIDER_UNAVAILABLE")
            assert "sk_test" not in refused.text
    assert secret not in caplog.text
    assert "sk_test_wrong" not in caplog.text
