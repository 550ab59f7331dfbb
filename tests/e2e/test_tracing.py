"""One checkout, one trace: from the API client's request through the gateway, every job in the
workers, the services and their databases, the events on Kafka, to the consumers that apply them."""

from __future__ import annotations

import secrets
import time
from typing import Any

from tests.e2e.conftest import Stack, body
from tests.e2e.otlp_receiver import ReceivedSpan

SPANS_WAIT_SECONDS = 15.0
SPAN_KIND_CLIENT = 3
"""OTLP's ``SPAN_KIND_CLIENT``."""


def traced_checkout(stack: Stack, request: dict[str, Any], client_span: str | None = None) -> tuple[str, str]:
    """Run a checkout whose request carries a new trace (as an instrumented API client's would):
    the trace id and the checkout's final status."""
    trace_id = secrets.token_hex(16)
    traceparent = f"00-{trace_id}-{client_span or secrets.token_hex(8)}-01"
    started = stack.start_checkout(request, traceparent=traceparent)
    assert started.status_code == 202, started.text
    return trace_id, str(stack.until(started.json()["id"])["status"])


def wait_for_trace(stack: Stack, trace_id: str, until_span: str, *by: str) -> list[ReceivedSpan]:
    """The trace's spans once ``until_span`` (the last thing the checkout causes) has arrived, from
    each service of ``by`` if any are named, and a moment more for the spans exported beside it."""
    deadline = time.monotonic() + SPANS_WAIT_SECONDS
    while time.monotonic() < deadline:
        arrived = {span.service for span in stack.spans.trace(trace_id) if span.name == until_span}
        if arrived and arrived >= set(by):
            time.sleep(0.5)
            break
        time.sleep(0.1)
    return stack.spans.trace(trace_id)


def jobs(spans: list[ReceivedSpan], *, compensation: bool) -> list[str]:
    return [
        str(span.attributes["zeebe.job.type"])
        for span in spans
        if span.name.startswith("job ") and span.attributes.get("checkout.compensation") is compensation
    ]


def test_a_compensated_checkout_is_one_trace_with_the_failed_step_marked_and_compensations_in_reverse(
    stack: Stack,
) -> None:
    client_span = secrets.token_hex(8)
    trace_id, status = traced_checkout(stack, body(("SKU-1", 1), ("SKU-SOLDOUT", 1)), client_span)
    assert status == "COMPENSATED"

    spans = wait_for_trace(stack, trace_id, "job saga.compensated")

    by_id = {span.span_id for span in spans}
    orphans = [span.name for span in spans if span.parent_span_id not in by_id | {client_span}]
    assert orphans == [], "every span hangs from the client's request through its parents"
    assert {"gateway", "engine", "workers", "cart", "pricing", "payment", "inventory", "relay"} <= {
        span.service for span in spans
    }
    assert jobs(spans, compensation=False) == [
        "saga.started",
        "cart.reserve",
        "pricing.quote",
        "payment.capture",
        "inventory.allocate",
        "saga.compensation-started",
        "saga.compensated",
    ]
    (allocate,) = [span for span in spans if span.name == "job inventory.allocate"]
    assert allocate.failed
    assert allocate.attributes["checkout.job.outcome"] == "business_failure"
    assert jobs(spans, compensation=True) == ["payment.refund", "pricing.void", "cart.release"]


def test_a_job_span_holds_the_call_to_its_service_and_the_service_its_sql(stack: Stack) -> None:
    trace_id, status = traced_checkout(stack, body(("SKU-3", 1)))
    assert status == "COMPLETED"

    spans = wait_for_trace(stack, trace_id, "job saga.completed")

    by_id = {span.span_id: span for span in spans}
    (reserve,) = [span for span in spans if span.name == "job cart.reserve"]
    calls = [s for s in spans if s.kind == SPAN_KIND_CLIENT and s.parent_span_id == reserve.span_id]
    assert [call.service for call in calls] == ["workers"]
    served = [s for s in spans if s.service == "cart" and s.parent_span_id == calls[0].span_id]
    assert served, "the cart's request span continues the worker's call"
    cart_sql = [s for s in spans if s.service == "cart" and any(k.startswith("db.") for k in s.attributes)]
    assert cart_sql, "the cart's statements are spans of the checkout's trace"
    assert all(by_id.get(s.parent_span_id) is not None for s in cart_sql)


def test_a_service_event_reaches_its_consumer_inside_the_checkout_trace(stack: Stack) -> None:
    trace_id, status = traced_checkout(stack, body(("SKU-2", 1)))
    assert status == "COMPLETED"

    spans = wait_for_trace(stack, trace_id, "order.events process", "loyalty-points", "cart-checkouts")

    names = {(span.service, span.name) for span in spans}
    assert ("relay", "order.events publish") in names
    assert ("loyalty-points", "order.events process") in names
    assert ("cart-checkouts", "order.events process") in names
    assert ("gateway", "checkout.saga process") in names
