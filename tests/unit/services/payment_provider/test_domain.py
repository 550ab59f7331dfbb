"""The provider's rules: test tokens, refunds within the captured amount, injected failures."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.common.errors import TemporaryFailure
from services.payment_provider.domain.model import (
    Capture,
    CaptureNotRefundable,
    CaptureStatus,
    RefundExceedsCapture,
    new_id,
)
from services.payment_provider.domain.tokens import SandboxToken, decline_code
from services.payment_provider.service_layer.chaos import Chaos

NOW = datetime(2030, 1, 1, tzinfo=UTC)


def captured(amount: int, status: CaptureStatus = CaptureStatus.SUCCEEDED) -> Capture:
    return Capture(new_id("cap"), amount, "EUR", "tok_visa", status, NOW)


def test_tokens_decide_the_outcome() -> None:
    assert decline_code(SandboxToken.VISA) is None
    assert decline_code(SandboxToken.TIMEOUT) is None
    assert decline_code(SandboxToken.FLAKY) is None
    assert decline_code(SandboxToken.CHARGE_DECLINED) == "card_declined"
    assert decline_code(SandboxToken.INSUFFICIENT_FUNDS) == "insufficient_funds"


def test_refunds_stop_at_the_captured_amount() -> None:
    capture = captured(1000)
    first = capture.refund(700, "re_1", NOW)
    assert (first.amount, first.currency, capture.refundable) == (700, "EUR", 300)
    with pytest.raises(RefundExceedsCapture) as refused:
        capture.refund(301, "re_2", NOW)
    assert refused.value.refundable == 300
    capture.refund(300, "re_3", NOW)
    assert capture.refundable == 0


def test_failed_captures_cannot_be_refunded() -> None:
    with pytest.raises(CaptureNotRefundable):
        captured(1000, CaptureStatus.FAILED).refund(1, "re_1", NOW)


@given(st.integers(1, 10_000), st.lists(st.integers(1, 5_000), max_size=20))
def test_no_sequence_of_refunds_exceeds_the_capture(amount: int, refunds: list[int]) -> None:
    capture = captured(amount)
    for value in refunds:
        with contextlib.suppress(RefundExceedsCapture):
            capture.refund(value, "re", NOW)
        assert 0 <= capture.refunded_amount <= capture.amount


def test_ids_look_like_a_processors() -> None:
    assert new_id("cap").startswith("cap_")
    assert len(new_id("re")) == len("re_") + 24


def test_injected_failures_are_seeded() -> None:
    def pattern(seed: int) -> list[bool]:
        chaos = Chaos(latency_ms=0, error_rate=0.5, seed=seed)
        results = []
        for _ in range(20):
            try:
                asyncio.run(chaos.before_request())
                results.append(False)
            except TemporaryFailure:
                results.append(True)
        return results

    assert pattern(1) == pattern(1)
    assert pattern(1) != pattern(2)
    assert any(pattern(1))
    assert not all(pattern(1))
