"""Timeline, amounts, order id and failure of a checkout, built from Operate's documents."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.domain.elements import ElementKind
from gateway.domain.progress import Failure, NodeState, progress_of, timeline_of
from services.common.money import Money
from tests.unit.gateway.operate_documents import incident, instance, node, snapshot, variable

END = "2026-01-01T10:00:09.000+0000"


def test_the_timeline_lists_only_the_diagrams_service_tasks_in_start_order() -> None:
    nodes = [
        node(5, "quote_price", start="10:00:02.000", end="10:00:03.000"),
        node(1, "checkout_requested", start="10:00:00.000", end="10:00:00.000"),
        node(3, "reserve_cart", start="10:00:01.000", end="10:00:02.000"),
        node(7, "flow_gateway_or_event", start="10:00:03.000"),
    ]

    timeline = timeline_of(snapshot(instance(), nodes).flow_nodes)

    assert [entry.element_id for entry in timeline] == ["reserve_cart", "quote_price"]


def test_elements_started_in_the_same_millisecond_keep_their_key_order() -> None:
    nodes = [node(8, "void_quote", start="10:00:05.000"), node(6, "refund_payment", start="10:00:05.000")]

    assert [e.element_id for e in timeline_of(snapshot(instance(), nodes).flow_nodes)] == [
        "refund_payment",
        "void_quote",
    ]


def test_a_timeline_entry_carries_kind_compensated_step_state_times_and_incident() -> None:
    nodes = [
        node(3, "capture_payment", "TERMINATED", start="10:00:01.000", end="10:00:04.000"),
        node(4, "cancel_abandoned_capture", "ACTIVE", start="10:00:04.500", end=None, incident=True),
    ]

    step, undo = timeline_of(snapshot(instance(), nodes).flow_nodes)

    assert (step.kind, step.compensates, step.state) == (ElementKind.STEP, None, NodeState.TERMINATED)
    assert step.started_at == datetime(2026, 1, 1, 10, 0, 1, tzinfo=UTC)
    assert step.ended_at == datetime(2026, 1, 1, 10, 0, 4, tzinfo=UTC)
    assert (undo.kind, undo.compensates, undo.state) == (
        ElementKind.COMPENSATION,
        "capture_payment",
        NodeState.ACTIVE,
    )
    assert (undo.ended_at, undo.incident) == (None, True)


def test_the_element_name_comes_from_operate_or_else_from_the_table() -> None:
    nodes = [node(1, "reserve_cart", name="Reserve the cart"), node(2, "quote_price", start="10:00:02.000")]

    assert [e.name for e in timeline_of(snapshot(instance(), nodes).flow_nodes)] == [
        "Reserve the cart",
        "Quote price",
    ]


def test_amounts_are_the_quotes_money_documents() -> None:
    quote = {
        "quote_id": "q-1",
        "currency": "EUR",
        "subtotal": {"amount_minor": 5570, "currency": "EUR"},
        "discount": {"amount_minor": 0, "currency": "EUR"},
        "tax": {"amount_minor": 1058, "currency": "EUR"},
        "total": {"amount_minor": 6628, "currency": "EUR"},
    }

    amounts = progress_of(snapshot(instance(), variables=[variable("quote", quote)])).amounts

    assert amounts is not None
    assert (amounts.subtotal, amounts.total) == (Money(5570, "EUR"), Money(6628, "EUR"))


def test_amounts_in_bare_minor_units_take_the_quotes_currency() -> None:
    quote = {"currency": "JPY", "subtotal": 1200, "discount": 0, "tax": 120, "total": 1320}

    amounts = progress_of(snapshot(instance(), variables=[variable("quote", quote)])).amounts

    assert amounts is not None
    assert amounts.total == Money(1320, "JPY")


def test_there_are_no_amounts_before_pricing_or_when_the_quote_is_not_money() -> None:
    assert progress_of(snapshot(instance())).amounts is None
    not_money = {"total": "66.28", "currency": "EUR"}
    assert progress_of(snapshot(instance(), variables=[variable("quote", not_money)])).amounts is None


def test_the_order_id_is_the_order_steps_output() -> None:
    done = snapshot(
        instance("COMPLETED", end=END), [node(9, "checkout_completed")], [variable("orderId", "o-7")]
    )

    assert progress_of(done).order_id == "o-7"


def test_a_compensated_checkout_fails_with_the_error_code_and_message_of_the_step() -> None:
    variables = [variable("errorCode", "PAYMENT_DECLINED"), variable("errorMessage", "card declined")]

    progress = progress_of(
        snapshot(instance("COMPLETED", end=END), [node(9, "checkout_compensated")], variables)
    )

    assert progress.failure == Failure("PAYMENT_DECLINED", "card declined")


def test_a_compensation_in_progress_already_shows_its_failure() -> None:
    progress = progress_of(snapshot(instance(), variables=[variable("errorCode", "OUT_OF_STOCK")]))

    assert (progress.status.value, progress.failure) == ("RUNNING", Failure("OUT_OF_STOCK", ""))


def test_a_compensation_without_an_error_code_still_says_it_failed() -> None:
    variables = [variable("errorCode", None), variable("errorMessage", None)]

    progress = progress_of(
        snapshot(instance("COMPLETED", end=END), [node(9, "checkout_compensated")], variables)
    )

    assert progress.failure is not None
    assert progress.failure.code == "UNKNOWN_FAILURE"


def test_a_stuck_checkout_fails_with_its_incident_even_during_compensation() -> None:
    variables = [variable("errorCode", "PAYMENT_TIMEOUT")]
    stuck = snapshot(
        instance(incident=True), variables=variables, incidents=[incident("pricing is down", "void_quote")]
    )

    assert progress_of(stuck).failure == Failure("JOB_NO_RETRIES", "pricing is down")


def test_a_cancelled_checkout_fails_as_cancelled() -> None:
    progress = progress_of(snapshot(instance("CANCELED", end=END)))

    assert progress.failure is not None
    assert progress.failure.code == "CHECKOUT_CANCELLED"


def test_a_running_checkout_has_no_failure_amounts_or_order() -> None:
    progress = progress_of(snapshot(instance(), [node(1, "reserve_cart", "ACTIVE", end=None)]))

    assert (progress.failure, progress.amounts, progress.order_id) == (None, None, None)


def test_the_last_change_is_the_latest_moment_operate_reports() -> None:
    progress = progress_of(snapshot(instance("COMPLETED", end=END), [node(9, "checkout_completed")]))

    assert progress.last_change == datetime(2026, 1, 1, 10, 0, 9, tzinfo=UTC)
