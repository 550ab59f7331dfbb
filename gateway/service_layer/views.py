"""The checkout document the API answers with (also its OpenAPI schema), built from the recorded checkout
and, once it has an instance, the progress read from Operate. The payment token is never part of it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from gateway.domain.elements import ElementKind
from gateway.domain.lifecycle import LifecycleEvent
from gateway.domain.model import Checkout, CheckoutStatus
from gateway.domain.progress import Amounts, Failure, NodeState, Progress, TimelineEntry
from services.common.api_types import MoneyModel
from services.common.money import Money


class ItemView(BaseModel):
    sku: str
    quantity: int


class AmountsView(BaseModel):
    """From the ``quote`` the pricing step wrote; each a Money document in minor units."""

    subtotal: MoneyModel | None
    discount: MoneyModel | None
    tax: MoneyModel | None
    total: MoneyModel | None

    @classmethod
    def of(cls, amounts: Amounts) -> AmountsView:
        def money(value: Money | None) -> MoneyModel | None:
            return None if value is None else MoneyModel.of(value)

        return cls(
            subtotal=money(amounts.subtotal),
            discount=money(amounts.discount),
            tax=money(amounts.tax),
            total=money(amounts.total),
        )


class FailureView(BaseModel):
    code: str = Field(
        description="Stable code: the failing service's, PAYMENT_TIMEOUT, or the incident type."
    )
    reason: str

    @classmethod
    def of(cls, failure: Failure) -> FailureView:
        return cls(code=failure.code, reason=failure.reason)


class TimelineEntryView(BaseModel):
    element_id: str
    name: str
    kind: Literal["STEP", "COMPENSATION"]
    compensates: str | None = Field(description="The step this compensation undoes (element id).")
    state: Literal["ACTIVE", "COMPLETED", "TERMINATED"]
    started_at: datetime | None
    ended_at: datetime | None
    incident: bool

    @classmethod
    def of(cls, entry: TimelineEntry) -> TimelineEntryView:
        kind: Literal["STEP", "COMPENSATION"] = "STEP" if entry.kind is ElementKind.STEP else "COMPENSATION"
        state: Literal["ACTIVE", "COMPLETED", "TERMINATED"] = (
            "COMPLETED"
            if entry.state is NodeState.COMPLETED
            else "TERMINATED"
            if entry.state is NodeState.TERMINATED
            else "ACTIVE"
        )
        return cls(
            element_id=entry.element_id,
            name=entry.name,
            kind=kind,
            compensates=entry.compensates,
            state=state,
            started_at=entry.started_at,
            ended_at=entry.ended_at,
            incident=entry.incident,
        )


class CheckoutDocument(BaseModel):
    id: str
    status: CheckoutStatus
    customer_id: str
    items: list[ItemView]
    shipping_region: str
    promo_code: str | None
    created_at: datetime
    updated_at: datetime
    process_instance_key: int | None
    # Defaulted: final documents stored before versions were recorded lack it.
    process_version: int | None = Field(
        default=None,
        description="The checkout diagram's version its instance runs on (null until it is started).",
    )
    order_id: str | None
    amounts: AmountsView | None
    failure: FailureView | None
    timeline: list[TimelineEntryView] = Field(
        description="The diagram's service tasks the checkout ran, in start order."
    )


class LifecycleEventView(BaseModel):
    event_id: str
    type: str = Field(
        description="CheckoutStarted, StepCompleted, CompensationStarted, StepCompensated, "
        "CheckoutCompleted, CheckoutCompensated or CheckoutFailed."
    )
    step: str | None = Field(description="For step events: the forward step's job type (cart.reserve...).")
    error_code: str | None
    error_message: str | None
    occurred_at: datetime

    @classmethod
    def of(cls, event: LifecycleEvent) -> LifecycleEventView:
        return cls(
            event_id=event.event_id,
            type=event.event_type,
            step=event.step,
            error_code=event.error_code,
            error_message=event.error_message,
            occurred_at=event.occurred_at,
        )


class CheckoutLifecycle(BaseModel):
    checkout_id: str
    status: CheckoutStatus | None = Field(
        description="What the latest terminal announcement says (null while none arrived)."
    )
    events: list[LifecycleEventView] = Field(
        description="The saga's lifecycle events of the checkout, in order, each once (the checkout "
        "projection, fed by topic checkout.saga)."
    )


class CheckoutPage(BaseModel):
    items: list[CheckoutDocument]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last.")


def document_of(checkout: Checkout, progress: Progress | None = None) -> CheckoutDocument:
    """The document of ``checkout``: from its record alone until its progress is known."""
    status = checkout.status
    updated_at = checkout.updated_at
    if progress is not None:
        status = progress.status
        if progress.last_change is not None and progress.last_change > updated_at:
            updated_at = progress.last_change
    elif checkout.process_instance_key is not None and status is CheckoutStatus.PENDING:
        status = CheckoutStatus.RUNNING
    return CheckoutDocument(
        id=checkout.id,
        status=status,
        customer_id=checkout.customer_id,
        items=[ItemView(sku=item.sku, quantity=item.quantity) for item in checkout.items],
        shipping_region=checkout.shipping_region,
        promo_code=checkout.promo_code,
        created_at=checkout.created_at,
        updated_at=updated_at,
        process_instance_key=checkout.process_instance_key,
        process_version=checkout.process_version,
        order_id=None if progress is None else progress.order_id,
        amounts=None if progress is None or progress.amounts is None else AmountsView.of(progress.amounts),
        failure=None if progress is None or progress.failure is None else FailureView.of(progress.failure),
        timeline=[] if progress is None else [TimelineEntryView.of(entry) for entry in progress.timeline],
    )


def body(document: BaseModel) -> dict[str, Any]:
    return document.model_dump(mode="json")


def recorded_document(checkout: Checkout) -> CheckoutDocument:
    """The document from the gateway's own record (its stored final document once it has one): what a
    start or its replay answers, without asking Operate."""
    if checkout.final_document is not None:
        return CheckoutDocument.model_validate(checkout.final_document)
    return document_of(checkout)
