"""The payment service as operators run it, ``python -m services.payment``, a process of its own;
and what a crash between its two transactions leaves behind: a state a retry completes, with the
capture the provider already made, never a second one."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select

from services.common.tables import idempotency_keys
from services.payment.adapters.orm import PaymentRow
from tests.integration.services.payment.conftest import Books, provider_server
from tests.unit.services.support import unique

REPO_ROOT = Path(__file__).resolve().parents[4]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def payment_process(
    database: Path, provider_url: str, **settings: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``python -m services.payment`` on a free port, once it answers ``/health/ready``."""
    port = _free_port()
    environment = {
        **os.environ,
        "PAYMENT_DATABASE_URL": f"sqlite:///{database}",
        "PAYMENT_PORT": str(port),
        "PAYMENT_LOG_LEVEL": "warning",
        "PAYMENT_PROVIDER_URL": provider_url,
        **{f"PAYMENT_{name.upper()}": value for name, value in settings.items()},
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "services.payment"],
        cwd=REPO_ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, "the payment service exited at start-up"
            assert time.monotonic() < deadline, "the payment service did not start"
            try:
                if httpx.get(f"{url}/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        yield url, process
    finally:
        if process.poll() is None:
            process.terminate()
        process.communicate(timeout=30)


def test_python_dash_m_runs_migrations_and_serves_on_loopback(tmp_path: Path) -> None:
    with payment_process(tmp_path / "payment.db", "http://127.0.0.1:8110") as (url, process):
        ready = httpx.get(f"{url}/health/ready", timeout=5)
        assert ready.json()["checks"] == {"database": "ok", "schema": ["0001"]}
        assert (tmp_path / "payment.db").exists()
        process.terminate()
        output, _ = process.communicate(timeout=30)
    # uvicorn shuts down gracefully, then re-raises the signal so the exit status tells why it stopped.
    assert process.returncode in (0, -signal.SIGTERM), output.decode()
    assert b"Traceback" not in output, output.decode()


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
