"""The payment service as operators run it, ``python -m services.payment``, a process of its own;
and what a crash between its two transactions leaves behind: a state a retry completes, with the
capture the provider already made, never a second one."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select

from services.common.migrations import head_revisions
from services.common.tables import idempotency_keys
from services.payment.adapters.orm import PaymentRow
from tests.integration.services.payment.conftest import Books, provider_server
from tests.integration.services.support import assert_stopped_cleanly, service_process
from tests.unit.services.support import unique


@contextmanager
def payment_process(
    database: Path, provider_url: str, **settings: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``python -m services.payment`` on a free port, once it answers ``/health/ready`` with a 200."""
    with service_process(
        "payment",
        database,
        label="the payment service",
        until_status=200,
        provider_url=provider_url,
        **settings,
    ) as service:
        yield service.url, service.process


def test_python_dash_m_runs_migrations_and_serves_on_loopback(tmp_path: Path) -> None:
    with service_process(
        "payment",
        tmp_path / "payment.db",
        label="the payment service",
        until_status=200,
        provider_url="http://127.0.0.1:8110",
    ) as service:
        ready = httpx.get(f"{service.url}/health/ready", timeout=5)
        assert ready.json()["checks"] == {
            "database": "ok",
            "schema": sorted(head_revisions("services.payment")),
        }
        assert (tmp_path / "payment.db").exists()
    assert_stopped_cleanly(service)


def _pay(url: str, checkout: str, key: str) -> httpx.Response:
    body = {
        "checkout_id": checkout,
        "customer_id": "cust-1",
        "amount": {"amount_minor": 3100, "currency": "EUR"},
        "payment_token": "tok_timeout",
    }
    return httpx.post(f"{url}/v1/payments", json=body, headers={"Idempotency-Key": key}, timeout=30)


def test_a_crash_between_the_two_transactions_is_completed_by_a_retry(tmp_path: Path) -> None:
    database = tmp_path / "payment.db"
    engine = create_engine(f"sqlite:///{database}")
    checkout = unique("chk")
    key = f"{checkout}:payment.capture"

    def claim_pending() -> bool:
        with engine.connect() as connection:
            status = connection.execute(
                select(PaymentRow.status).where(PaymentRow.checkout_id == checkout)
            ).scalar()
            claim = connection.execute(
                select(idempotency_keys.c.response_status).where(idempotency_keys.c.key == key)
            ).first()
        return status == "PENDING" and claim is not None and claim[0] is None

    # The sandbox records a tok_timeout capture at once and answers it 30 s later: the kill lands
    # after transaction 1 and the provider's charge, before transaction 2.
    with provider_server(tmp_path, timeout_token_delay_seconds=30) as provider:
        before = provider.books()
        with payment_process(
            database, provider.url, provider_timeout_seconds="60", claim_lease_seconds="150"
        ) as (
            url,
            process,
        ):
            lost = threading.Thread(target=_doomed_request, args=(url, checkout, key), daemon=True)
            lost.start()
            deadline = time.monotonic() + 30
            while not (claim_pending() and (provider.books() - before).captures == 1):
                assert time.monotonic() < deadline, "the capture never got in flight"
                time.sleep(0.02)
            process.kill()  # SIGKILL: no clean-up of any kind
            process.wait(timeout=30)
        assert claim_pending()  # the crash left the intent and the claim

        # Restarted with a short lease, the retry (same key) takes the abandoned claim over.
        with payment_process(
            database, provider.url, provider_timeout_seconds="0.5", claim_lease_seconds="1.5"
        ) as (
            url,
            _,
        ):
            deadline = time.monotonic() + 30
            retried = _pay(url, checkout, key)
            while retried.status_code in (503, 504):  # in progress until the lease runs out
                assert retried.json()["code"] in ("REQUEST_IN_PROGRESS", "PAYMENT_PROVIDER_TIMEOUT")
                assert time.monotonic() < deadline, "the abandoned claim was never taken over"
                time.sleep(0.1)
                retried = _pay(url, checkout, key)
            assert retried.status_code == 201, retried.text
            capture_id = retried.json()["provider_capture_id"]
            assert _pay(url, checkout, key).headers["Idempotent-Replayed"] == "true"
        assert provider.books() - before == Books(captures=1, captured=3100, refunded=0, refunds=0)
        assert provider.capture(capture_id)["amount"] == 3100
    engine.dispose()


def _doomed_request(url: str, checkout: str, key: str) -> None:
    """The capture whose server is killed under it: it fails, and that is the point."""
    with suppress(httpx.HTTPError):
        _pay(url, checkout, key)
