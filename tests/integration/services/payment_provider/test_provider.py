"""The sandbox behaves like a real processor: test tokens, provider-side idempotency, refunds, chaos."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.integration.services.payment_provider.conftest import TIMEOUT_TOKEN_DELAY, ProviderFactory
from tests.unit.services.support import unique

PROBLEM = "application/problem+json"


def capture(
    http: httpx.Client,
    token: str,
    key: str,
    amount: Any = 1999,
    currency: str = "EUR",
    headers: dict[str, str] | None = None,
    **options: Any,
) -> httpx.Response:
    body = {"amount": amount, "currency": currency, "payment_token": token}
    return http.post(
        "/v1/captures", json=body, headers={"Idempotency-Key": key, **(headers or {})}, **options
    )


def refund(http: httpx.Client, capture_id: str, amount: Any, key: str) -> httpx.Response:
    return http.post(
        "/v1/refunds", json={"capture_id": capture_id, "amount": amount}, headers={"Idempotency-Key": key}
    )


def test_tok_visa_captures_and_a_retry_returns_the_same_capture(provider: httpx.Client) -> None:
    key = unique("pay")
    first = capture(provider, "tok_visa", key)
    assert first.status_code == 201
    body = first.json()
    assert body["id"].startswith("cap_")
    assert (body["status"], body["amount"], body["currency"], body["payment_token"]) == (
        "succeeded",
        1999,
        "EUR",
        "tok_visa",
    )
    retry = capture(provider, "tok_visa", key)
    assert retry.status_code == 201
    assert retry.json() == body
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert provider.get(f"/v1/captures/{body['id']}").json() == body
    other = capture(provider, "tok_visa", unique("pay"))
    assert other.json()["id"] != body["id"]


def test_the_same_key_with_another_amount_is_refused(provider: httpx.Client) -> None:
    key = unique("pay")
    assert capture(provider, "tok_visa", key, amount=100).status_code == 201
    reused = capture(provider, "tok_visa", key, amount=200)
    assert reused.status_code == 409
    assert reused.json()["code"] == "IDEMPOTENCY_KEY_REUSED"


@pytest.mark.parametrize(
    ("token", "code"),
    [("tok_chargeDeclined", "card_declined"), ("tok_insufficientFunds", "insufficient_funds")],
)
def test_declining_tokens_answer_402_and_the_decline_is_recorded(
    provider: httpx.Client, token: str, code: str
) -> None:
    key = unique("pay")
    declined = capture(provider, token, key)
    assert declined.status_code == 402
    assert declined.headers["content-type"] == PROBLEM
    problem = declined.json()
    assert (problem["code"], problem["decline_code"]) == (code, code)
    retry = capture(provider, token, key)
    assert (retry.status_code, retry.json()) == (402, problem)
    recorded = provider.get(f"/v1/captures/{problem['capture_id']}").json()
    assert (recorded["status"], recorded["failure_code"]) == ("failed", code)
    refused = refund(provider, problem["capture_id"], 1, unique("refund"))
    assert (refused.status_code, refused.json()["code"]) == (409, "capture_not_refundable")


def test_tok_timeout_outlasts_the_caller_but_a_retry_gets_the_recorded_capture(
    provider: httpx.Client,
) -> None:
    key = unique("pay")
    with pytest.raises(httpx.ReadTimeout):
        capture(provider, "tok_timeout", key, timeout=0.3)
    started = time.monotonic()
    retry = capture(provider, "tok_timeout", key, timeout=5)
    assert time.monotonic() - started < TIMEOUT_TOKEN_DELAY / 2  # the replay does not wait again
    assert retry.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["status"] == "succeeded"
    assert provider.get(f"/v1/captures/{retry.json()['id']}").json()["status"] == "succeeded"


def test_tok_flaky_fails_twice_per_key_then_succeeds(provider: httpx.Client) -> None:
    key = unique("pay")
    statuses = [capture(provider, "tok_flaky", key) for _ in range(3)]
    assert [r.status_code for r in statuses] == [503, 503, 201]
    assert statuses[0].json()["code"] == "temporarily_unavailable"
    assert statuses[0].headers["Retry-After"] == "1"
    replay = capture(provider, "tok_flaky", key)
    assert replay.status_code == 201
    assert replay.json() == statuses[2].json()
    assert capture(provider, "tok_flaky", unique("pay")).status_code == 503  # a new key starts over


def test_refunds_are_partial_idempotent_and_never_exceed_the_capture(provider: httpx.Client) -> None:
    captured = capture(provider, "tok_visa", unique("pay"), amount=1000).json()
    key = unique("refund")
    first = refund(provider, captured["id"], 600, key)
    assert first.status_code == 201
    assert first.json()["id"].startswith("re_")
    assert (first.json()["amount"], first.json()["currency"]) == (600, "EUR")
    replay = refund(provider, captured["id"], 600, key)
    assert replay.json() == first.json()
    too_much = refund(provider, captured["id"], 401, unique("refund"))
    assert too_much.status_code == 409
    assert (too_much.json()["code"], too_much.json()["refundable_amount"]) == ("refund_exceeds_capture", 400)
    assert refund(provider, captured["id"], 400, unique("refund")).status_code == 201
    assert provider.get(f"/v1/captures/{captured['id']}").json()["refunded_amount"] == 1000
    missing = refund(provider, "cap_missing", 1, unique("refund"))
    assert (missing.status_code, missing.json()["code"]) == (404, "capture_not_found")


def test_concurrent_refunds_never_refund_more_than_captured(provider: httpx.Client) -> None:
    captured = capture(provider, "tok_visa", unique("pay"), amount=500).json()
    barrier = threading.Barrier(10)

    def one(_: int) -> int:
        barrier.wait()
        return refund(provider, captured["id"], 100, unique("refund")).status_code

    with ThreadPoolExecutor(10) as pool:
        statuses = sorted(pool.map(one, range(10)))
    assert statuses == [201] * 5 + [409] * 5
    assert provider.get(f"/v1/captures/{captured['id']}").json()["refunded_amount"] == 500


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"amount": 19.99, "currency": "EUR", "payment_token": "tok_visa"}, "amount"),
        ({"amount": 20.0, "currency": "EUR", "payment_token": "tok_visa"}, "amount"),
        ({"amount": "2000", "currency": "EUR", "payment_token": "tok_visa"}, "amount"),
        ({"amount": 0, "currency": "EUR", "payment_token": "tok_visa"}, "amount"),
        ({"amount": 100, "currency": "EURO", "payment_token": "tok_visa"}, "currency"),
        ({"amount": 100, "currency": "ABC", "payment_token": "tok_visa"}, "currency"),
        ({"amount": 100, "currency": "EUR", "payment_token": "4242424242424242"}, "payment_token"),
        (
            {"amount": 100, "currency": "EUR", "payment_token": "tok_visa", "card_number": "4242"},
            "card_number",
        ),
    ],
)
def test_invalid_captures_are_422_and_never_echo_what_was_sent(
    provider: httpx.Client, body: dict[str, Any], path: str
) -> None:
    key = unique("pay")
    response = provider.post("/v1/captures", json=body, headers={"Idempotency-Key": key})
    assert response.status_code == 422
    assert [error["path"] for error in response.json()["errors"]] == [path]
    assert "4242424242424242" not in response.text
    assert capture(provider, "tok_visa", key).status_code == 201  # nothing was stored under the key


def test_injected_errors_follow_the_seed(start_provider: ProviderFactory) -> None:
    def pattern() -> list[int]:
        with start_provider(error_rate=0.5, random_seed=7) as http:
            return [capture(http, "tok_visa", unique("pay"), amount=1).status_code for _ in range(12)]

    first = pattern()
    assert set(first) == {201, 503}
    assert pattern() == first


def test_error_rate_one_fails_everything_before_any_work(start_provider: ProviderFactory) -> None:
    with start_provider(error_rate=1.0) as http:
        failed = capture(http, "tok_visa", unique("pay"))
        assert (failed.status_code, failed.json()["code"]) == (503, "temporarily_unavailable")
        assert http.get("/health/ready").status_code == 200  # health is never injected


def test_latency_is_added_to_every_call(start_provider: ProviderFactory) -> None:
    with start_provider(latency_ms=200) as http:
        started = time.monotonic()
        assert capture(http, "tok_visa", unique("pay")).status_code == 201
        assert time.monotonic() - started >= 0.2


def test_an_api_key_is_required_when_configured(start_provider: ProviderFactory) -> None:
    with start_provider(api_key="sk_test_secret") as http:
        refused = capture(http, "tok_visa", unique("pay"))
        assert (refused.status_code, refused.json()["code"]) == (401, "authentication_required")
        wrong = capture(http, "tok_visa", unique("pay"), headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        allowed = capture(http, "tok_visa", unique("pay"), headers={"Authorization": "Bearer sk_test_secret"})
        assert allowed.status_code == 201
