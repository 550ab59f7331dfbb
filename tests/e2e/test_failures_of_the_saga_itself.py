"""When the saga's own parts fail: a compensation that cannot succeed, a duplicate request, a worker
killed mid-job. Nothing is charged or allocated twice, and nothing is lost."""

from __future__ import annotations

import signal
import time

from sqlalchemy import create_engine, text

from tests.e2e.conftest import API_KEY, Stack, body, resolve_incidents


def test_a_compensation_that_keeps_failing_ends_in_an_incident_then_finishes_once_resolved(
    stack: Stack,
) -> None:
    created = stack.start_checkout(body(token="tok_timeout"))
    checkout_id = created.json()["id"]
    # The capture hangs until the payment time limit: meanwhile pricing goes down, so voiding the quote
    # fails on every retry and the compensation stops in an incident.
    stack.until_step(checkout_id, "capture_payment")
    stack.supervisor.kill("pricing", signal.SIGTERM)
    try:
        failed = stack.until(checkout_id)
        assert failed["status"] == "FAILED"
        assert failed["failure"] is not None
    finally:
        stack.supervisor.restart("pricing")

    assert resolve_incidents(stack, failed) >= 1
    checkout = stack.until(checkout_id, frozenset({"COMPENSATED"}))

    assert [e["element_id"] for e in checkout["timeline"] if e["kind"] == "COMPENSATION"][-2:] == [
        "void_quote",
        "release_cart",
    ]


def test_the_same_request_twice_is_one_checkout(stack: Stack) -> None:
    request = body(("SKU-2", 1))

    first = stack.start_checkout(request, key="dup-" + API_KEY[-8:])
    second = stack.start_checkout(request, key="dup-" + API_KEY[-8:])

    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"]
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert stack.until(first.json()["id"])["status"] == "COMPLETED"


def test_the_same_key_with_another_body_is_refused(stack: Stack) -> None:
    key = "dup-body-" + API_KEY[-8:]
    assert stack.start_checkout(body(("SKU-2", 1)), key=key).status_code == 202

    refused = stack.start_checkout(body(("SKU-2", 2)), key=key)

    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")


def test_a_worker_killed_mid_job_is_replaced_and_nothing_happens_twice(stack: Stack) -> None:
    # Freeze inventory so the worker that takes the allocation job is stuck in its call: mid-job.
    stack.supervisor.send_signal("inventory", signal.SIGSTOP)
    try:
        created = stack.start_checkout(body(("SKU-4", 1)))
        checkout_id = created.json()["id"]
        stack.until_step(checkout_id, "allocate_inventory")
        time.sleep(0.5)  # the worker activates the job and sends its request to the frozen service
        stack.supervisor.kill("workers", signal.SIGKILL)
    finally:
        stack.supervisor.send_signal("inventory", signal.SIGCONT)
    # The dead worker's request still reaches inventory; the new worker re-runs the job once Zeebe's
    # job timeout hands it out again, with the same idempotency key.
    stack.supervisor.restart("workers")

    checkout = stack.until(checkout_id)

    assert checkout["status"] == "COMPLETED"
    allocation = stack.service("inventory", f"/v1/allocations/{checkout_id}").json()
    assert allocation["items"] == [{"sku": "SKU-4", "quantity": 1, "location": "A-01"}]
    payment = stack.service("payment", f"/v1/payments/{checkout_id}").json()
    assert payment["amount"] == checkout["amounts"]["total"]
    # Stock moved exactly once and money was captured exactly once: checked for every test by the
    # invariants fixture (allocated stock delta = completed quantities; captured - refunded = orders).


def captures_at_the_provider(stack: Stack) -> int:
    """Every capture the card processor stand-in ever made: what a card would be charged."""
    engine = create_engine(stack.layout.database_url("payment_provider"))
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT COUNT(*) FROM captures")).scalar_one())
    finally:
        engine.dispose()


def test_a_worker_killed_mid_capture_charges_the_card_once(stack: Stack) -> None:
    before = captures_at_the_provider(stack)
    # Freeze the card processor so the capture is in flight: the worker waits on payment, which has
    # recorded the payment PENDING and waits on the processor.
    stack.supervisor.send_signal("payment_provider", signal.SIGSTOP)
    try:
        checkout_id = stack.start_checkout(body(("SKU-5", 1))).json()["id"]
        deadline = time.monotonic() + 30
        while stack.service("payment", f"/v1/payments/{checkout_id}").status_code == 404:
            assert time.monotonic() < deadline, "the capture never reached payment"
            time.sleep(0.05)
        assert stack.service("payment", f"/v1/payments/{checkout_id}").json()["status"] == "PENDING"
        stack.supervisor.kill("workers", signal.SIGKILL)
    finally:
        stack.supervisor.send_signal("payment_provider", signal.SIGCONT)
    # The dead worker's capture still completes at payment and the processor; the new worker re-runs
    # the job with the same idempotency key. Whether that happens before the stack's payment time
    # limit (PT4S) or the limit compensates first, the card is charged once, and refunded in full if
    # compensated.
    stack.supervisor.restart("workers")

    checkout = stack.until(checkout_id)

    assert checkout["status"] in {"COMPLETED", "COMPENSATED"}
    assert captures_at_the_provider(stack) - before == 1
    payment = stack.service("payment", f"/v1/payments/{checkout_id}").json()
    capture = stack.service("payment_provider", f"/v1/captures/{payment['provider_capture_id']}").json()
    refunded = capture["amount"] if checkout["status"] == "COMPENSATED" else 0
    assert (capture["amount"], capture["refunded_amount"]) == (payment["amount"]["amount_minor"], refunded)


def test_a_service_that_keeps_failing_opens_its_circuit_and_checkouts_fail_fast_into_compensation(
    stack: Stack,
) -> None:
    stack.supervisor.kill("order", signal.SIGTERM)
    try:
        checkout = stack.run(body(("SKU-5", 1)))
        breakers = stack.http.get(stack.layout.url("workers_status", "/breakers")).json()
    finally:
        stack.supervisor.restart("order")

    # Three refused connections open the circuit (threshold 3 here); the next attempt does not call
    # the order service at all but throws SERVICE_UNAVAILABLE, well before the job's retries run out.
    assert checkout["status"] == "COMPENSATED"
    assert checkout["failure"]["code"] == "SERVICE_UNAVAILABLE"
    order = next(b for b in breakers["breakers"] if b["service"] == "order")
    assert order["times_opened"] >= 1
    assert breakers["status"] == "DEGRADED"


def test_workers_stopped_with_sigterm_hand_their_running_jobs_back(stack: Stack) -> None:
    stack.supervisor.send_signal("inventory", signal.SIGSTOP)
    try:
        created = stack.start_checkout(body(("SKU-5", 1)))
        checkout_id = created.json()["id"]
        stack.until_step(checkout_id, "allocate_inventory")
        time.sleep(0.5)  # the allocation job is taken and its call hangs on the frozen service
        log_file = stack.supervisor.log_dir / "workers.log"
        logged_before = len(log_file.read_text())
        began = time.monotonic()
        stack.supervisor.kill("workers", signal.SIGTERM)
        stopped_after = time.monotonic() - began
    finally:
        stack.supervisor.send_signal("inventory", signal.SIGCONT)
    log = log_file.read_text()[logged_before:]
    stack.supervisor.restart("workers")

    checkout = stack.until(checkout_id)

    assert stopped_after < 10  # the grace period here is 2 s; nothing waits for the frozen call
    assert "handed back job" in log
    assert checkout["status"] == "COMPLETED"
