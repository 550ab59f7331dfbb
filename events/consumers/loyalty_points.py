"""Group ``loyalty-points``: award points when an order is created, revoke them when it is cancelled.

Loyalty is not a step of the checkout diagram: a checkout must not fail because points could not be
credited, so this reacts to ``order.events`` (choreography). The loyalty service is called over HTTP
with an ``Idempotency-Key`` derived from the event id, and credits each checkout at most once and
never after its revoke, so the effect is exactly once even if the inbox row were lost; the inbox
keeps redeliveries from reaching the service at all.
"""

from __future__ import annotations

import httpx
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.orm import Session

from events.consumer.runner import Handler
from events.consumers.group import HttpGroup
from events.consumers.service_calls import idempotency_headers, problem_code, raise_for
from events.contracts.base import EventPayload
from events.contracts.order import OrderCancelledV1, OrderCreatedV1
from events.envelope import Envelope

GROUP_ID = "loyalty-points"
TOPICS = ("order.events",)


class LoyaltyPointsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LOYALTY_POINTS_", frozen=True, extra="ignore")

    loyalty_url: str = Field(default="http://127.0.0.1:8106", description="The loyalty service.")
    database_url: str = Field(
        default="sqlite:///var/events/loyalty-points.db", description="The group's inbox database."
    )
    timeout_seconds: float = Field(default=5.0, gt=0, description="Per call to the loyalty service.")


class LoyaltyClient:
    """The two loyalty calls this group makes; 5xx and network errors raise (the runner retries)."""

    def __init__(self, http: httpx.Client) -> None:
        self._http = http

    def award(self, envelope: Envelope, order: OrderCreatedV1) -> None:
        response = self._http.post(
            "/v1/awards",
            headers=idempotency_headers(GROUP_ID, envelope),
            json={
                "checkout_id": order.checkout_id,
                "customer_id": order.customer_id,
                "order_id": order.order_id,
                "amount": order.total.model_dump(),
            },
        )
        if response.status_code == 409 and problem_code(response) == "AWARD_REVOKED":
            return  # the order was cancelled (and its revoke handled) before this award arrived
        raise_for("loyalty", response)

    def revoke(self, envelope: Envelope, order: OrderCancelledV1) -> None:
        response = self._http.post(
            f"/v1/awards/{order.checkout_id}/revoke",
            headers=idempotency_headers(GROUP_ID, envelope),
        )
        raise_for("loyalty", response)


def handlers(client: LoyaltyClient) -> dict[str, Handler]:
    def on_created(envelope: Envelope, payload: EventPayload, _session: Session) -> None:
        assert isinstance(payload, OrderCreatedV1)
        client.award(envelope, payload)

    def on_cancelled(envelope: Envelope, payload: EventPayload, _session: Session) -> None:
        assert isinstance(payload, OrderCancelledV1)
        client.revoke(envelope, payload)

    return {"OrderCreated": on_created, "OrderCancelled": on_cancelled}


def group() -> HttpGroup:
    settings = LoyaltyPointsSettings()
    return HttpGroup(
        GROUP_ID,
        TOPICS,
        settings.database_url,
        settings.loyalty_url,
        settings.timeout_seconds,
        lambda http: handlers(LoyaltyClient(http)),
    )
